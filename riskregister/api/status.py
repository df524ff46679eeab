"""Status sources (admins) and status changes (everyone reads; reviewers and admins record manual ones).

A source's URL is checked by the SSRF rules of vendors/http.py on create and update; a manual change
goes through vendors.recording.manual_change_record, in a batch of its own, validated and rated as
the admin form and the command do, so that the subject's state moves and the alerts dispatcher hears
of it exactly as of a change a check found. Who a change reached is read from the stored reach
(riskregister/alerts/selectors.py), never computed here.
"""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from riskregister.api.filters import RegisterFilterSet
from riskregister.alerts.selectors import changes_reached_teams
from riskregister.api.permissions import AdminOnly, ReadSignedInWriteReviewer
from riskregister.teams.access import sees_all_teams
from riskregister.teams.models import Membership
from vendors.http import validate_outbound_url
from vendors.push import push_url_revoke, push_url_rotate
from vendors.models import AIModel, Offering, StatusChange, StatusSource, Vendor
from vendors.recording import manual_change_record
from vendors.sources import validate_config


class StatusSourceSerializer(serializers.ModelSerializer):
    has_push_url = serializers.BooleanField(read_only=True, help_text="Whether the source has a push URL (shown once).")
    # Empty until the first push; then one of vendors.models.PushOutcome.
    last_push_outcome = serializers.CharField(
        read_only=True, help_text="What the last push did: scheduled, deferred, coalesced, after_check; empty before any."
    )
    vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.all(), allow_null=True, required=False, help_text="Vendor id; empty for a regulator or catalog."
    )
    interval = serializers.IntegerField(min_value=30, max_value=7 * 24 * 3600, required=False)
    config = serializers.DictField(required=False, help_text="Per-kind settings, validated by the kind's adapter.")

    class Meta:
        model = StatusSource
        fields = [
            "id", "uuid", "name", "kind", "url", "vendor", "interval", "enabled", "config",
            "last_checked_at", "last_success_at", "last_error", "consecutive_failures", "next_check_at",
            "troubled", "has_push_url", "last_push_at", "last_push_outcome", "push_count",
            "created_at", "updated_at",
        ]
        read_only_fields = [
            "uuid", "last_checked_at", "last_success_at", "last_error", "consecutive_failures", "next_check_at",
            "troubled", "has_push_url", "last_push_at", "last_push_outcome", "push_count",
            "created_at", "updated_at",
        ]

    def validate_url(self, url):
        validate_outbound_url(url)  # its django ValidationError becomes a 400 naming `url`
        return url

    def validate(self, attrs):
        # The kind's own serializer checks `config` (and the offering and model ids it names): a 400
        # naming `config` rather than a source that fails at its first check.
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        config = attrs.get("config", getattr(self.instance, "config", {}) if self.instance else {})
        attrs["config"] = validate_config(kind, config)
        return attrs


class StatusSourceViewSet(viewsets.ModelViewSet):
    """What the background checks watch. Admins only: URLs and health are operational detail."""
    lookup_value_converter = "int"

    queryset = StatusSource.objects.select_related("vendor")
    serializer_class = StatusSourceSerializer
    permission_classes = [AdminOnly]
    filterset_fields = ["kind", "vendor", "enabled"]
    ordering_fields = ["id", "name", "next_check_at", "consecutive_failures"]
    ordering = ["name", "id"]

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer("PushUrl", {"url": serializers.URLField(help_text="Shown once; POST again to rotate.")}),
            204: OpenApiResponse(description="The push URL is revoked."),
        },
        description="POST: create or rotate the source's push URL, answered once (the old URL stops working). "
        "DELETE: revoke it. A status page's webhook subscription POSTs to the URL to have the source checked now.",
    )
    @action(detail=True, methods=["post", "delete"], url_path="push-url", url_name="push-url")
    def push_url(self, request, pk=None):
        source = self.get_object()
        if request.method == "DELETE":
            push_url_revoke(source=source)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({"url": push_url_rotate(source=source)}, status=status.HTTP_201_CREATED)


def _reached_teams(request, change_ids: list[int]) -> dict[int, list[str]]:
    """change id -> slugs of the teams the stored reach says it reached, among those the user sees."""
    user = getattr(request, "user", None)
    team_ids = None
    if user is None or not sees_all_teams(user):
        # A subquery rather than a list: one query for the reach, however many teams.
        team_ids = Membership.objects.filter(user_id=getattr(user, "pk", None)).values("team_id")
    reached = changes_reached_teams(change_ids=change_ids, team_ids=team_ids)
    return {change_id: [team.slug for team in teams] for change_id, teams in reached.items()}


class StatusChangeListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        changes = list(data.all() if hasattr(data, "all") else data)
        self.child.context["reached_teams"] = _reached_teams(self.context.get("request"), [c.id for c in changes])
        return super().to_representation(changes)


class StatusChangeSerializer(serializers.ModelSerializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), allow_null=True, required=False)
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all(), allow_null=True, required=False)
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.all(), allow_null=True, required=False)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    previous_value = serializers.CharField(
        max_length=200, required=False, allow_null=True,
        help_text="Leave out to take the subject's current value.",
    )
    current_value = serializers.CharField(max_length=200, allow_blank=True, required=False)
    details = serializers.DictField(required=False)
    reached_teams = serializers.SerializerMethodField(
        help_text="Slugs of the teams (that you see) this change reached, as the alerts dispatcher stored it."
    )

    class Meta:
        model = StatusChange
        list_serializer_class = StatusChangeListSerializer
        fields = [
            "id", "uuid", "source", "recorded_by", "batch", "vendor", "model", "offering", "kind", "previous_value",
            "current_value", "raw_value", "severity", "title", "link", "external_id", "details", "observed_at",
            "effective_at", "dispatched_at", "created_at", "reached_teams",
        ]
        read_only_fields = ["uuid", "source", "batch", "raw_value", "external_id", "observed_at", "dispatched_at", "created_at"]

    def get_reached_teams(self, change) -> list[str]:
        reached = self.context.get("reached_teams")
        if reached is None:
            reached = _reached_teams(self.context.get("request"), [change.id])
        return reached.get(change.id, [])

    def validate(self, attrs):
        subjects = [name for name in ("vendor", "model", "offering") if attrs.get(name) is not None]
        if len(subjects) != 1:
            raise serializers.ValidationError(
                {"vendor": ["Name exactly one subject: a vendor, a model or an offering."]}
            )
        return attrs


class StatusChangeFilter(RegisterFilterSet):
    observed_after = django_filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="gte")
    observed_before = django_filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="lt")
    manual = django_filters.BooleanFilter(field_name="source", lookup_expr="isnull", label="Only manual changes (true) or only checked ones (false).")

    class Meta:
        model = StatusChange
        fields = ["kind", "severity", "vendor", "model", "offering", "source", "batch"]


class StatusChangeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Observed changes. POST records a manual change (reviewers and admins) in a batch of its own."""
    lookup_value_converter = "int"

    queryset = StatusChange.objects.select_related("recorded_by")
    serializer_class = StatusChangeSerializer
    permission_classes = [ReadSignedInWriteReviewer]
    filterset_class = StatusChangeFilter
    ordering_fields = ["id", "observed_at", "severity"]
    ordering = ["-observed_at", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        # No severity given: rated from the change, as the admin form and the command rate it.
        serializer.instance = manual_change_record(
            kind=data["kind"],
            value=data.get("current_value", ""),
            title=data["title"],
            severity=data.get("severity"),
            vendor=data.get("vendor"),
            model=data.get("model"),
            offering=data.get("offering"),
            previous_value=data.get("previous_value"),
            link=data.get("link", ""),
            recorded_by=self.request.user,
            effective_at=data.get("effective_at"),
            details=data.get("details") or {},
        )

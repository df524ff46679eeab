"""A team's dependencies, with their fallbacks nested: `fallbacks: [{"offering", "tested_on"}]`.

Reads are scoped to the caller's teams (reviewers and admins see all); writes are for the team's
leads and admins, through riskregister.risks.services so that creating a dependency proposes its
risks in the same transaction. The team is named by slug and cannot be changed afterwards.

DELETE archives (services.dependency_delete): the list leaves archived dependencies out unless
asked with `?archived=true` (the caller's teams', or every team's for reviewers and admins); an
archived one is still read by its id, and refuses writes with a 409. `POST {id}/purge/` (admins)
removes an archived one for good.
"""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from riskregister.api.errors import Conflict
from riskregister.api.filters import RegisterFilterSet
from riskregister.api.permissions import AdminOnly, ReadSignedInWriteLead
from riskregister.api.teams_fields import VisibleTeamField
from riskregister.risks import services as risk_services
from riskregister.risks.fallbacks import MAX_LIMIT, fallback_suggestions
from riskregister.risks.models import Criticality, DataClassification, Dependency, Environment, Fallback, Risk
from riskregister.teams.access import can_edit_team, scope_to_teams
from vendors.models import Offering


class FallbackSerializer(serializers.Serializer):
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.all(), help_text="Offering id to fail over to.")
    tested_on = serializers.DateField(allow_null=True, required=False, help_text="When the failover last worked.")

    def validate(self, attrs):
        # A PATCH makes nested fields optional too, but `fallbacks` replaces the whole list: each
        # entry still needs its offering.
        if "offering" not in attrs:
            raise serializers.ValidationError({"offering": [self.fields["offering"].error_messages["required"]]})
        return attrs


class DependencySerializer(serializers.ModelSerializer):
    team = VisibleTeamField(help_text="Team slug. Set on create; a dependency does not move to another team.")
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.all(), help_text="Offering id.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False, help_text="User id."
    )
    owner_username = serializers.CharField(source="owner.username", read_only=True, default=None, allow_null=True)
    model = serializers.IntegerField(source="offering.model_id", read_only=True)
    provider = serializers.IntegerField(source="offering.model.provider_id", read_only=True)
    distributor = serializers.IntegerField(source="offering.distributor_id", read_only=True)
    fallbacks = FallbackSerializer(many=True, required=False)
    risk_count = serializers.IntegerField(read_only=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When it was deleted (archived); null while live.")
    archived_by = serializers.CharField(source="archived_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Dependency
        fields = [
            "id", "uuid", "team", "system", "offering", "model", "provider", "distributor", "environment",
            "criticality", "owner", "owner_username", "description", "data_classification", "fallbacks",
            "risk_count", "archived_at", "archived_by", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        # The unique (team, system, offering, environment) is checked in validate() as a 409.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["fallbacks"] = [
            {"offering": fallback.offering_id, "tested_on": fallback.tested_on.isoformat() if fallback.tested_on else None}
            for fallback in instance.fallbacks.all()
        ]
        if not hasattr(instance, "risk_count"):
            data["risk_count"] = instance.risks.count()
        elif instance.risk_count is None:
            data["risk_count"] = 0
        return data

    def validate(self, attrs):
        request = self.context["request"]
        instance = self.instance
        if instance is not None and "team" in attrs and attrs["team"].id != instance.team_id:
            raise serializers.ValidationError({"team": ["A dependency does not move to another team; register it there anew."]})
        team = attrs.get("team", getattr(instance, "team", None))
        if not can_edit_team(request.user, team.id):
            raise PermissionDenied("Only the team's leads and admins change its dependencies.")
        if attrs.get("owner") is not None:
            risk_services.dependency_owner_check(team=team, owner=attrs["owner"])
        offering = attrs.get("offering", getattr(instance, "offering", None))
        fallback_offerings = [fallback["offering"].id for fallback in attrs.get("fallbacks", [])]
        if len(set(fallback_offerings)) != len(fallback_offerings):
            raise serializers.ValidationError({"fallbacks": ["Each fallback offering once."]})
        if offering is not None and offering.id in fallback_offerings:
            raise serializers.ValidationError({"fallbacks": ["A fallback must be another offering than the dependency's own."]})
        key = {
            "team": team,
            "system": attrs.get("system", getattr(instance, "system", None)),
            "offering": offering,
            "environment": attrs.get("environment", getattr(instance, "environment", Environment.PRODUCTION)),
        }
        duplicates = Dependency.objects.filter(**key)
        if instance is not None:
            duplicates = duplicates.exclude(pk=instance.pk)
        if duplicates.exists():
            conflict = Conflict("This team already registers this system on this offering in this environment.")
            conflict.fields = {"system": ["Already registered for this offering and environment."]}
            raise conflict
        return attrs

    def create(self, validated_data):
        fallbacks = validated_data.pop("fallbacks", [])
        return risk_services.dependency_create(**validated_data, fallbacks=fallbacks, actor=self.context["request"].user)

    def update(self, instance, validated_data):
        actor = self.context["request"].user
        fallbacks = validated_data.pop("fallbacks", None)
        validated_data.pop("team", None)
        dependency = instance
        if validated_data:
            dependency = risk_services.dependency_update(dependency=instance, actor=actor, **validated_data)
        if fallbacks is not None:
            risk_services.fallback_set(dependency=dependency, fallbacks=fallbacks, actor=actor)
        return dependency


def archived_filter(archived_field: str = "archived_at") -> django_filters.ChoiceFilter:
    # Strict: a value other than true or false is a 400 naming the field, never a silent "all".
    return django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method=lambda queryset, name, value: queryset.filter(**{f"{archived_field}__isnull": value != "true"}),
        label="Archived (deleted) ones only (true), or live ones only (false, the default).",
    )


class LiveUnlessAskedFilterSet(RegisterFilterSet):
    """A filter set of lists that leave archived dependencies (or their risks) out unless
    `archived=true` asks for them, wherever the set is used (API lists, the CSV export, pages)."""

    archived_field = "archived_at"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not getattr(self.form, "cleaned_data", {}).get("archived"):
            queryset = queryset.filter(**{f"{self.archived_field}__isnull": True})
        return queryset


class ListFiltersOnly:
    """Filters apply to lists only: a dependency (or risk) read by id is found archived or not."""

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset


def refuse_archived(dependency) -> None:
    if dependency.archived_at is not None:
        raise Conflict("This dependency is archived (deleted): it and its risks are read-only. An admin may purge it.")


class SuggestionQuerySerializer(serializers.Serializer):
    other_jurisdiction = serializers.BooleanField(default=False, help_text="Only providers and distributors headquartered elsewhere.")
    other_distributor = serializers.BooleanField(default=False, help_text="Only routes through another distributor.")
    limit = serializers.IntegerField(default=10, min_value=1, max_value=MAX_LIMIT)


class SuggestionSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.IntegerField()
    offering = serializers.IntegerField(source="offering.id")
    label = serializers.CharField(source="offering.__str__")
    model = serializers.CharField(source="offering.model.slug")
    provider = serializers.CharField(source="offering.model.provider.slug")
    distributor = serializers.CharField(source="offering.distributor.slug")
    distributor_model_id = serializers.CharField(source="offering.distributor_model_id")
    reasons = serializers.ListField(child=serializers.CharField())


class ChooseSuggestionSerializer(serializers.Serializer):
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.all(), help_text="The suggested offering to add.")
    notes = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)


class DependencyFilter(LiveUnlessAskedFilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team slug.")
    archived = archived_filter()
    system = django_filters.CharFilter(lookup_expr="icontains")
    environment = django_filters.ChoiceFilter(choices=Environment.choices)
    criticality = django_filters.TypedChoiceFilter(choices=Criticality.choices, coerce=int)
    data_classification = django_filters.ChoiceFilter(choices=DataClassification.choices)
    model = django_filters.NumberFilter(field_name="offering__model")
    provider = django_filters.NumberFilter(field_name="offering__model__provider")
    distributor = django_filters.NumberFilter(field_name="offering__distributor")
    has_fallback = django_filters.BooleanFilter(field_name="fallbacks", lookup_expr="isnull", exclude=True, distinct=True)

    class Meta:
        model = Dependency
        fields = ["offering"]


def dependency_queryset(user):
    return scope_to_teams(
        # Every dependency, archived ones too: the list leaves those out unless asked (DependencyFilter).
        Dependency.all_objects.select_related("team", "owner", "archived_by", "offering__model").prefetch_related(
            Prefetch("fallbacks", queryset=Fallback.objects.order_by("id"))
        ).annotate(
            # A correlated subquery rather than a join and GROUP BY: computed for the page's rows only.
            risk_count=Subquery(
                Risk.objects.filter(dependency=OuterRef("pk")).order_by().values("dependency").annotate(n=Count("*")).values("n"),
                output_field=IntegerField(),
            )
        ),
        user,
    )


class DependencyViewSet(ListFiltersOnly, viewsets.ModelViewSet):
    """What a team depends on: a system using an offering, with its fallbacks. DELETE archives it
    (its risks closed, their assessments kept); `?archived=true` lists archived ones."""

    serializer_class = DependencySerializer
    permission_classes = [ReadSignedInWriteLead]
    lookup_value_converter = "int"
    filterset_class = DependencyFilter
    ordering_fields = ["id", "system", "criticality", "environment", "created_at", "updated_at"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dependency.objects.none()
        return dependency_queryset(self.request.user)

    def get_object(self):
        # Once per request: update() and destroy() look at it before DRF's mixins do.
        if not hasattr(self, "_dependency"):
            self._dependency = super().get_object()
        return self._dependency

    def update(self, request, *args, **kwargs):
        refuse_archived(self.get_object())
        return super().update(request, *args, **kwargs)

    @extend_schema(
        methods=["GET"], parameters=[SuggestionQuerySerializer], responses=SuggestionSerializer(many=True),
        description="Offerings that would make a real fallback (another provider, not correlated), ranked with reasons.",
    )
    @extend_schema(methods=["POST"], request=ChooseSuggestionSerializer, responses={201: FallbackSerializer},
                   description="Add the chosen offering as an untested fallback.")
    @action(detail=True, methods=["get", "post"], url_path="fallback-suggestions", url_name="fallback-suggestions")
    def fallback_suggestions(self, request, pk=None):
        dependency = self.get_object()
        if request.method == "POST":
            if not can_edit_team(request.user, dependency.team_id):
                raise PermissionDenied("Only the team's leads and admins change its fallbacks.")
            choice = ChooseSuggestionSerializer(data=request.data)
            choice.is_valid(raise_exception=True)
            fallback = risk_services.fallback_add(
                dependency=dependency, offering=choice.validated_data["offering"], actor=request.user,
                notes=choice.validated_data["notes"],
            )
            return Response({"offering": fallback.offering_id, "tested_on": None}, status=status.HTTP_201_CREATED)
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        suggestions = fallback_suggestions(dependency=dependency, **query.validated_data)
        return Response(SuggestionSerializer(suggestions, many=True).data)

    def perform_destroy(self, instance):
        if not can_edit_team(self.request.user, instance.team_id):
            raise PermissionDenied("Only the team's leads and admins remove its dependencies.")
        if instance.archived_at is not None:
            raise Conflict("This dependency is already archived; an admin may purge it (POST .../purge/).")
        risk_services.dependency_delete(dependency=instance, actor=self.request.user)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[AdminOnly])
    def purge(self, request, pk=None):
        """Remove an archived dependency for good, with its fallbacks, risks and their assessments.
        Admins only; a live one is archived first (DELETE), so that nothing is purged by one slip."""
        dependency = self.get_object()
        if dependency.archived_at is None:
            raise Conflict("Only an archived dependency is purged: DELETE it (archive) first.")
        risk_services.dependency_purge(dependency=dependency, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

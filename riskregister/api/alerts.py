"""Subscriptions (who on a team hears of what, on which channel) and the alerts outbox, read-only.

Members and reviewers manage their own email subscriptions; a lead manages every subscription of the
team they lead (a team list address, all members, Slack and webhooks); admins manage all. A Slack or
webhook `target` is a credential: written, never read back. A webhook's signing secret is answered
once, by the create (and by rotate-secret). Alerts are read by the teams they were written for, and
by reviewers and admins.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from riskregister.alerts import services as alert_services
from riskregister.alerts.channels.targets import HTTP_CHANNELS, mask_target, validate_channel_target
from riskregister.alerts.models import Alert, Delivery, Subscription
from riskregister.api.filters import RegisterFilterSet
from riskregister.api.permissions import SignedIn
from riskregister.api.teams_fields import VisibleTeamField
from riskregister.teams.access import is_admin, lead_team_ids, member_team_ids, sees_all_teams
from riskregister.teams.models import Membership
from vendors.models import StatusChange


def _model_has(model, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


class SubscriptionSerializer(serializers.ModelSerializer):
    team = VisibleTeamField(help_text="Team slug.")
    user = serializers.PrimaryKeyRelatedField(
        queryset=Membership.user.field.related_model.objects.all(),
        allow_null=True,
        required=False,
        help_text="A single member's user id; leave out for yourself, or null (leads) for all members.",
    )
    username = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=StatusChange.Kind.choices), required=False,
        help_text="Change kinds to hear about; empty for all.",
    )
    target = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=1000,
        help_text="slack: the incoming-webhook URL; webhook: the URL to POST signed alerts to. A credential: "
        "written, never read back (`target_hint` shows its host).",
    )
    target_hint = serializers.SerializerMethodField(help_text="The target's scheme and host only, or null.")
    has_secret = serializers.SerializerMethodField(help_text="Whether a webhook signing secret is set (never shown again).")

    class Meta:
        model = Subscription
        fields = [
            "id", "uuid", "team", "user", "username", "email", "kinds", "min_severity", "mode", "channel",
            "target", "target_hint", "has_secret", "active", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def get_target_hint(self, subscription) -> str | None:
        return mask_target(subscription.target) if subscription.target else None

    def get_has_secret(self, subscription) -> bool:
        return bool(subscription.secret_encrypted)

    def validate(self, attrs):
        request = self.context["request"]
        actor = request.user
        team = attrs.get("team", getattr(self.instance, "team", None))
        channel = attrs.get("channel", getattr(self.instance, "channel", "email"))
        leads = is_admin(actor) or team.id in lead_team_ids(actor)
        if not leads and (channel in HTTP_CHANNELS or getattr(self.instance, "channel", "email") in HTTP_CHANNELS):
            raise PermissionDenied("Only the team's leads and admins subscribe it to Slack or a webhook.")
        if channel in HTTP_CHANNELS:
            self._validate_http_channel(attrs, channel)
        elif attrs.get("target"):
            raise serializers.ValidationError({"target": ["Only slack and webhook subscriptions have a target."]})
        else:
            # Leaving an HTTP channel: its URL is dropped with it (saved as blank below).
            attrs["target"] = ""
        if "user" not in attrs and self.instance is None and not (is_admin(actor) or team.id in lead_team_ids(actor)):
            attrs["user"] = actor
        user = attrs.get("user", getattr(self.instance, "user", None))
        email = attrs.get("email", getattr(self.instance, "email", ""))
        if self.instance is not None and "team" in attrs and attrs["team"] != self.instance.team:
            raise serializers.ValidationError({"team": ["A subscription cannot move to another team; create a new one."]})
        if is_admin(actor) or team.id in lead_team_ids(actor):
            if user is not None and not sees_all_teams(user) and team.id not in member_team_ids(user):
                raise serializers.ValidationError({"user": ["This user is not a member of the team."]})
            return attrs
        # Members and reviewers: their own subscription only, sent to themselves.
        if user != actor:
            raise PermissionDenied("You can only subscribe yourself; a team's lead manages its other subscriptions.")
        if email:
            raise PermissionDenied("Only a team's lead sends a team's alerts to another address.")
        return attrs

    def _validate_http_channel(self, attrs, channel: str) -> None:
        if attrs.get("email"):
            raise serializers.ValidationError({"email": [f"A {channel} subscription posts to its target, not to an address."]})
        if attrs.get("user") is not None:
            raise serializers.ValidationError({"user": [f"A {channel} subscription posts to its target, not to a member."]})
        attrs["user"] = None
        attrs["email"] = ""
        target = attrs.get("target")
        changing_channel = self.instance is not None and self.instance.channel != channel
        if not target and (self.instance is None or changing_channel or not self.instance.target):
            raise serializers.ValidationError({"target": [f"A {channel} subscription needs the URL to post to."]})
        if target:
            try:
                validate_channel_target(target, field="target")
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
        elif "target" in attrs:
            del attrs["target"]  # blank on an update: keep the stored one

    def create(self, validated_data):
        subscription = super().create(validated_data)
        self.issued_secret = alert_services.subscription_secret_issue(subscription=subscription)
        return subscription

    def update(self, instance, validated_data):
        subscription = super().update(instance, validated_data)
        self.issued_secret = alert_services.subscription_secret_issue(subscription=subscription)
        return subscription


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    """The answer to a create: a webhook subscription's signing secret, this once."""

    secret = serializers.CharField(
        read_only=True, required=False,
        help_text="webhook only: the Standard Webhooks signing secret (whsec_...). Shown once; POST "
        "rotate-secret/ for a new one.",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


SecretSerializer = inline_serializer("SigningSecret", {
    "secret": serializers.CharField(help_text="The new signing secret (whsec_...), shown once; the old one stops working."),
})


class SubscriptionViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = SubscriptionSerializer
    permission_classes = [SignedIn]
    filterset_fields = ["mode", "min_severity", "active", "channel"]
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    @staticmethod
    def _with_secret(serializer) -> dict:
        data = dict(serializer.data)
        secret = getattr(serializer, "issued_secret", None)
        if secret:
            data["secret"] = secret
        return data

    @extend_schema(responses={201: SubscriptionCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self._with_secret(serializer), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SubscriptionCreatedSerializer})
    def update(self, request, *args, **kwargs):
        # A subscription turned into a webhook gets its secret here, once.
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self._with_secret(serializer))

    @extend_schema(responses={200: SubscriptionCreatedSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses={200: SecretSerializer},
                   description="A new signing secret for a webhook subscription, answered once; the old one stops "
                   "working at once. Leads of the team and admins.")
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = self.get_object()
        if not (is_admin(request.user) or subscription.team_id in lead_team_ids(request.user)):
            raise PermissionDenied("Only the team's leads and admins rotate a webhook's secret.")
        if subscription.channel != "webhook":
            raise serializers.ValidationError({"channel": ["Only a webhook subscription has a signing secret."]})
        return Response({"secret": alert_services.subscription_secret_rotate(subscription=subscription)})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        user = self.request.user
        queryset = Subscription.objects.select_related("team", "user")
        if is_admin(user):
            return queryset
        return queryset.filter(Q(user=user) | Q(team__in=lead_team_ids(user)))


class DeliverySerializer(serializers.ModelSerializer):
    """One recipient of the alert and what became of it: a `failed` row carries the receiver's
    refusal (an SMTP 550 for that address) in `last_error`."""

    class Meta:
        model = Delivery
        fields = ["channel", "target", "status", "attempts", "next_attempt_at", "last_error", "sent_at"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)
    recipients = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The targets of the deliveries.")
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id", "uuid", "kind", "team", "username", "batch", "severity", "mode",
            *(["channel"] if _model_has(Alert, "channel") else []),
            "recipients", "subject", "body_text", "payload", "status", "deliveries", "created_at",
        ]
        read_only_fields = fields


class AlertFilter(RegisterFilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team slug.")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["kind", "status", "severity", "mode", "batch"]


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """The alerts written for a team (or to a reviewer), newest first, with their delivery state."""
    lookup_value_converter = "int"

    serializer_class = AlertSerializer
    permission_classes = [SignedIn]
    filterset_class = AlertFilter
    ordering_fields = ["id", "created_at", "severity", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        user = self.request.user
        queryset = Alert.objects.select_related("team", "user").prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.order_by("channel", "target"))
        )
        if sees_all_teams(user):
            return queryset
        return queryset.filter(Q(team__in=member_team_ids(user)) | Q(user=user))

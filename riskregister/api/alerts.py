"""Subscriptions (who on a team hears of what) and the alerts outbox, read-only.

Members and reviewers manage their own subscriptions; a lead manages every subscription of the team
they lead (a team list address, all members); admins manage all. Alerts are read by the teams they
were written for, and by reviewers and admins.
"""

import django_filters
from django.db.models import Prefetch, Q
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied

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

    class Meta:
        model = Subscription
        fields = [
            "id", "uuid", "team", "user", "username", "email", "kinds", "min_severity", "mode",
            *(["channel"] if _model_has(Subscription, "channel") else []),
            "active", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def validate(self, attrs):
        request = self.context["request"]
        actor = request.user
        team = attrs.get("team", getattr(self.instance, "team", None))
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


class SubscriptionViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = SubscriptionSerializer
    permission_classes = [SignedIn]
    filterset_fields = ["mode", "min_severity", "active"]
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

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

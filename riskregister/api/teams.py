"""Teams, by slug: members and leads see their own teams, reviewers and admins all; admins write."""

import django_filters
from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from riskregister.api.permissions import ReadSignedInWriteAdmin
from riskregister.teams.access import visible_teams
from riskregister.teams.models import Membership, Team


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "role"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "uuid", "slug", "name", "description", "memberships", "created_at", "updated_at"]
        read_only_fields = ["uuid", "created_at", "updated_at"]


class TeamFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Team
        fields = ["slug", "name"]


class TeamViewSet(viewsets.ModelViewSet):
    """Teams are addressed by slug: `/api/v1/teams/<slug>/`."""

    serializer_class = TeamSerializer
    permission_classes = [ReadSignedInWriteAdmin]
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filterset_class = TeamFilter
    ordering_fields = ["id", "name", "slug", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return visible_teams(self.request.user).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__username"))
        )

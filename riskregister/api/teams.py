"""Teams, by slug: members and leads see their own teams, reviewers and admins all; admins write."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from riskregister.api.permissions import ReadSignedInWriteAdmin
from riskregister.risks import bom
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

    @extend_schema(
        summary="The team's dependencies as a CycloneDX 1.6 AI-BOM",
        description=(
            "Models as `machine-learning-model` components (the provider as supplier, a model card), routes as "
            "services (the distributor as provider, endpoints), each dependency as an `application` that depends on "
            "its route and fallbacks, with its risks as a `risk-assessment` reference. Importing it into a team "
            "(the dependency import page, or `manage.py import_dependencies --cyclonedx`) registers the same "
            "dependencies and fallbacks."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="bom", filterset_class=None, pagination_class=None)
    def bom(self, request, slug=None):
        team = self.get_object()
        response = Response(bom.team_bom(team))
        response["Content-Disposition"] = f'inline; filename="{team.slug}-bom.cdx.json"'
        return response

"""Exposure, what-if scenarios and the register as CSV.

Members and leads see these for their own teams; reviewers and admins for all. The numbers come
from riskregister.risks.exposure and the blast radius from riskregister.risks.scenarios (the same
propagation the alerts use); nothing is computed here.
"""

import csv

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from riskregister.api.permissions import SignedIn
from riskregister.api.risks import RiskFilter, risk_queryset
from riskregister.risks import exposure, scoring
from riskregister.risks.models import Risk, SavedScenario
from riskregister.risks.scenarios import parse_events, run_saved_scenario, run_scenario, scenario_save
from riskregister.teams.access import member_team_ids, sees_all_teams, visible_teams
from vendors.reach import EventKind, EventLevel


def scoped_team_ids(request) -> list[int] | None:
    """None (every team) for reviewers and admins; the caller's teams for everyone else, narrowed
    to one team by `?team=<slug>` (a team the caller cannot see is a 404, as everywhere)."""
    slug = request.query_params.get("team")
    if slug:
        team = visible_teams(request.user).filter(slug=slug).values_list("id", flat=True).first()
        if team is None:
            raise NotFound("No such team.")
        return [team]
    if sees_all_teams(request.user):
        return None
    return sorted(member_team_ids(request.user))


# --- exposure ------------------------------------------------------------------------------------


class ExposureRowSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="Team, provider or distributor id, or a country code.")
    slug = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    exposure = serializers.IntegerField(allow_null=True, help_text="Residual likelihood x impact x criticality weight, summed.")
    inherent_exposure = serializers.IntegerField(allow_null=True)
    risks = serializers.IntegerField()
    dependencies = serializers.IntegerField()
    critical_dependencies = serializers.IntegerField()


class ExposureSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=exposure.GROUPINGS)
    rows = ExposureRowSerializer(many=True)
    total = serializers.DictField(child=serializers.JSONField())
    concentration = serializers.DictField(child=serializers.JSONField())
    fallback_coverage = serializers.DictField(child=serializers.JSONField())


class ExposureView(APIView):
    permission_classes = [SignedIn]

    @extend_schema(
        parameters=[
            OpenApiParameter("by", enum=list(exposure.GROUPINGS), default="team", description="How to group the rows."),
            OpenApiParameter("team", str, description="Team slug: only this team's exposure."),
        ],
        responses={200: ExposureSerializer},
        description="Residual exposure grouped by team, provider, distributor or jurisdiction, worst first, "
        "with the total, the concentration on providers and the fallback coverage of the same scope.",
    )
    def get(self, request):
        by = request.query_params.get("by", "team")
        if by not in exposure.GROUPINGS:
            raise serializers.ValidationError({"by": [f"Group by one of {', '.join(exposure.GROUPINGS)}."]})
        team_ids = scoped_team_ids(request)
        return Response(
            {
                "by": by,
                "rows": exposure.exposure_by(by, team_ids=team_ids),
                "total": exposure.total_exposure(team_ids=team_ids),
                "concentration": exposure.concentration(team_ids=team_ids),
                "fallback_coverage": exposure.fallback_coverage(team_ids=team_ids),
            }
        )


# --- scenarios -----------------------------------------------------------------------------------


class EventSpecSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    level = serializers.ChoiceField(choices=EventLevel.choices)
    target = serializers.JSONField(help_text="Vendor, model or offering id or slug; an ISO country code for a jurisdiction.")


class ScenarioRequestSerializer(serializers.Serializer):
    events = EventSpecSerializer(many=True, allow_empty=False, max_length=50)
    name = serializers.CharField(
        max_length=200, required=False, help_text="Also save the scenario under this name (reviewers and admins)."
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ScenarioEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    level = serializers.CharField()
    target = serializers.JSONField()
    label = serializers.CharField()


class ScenarioDependencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    system = serializers.CharField()
    offering = serializers.CharField()
    criticality = serializers.IntegerField()
    covered = serializers.BooleanField()
    reason = serializers.CharField()
    correlated_fallbacks = serializers.ListField(child=serializers.DictField())


class ScenarioTeamSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    dependencies = ScenarioDependencySerializer(many=True)


class ScenarioResultSerializer(serializers.Serializer):
    events = ScenarioEventSerializer(many=True)
    teams = ScenarioTeamSerializer(many=True)
    exposure = serializers.DictField(child=serializers.IntegerField(), help_text="`before` and `after` the events.")
    summary = serializers.DictField(child=serializers.IntegerField())
    saved_scenario = serializers.IntegerField(required=False, help_text="Id of the saved scenario, when `name` was given.")


class SavedScenarioSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = SavedScenario
        fields = ["id", "uuid", "name", "description", "events", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """POST events to see their blast radius on paper (and, for reviewers and admins, save them under a
    name); saved scenarios are listed, and re-run against the register as it is now. Members and
    leads see the blast radius on their own teams."""

    queryset = SavedScenario.objects.select_related("created_by")
    serializer_class = SavedScenarioSerializer
    permission_classes = [SignedIn]
    lookup_value_converter = "int"
    filterset_fields = ["name"]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name", "id"]

    @extend_schema(request=ScenarioRequestSerializer, responses={200: ScenarioResultSerializer})
    def create(self, request):
        spec = ScenarioRequestSerializer(data=request.data)
        spec.is_valid(raise_exception=True)
        events = [dict(event) for event in spec.validated_data["events"]]
        saved = None
        if spec.validated_data.get("name"):
            saved = scenario_save(
                name=spec.validated_data["name"], events=events, actor=request.user,
                description=spec.validated_data.get("description", ""),
            )
        result = run_scenario(parse_events(events), team_ids=scoped_team_ids(request))
        if saved is not None:
            result["saved_scenario"] = saved.id
        return Response(result, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: ScenarioResultSerializer},
                   parameters=[OpenApiParameter("team", str, description="Team slug: only this team's blast radius.")])
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        return Response(run_saved_scenario(self.get_object(), team_ids=scoped_team_ids(request)))

    def perform_destroy(self, instance):
        if not sees_all_teams(self.request.user):
            raise PermissionDenied("Only risk reviewers and admins remove saved scenarios.")
        instance.delete()


# --- the register as CSV -------------------------------------------------------------------------


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """The CSV endpoint answers CSV whatever the Accept header says, and errors in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    "risk_id", "team", "system", "environment", "criticality", "provider", "model", "distributor", "offering",
    "failure_mode", "level", "inherent_likelihood", "inherent_impact", "inherent_score", "residual_likelihood",
    "residual_impact", "residual_score", "band", "treatment", "mitigation", "status", "owner", "next_review_date",
    "last_reviewed_at", "acceptance_expires_on",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class RegisterCSVView(GenericAPIView):
    permission_classes = [SignedIn]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreAcceptNegotiation
    filterset_class = RiskFilter
    pagination_class = None
    ordering_fields = ["id", "next_review_date", "status"]
    ordering = ["id"]
    csv_list = True  # documented with the risks list's filters (RegisterAutoSchema)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Risk.objects.none()
        return risk_queryset(self.request.user).select_related(
            "dependency__offering__model__provider", "dependency__offering__distributor"
        )

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per risk, with a header row.")},
        description="The register as CSV: the risks the caller may see, filtered like `GET /api/v1/risks/`.",
    )
    def get(self, request):
        # RiskFilter leaves archived (deleted) dependencies' risks out unless asked, as in GET /api/v1/risks/.
        risks = self.filter_queryset(self.get_queryset())
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(CSV_COLUMNS)
            for risk in risks.iterator(chunk_size=2000):
                dependency, offering = risk.dependency, risk.dependency.offering
                yield writer.writerow([_cell(value) for value in (
                    risk.id, dependency.team.slug, dependency.system, dependency.environment, dependency.criticality,
                    offering.model.provider.slug, offering.model.slug, offering.distributor.slug, offering.distributor_model_id,
                    risk.failure_mode.name, risk.failure_mode.level, risk.inherent_likelihood, risk.inherent_impact,
                    scoring.score(risk.inherent_likelihood, risk.inherent_impact), risk.residual_likelihood,
                    risk.residual_impact, scoring.score(risk.residual_likelihood, risk.residual_impact),
                    scoring.band(risk.residual_likelihood, risk.residual_impact), risk.treatment, risk.mitigation,
                    risk.status, risk.owner.username if risk.owner else "", risk.next_review_date,
                    risk.last_reviewed_at.isoformat() if risk.last_reviewed_at else "", risk.acceptance_expires_on,
                )])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="register.csv"'
        return response

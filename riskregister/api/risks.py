"""Failure modes, risks and their assessments.

- Failure modes: the catalog (every signed-in user reads it, admins curate it) and each team's own
  (added by the team's leads, reviewers and admins through `failure_mode_create_custom`).
- Risks: read by the team, reviewers and admins; a lead (or reviewer, admin) proposes the treatment
  and mitigation through `risk_propose_mitigation`; scores are never set here but by an assessment.
- Assessments (`/risks/{id}/assessments/`): append-only; reviewers and admins add one through
  `risk_assess`, the team reads them.
- The risks of an archived (deleted) dependency are closed and left out of lists unless asked with
  `?archived=true`; they, and their assessments, are still read by id, and refuse writes (409).
"""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404

from riskregister.api.dependencies import ListFiltersOnly, LiveUnlessAskedFilterSet, archived_filter, refuse_archived
from riskregister.api.errors import Conflict
from riskregister.api.filters import RegisterFilterSet
from riskregister.api.permissions import ReadSignedInWriteLead, SignedIn
from riskregister.api.teams_fields import VisibleTeamField
from riskregister.risks import scoring
from riskregister.risks import services as risk_services
from riskregister.risks.models import Assessment, Criticality, Dependency, Environment, FailureMode, Risk, Treatment
from riskregister.risks.selectors import QueueReason, band_expression, queue_reason_q
from riskregister.teams.access import can_edit_team, is_admin, is_reviewer, member_team_ids, scope_to_teams, sees_all_teams

SCORE_FIELDS = (
    "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "status",
    "acceptance_rationale", "acceptance_expires_on", "next_review_date", "last_reviewed_at",
)


# --- failure modes -------------------------------------------------------------------------------


class FailureModeSerializer(serializers.ModelSerializer):
    team = VisibleTeamField(allow_null=True, required=False, help_text="Team slug for a team's own failure mode; empty for the catalog.")
    slug = serializers.SlugField(max_length=100, required=False, help_text="Catalog entries only; a team's own gets one made from its name.")
    dependency = serializers.IntegerField(
        write_only=True, required=False, min_value=1,
        help_text="With a team's own failure mode: the id of the team's dependency that has this risk at once.",
    )
    is_catalog = serializers.BooleanField(read_only=True)

    class Meta:
        model = FailureMode
        fields = [
            "id", "uuid", "slug", "name", "description", "level", "default_likelihood", "default_impact", "team",
            "is_catalog", "dependency", "created_at", "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"validators": []}}

    def validate(self, attrs):
        actor = self.context["request"].user
        if self.instance is not None:
            if "team" in attrs and attrs["team"] != self.instance.team:
                raise serializers.ValidationError({"team": ["A failure mode does not move between the catalog and teams."]})
            return attrs
        team = attrs.get("team")
        if team is None:
            if not is_admin(actor):
                raise PermissionDenied("Only admins add to the catalog; name your team to add a failure mode of its own.")
            if not attrs.get("slug"):
                raise serializers.ValidationError({"slug": ["A catalog entry needs a slug."]})
            if attrs.get("dependency") is not None:
                raise serializers.ValidationError({"dependency": ["Only a team's own failure mode is added to a dependency here."]})
            if FailureMode.objects.filter(slug=attrs["slug"]).exists():
                conflict = Conflict("A failure mode with this slug exists.")
                conflict.fields = {"slug": ["Already taken."]}
                raise conflict
        elif not (is_reviewer(actor) or can_edit_team(actor, team.id)):
            raise PermissionDenied("Only the team's leads, reviewers and admins add its failure modes.")
        return attrs

    def create(self, validated_data):
        actor = self.context["request"].user
        team = validated_data.get("team")
        if team is None:
            validated_data.pop("dependency", None)
            return FailureMode.objects.create(**validated_data)
        dependency = None
        if validated_data.get("dependency") is not None:
            dependency = Dependency.objects.filter(pk=validated_data["dependency"], team=team).first()
            if dependency is None:
                raise serializers.ValidationError({"dependency": ["No such dependency of this team."]})
        return risk_services.failure_mode_create_custom(
            team=team,
            name=validated_data["name"],
            level=validated_data["level"],
            description=validated_data.get("description", ""),
            default_likelihood=validated_data.get("default_likelihood", 3),
            default_impact=validated_data.get("default_impact", 3),
            dependency=dependency,
            actor=actor,
        )

    def update(self, instance, validated_data):
        validated_data.pop("dependency", None)
        validated_data.pop("team", None)
        return super().update(instance, validated_data)


class FailureModeFilter(RegisterFilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team slug.")
    catalog = django_filters.BooleanFilter(field_name="team", lookup_expr="isnull", label="Only the catalog (true) or only teams' own (false).")

    class Meta:
        model = FailureMode
        fields = ["level", "slug"]


class FailureModeViewSet(viewsets.ModelViewSet):
    """The catalog's failure modes and the caller's teams' own. Catalog entries are changed by admins;
    a team's own by its leads, reviewers and admins."""

    serializer_class = FailureModeSerializer
    permission_classes = [ReadSignedInWriteLead]
    reviewers_write = True
    lookup_value_converter = "int"
    filterset_class = FailureModeFilter
    ordering_fields = ["id", "name", "slug", "level"]
    ordering = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FailureMode.objects.none()
        queryset = FailureMode.objects.select_related("team")
        user = self.request.user
        if sees_all_teams(user):
            return queryset
        return queryset.filter(Q(team__isnull=True) | Q(team__in=member_team_ids(user)))

    def _require_editor(self, mode):
        user = self.request.user
        if mode.team_id is None:
            if not is_admin(user):
                raise PermissionDenied("Only admins change the catalog.")
        elif not (is_reviewer(user) or can_edit_team(user, mode.team_id)):
            raise PermissionDenied("Only the team's leads, reviewers and admins change its failure modes.")

    def perform_update(self, serializer):
        self._require_editor(serializer.instance)
        serializer.save()

    def perform_destroy(self, instance):
        self._require_editor(instance)
        instance.delete()  # a failure mode with risks is protected: a 409


# --- risks ---------------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="dependency.team.slug", read_only=True)
    system = serializers.CharField(source="dependency.system", read_only=True)
    environment = serializers.CharField(source="dependency.environment", read_only=True)
    criticality = serializers.IntegerField(source="dependency.criticality", read_only=True)
    offering = serializers.IntegerField(source="dependency.offering_id", read_only=True)
    failure_mode_name = serializers.CharField(source="failure_mode.name", read_only=True)
    level = serializers.CharField(source="failure_mode.level", read_only=True)
    inherent_score = serializers.SerializerMethodField()
    residual_score = serializers.SerializerMethodField()
    band = serializers.SerializerMethodField(help_text="Band of the residual score on the configured matrix.")
    owner_username = serializers.CharField(source="owner.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Risk
        fields = [
            "id", "uuid", "dependency", "team", "system", "environment", "criticality", "offering", "failure_mode",
            "failure_mode_name", "level", "inherent_likelihood", "inherent_impact", "inherent_score",
            "residual_likelihood", "residual_impact", "residual_score", "band", "treatment", "mitigation", "status",
            "owner", "owner_username", "next_review_date", "last_reviewed_at", "acceptance_rationale",
            "acceptance_expires_on", "state_changed_at", "created_at", "updated_at",
        ]
        read_only_fields = [name for name in fields if name not in ("treatment", "mitigation")]

    def get_inherent_score(self, risk) -> int:
        return scoring.score(risk.inherent_likelihood, risk.inherent_impact)

    def get_residual_score(self, risk) -> int:
        return scoring.score(risk.residual_likelihood, risk.residual_impact)

    def get_band(self, risk) -> str:
        return scoring.band(risk.residual_likelihood, risk.residual_impact)


class MitigationSerializer(serializers.Serializer):
    treatment = serializers.ChoiceField(choices=Treatment.choices)
    mitigation = serializers.CharField(max_length=10000)


class RiskFilter(LiveUnlessAskedFilterSet):
    team = django_filters.CharFilter(field_name="dependency__team__slug", label="Team slug.")
    system = django_filters.CharFilter(field_name="dependency__system", lookup_expr="icontains")
    environment = django_filters.ChoiceFilter(field_name="dependency__environment", choices=Environment.choices)
    criticality = django_filters.TypedChoiceFilter(field_name="dependency__criticality", choices=Criticality.choices, coerce=int)
    offering = django_filters.NumberFilter(field_name="dependency__offering")
    provider = django_filters.CharFilter(method="filter_vendor", field_name="dependency__offering__model__provider", label="Provider id or slug.")
    distributor = django_filters.CharFilter(method="filter_vendor", field_name="dependency__offering__distributor", label="Distributor id or slug.")
    model = django_filters.CharFilter(method="filter_vendor", field_name="dependency__offering__model", label="Model id or slug.")
    reason = django_filters.ChoiceFilter(
        choices=list(QueueReason.LABELS.items()), method="filter_reason", label="Waiting in the review queue for this reason."
    )
    due_before = django_filters.DateFilter(field_name="next_review_date", lookup_expr="lte", label="Next review on or before this date.")
    level = django_filters.ChoiceFilter(field_name="failure_mode__level", choices=FailureMode.Level.choices)
    band = django_filters.ChoiceFilter(choices=[(name, name) for name in scoring.band_names()], method="filter_band")
    min_residual_score = django_filters.NumberFilter(method="filter_min_residual_score", label="Residual score at least this (1-25).")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Next review date passed (true) or not (false).")
    archived = archived_filter("dependency__archived_at")
    archived_field = "dependency__archived_at"

    class Meta:
        model = Risk
        fields = [
            "dependency", "failure_mode", "status", "treatment", "owner",
            "residual_likelihood", "residual_impact", "inherent_likelihood", "inherent_impact",
        ]

    def filter_vendor(self, queryset, name, value):
        # An id, or a slug: the pages link by slug, older API clients send ids.
        value = value.strip()
        if value.isdigit():
            return queryset.filter(**{name: int(value)})
        return queryset.filter(**{f"{name}__slug": value.lower()})

    def filter_reason(self, queryset, name, value):
        return queryset.filter(queue_reason_q(value))

    def filter_band(self, queryset, name, value):
        return queryset.alias(_band=band_expression(F("residual_likelihood") * F("residual_impact"))).filter(_band=value)

    def filter_min_residual_score(self, queryset, name, value):
        return queryset.alias(_residual=F("residual_likelihood") * F("residual_impact")).filter(_residual__gte=value)

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value:
            return queryset.filter(next_review_date__lt=today)
        return queryset.filter(Q(next_review_date__isnull=True) | Q(next_review_date__gte=today))


def risk_queryset(user):
    return scope_to_teams(
        Risk.objects.select_related("dependency__team", "failure_mode", "owner"), user, team_field="dependency__team"
    )


class RiskViewSet(ListFiltersOnly, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """One failure mode of one dependency. Risks are proposed when a dependency is registered (and by a
    team's own failure mode); PATCH proposes a treatment and mitigation. Scores change only through
    `POST /risks/{id}/assessments/`."""

    serializer_class = RiskSerializer
    permission_classes = [ReadSignedInWriteLead]
    reviewers_write = True
    lookup_value_converter = "int"
    filterset_class = RiskFilter
    ordering_fields = ["id", "next_review_date", "status", "created_at", "updated_at", "residual_score"]
    # By the unique (dependency, failure_mode) index: a team's page is read by walking its dependencies'
    # risks in index order, where ordering by id made PostgreSQL scan and filter (bench/api.py).
    ordering = ["dependency_id", "failure_mode_id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Risk.objects.none()
        queryset = risk_queryset(self.request.user)
        if "residual_score" in self.request.query_params.get("ordering", ""):
            queryset = queryset.alias(residual_score=F("residual_likelihood") * F("residual_impact"))
        return queryset

    @extend_schema(request=MitigationSerializer, responses={200: RiskSerializer})
    def update(self, request, *args, **kwargs):
        risk = self.get_object()
        refuse_archived(risk.dependency)
        refused = sorted(set(request.data) & set(SCORE_FIELDS)) if isinstance(request.data, dict) else []
        if refused:
            # Refused, not ignored: a lead who sends scores must learn they were not taken.
            message = "Scores, status and acceptance are set by a reviewer's assessment: POST /api/v1/risks/{id}/assessments/."
            if sees_all_teams(request.user):
                raise serializers.ValidationError({name: [message] for name in refused})
            raise PermissionDenied(message)
        proposal = MitigationSerializer(data=request.data, partial=kwargs.get("partial", False))
        proposal.is_valid(raise_exception=True)
        data = proposal.validated_data
        risk = risk_services.risk_propose_mitigation(
            risk=risk,
            actor=request.user,
            treatment=data.get("treatment", risk.treatment),
            mitigation=data.get("mitigation", risk.mitigation),
        )
        return self.retrieve(request, *args, **kwargs)

    @extend_schema(request=MitigationSerializer, responses={200: RiskSerializer})
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


# --- assessments ---------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    assessor = serializers.CharField(source="assessor.username", read_only=True)
    inherent_likelihood = serializers.IntegerField(min_value=1, max_value=5)
    inherent_impact = serializers.IntegerField(min_value=1, max_value=5)
    residual_likelihood = serializers.IntegerField(min_value=1, max_value=5)
    residual_impact = serializers.IntegerField(min_value=1, max_value=5)
    status = serializers.ChoiceField(choices=Risk.Status.choices, required=False, help_text="Defaults from the treatment.")
    rationale = serializers.CharField(max_length=10000)
    mitigation = serializers.CharField(max_length=10000, required=False, write_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "uuid", "risk", "assessor", "assessed_at", "inherent_likelihood", "inherent_impact",
            "residual_likelihood", "residual_impact", "treatment", "status", "band", "rationale",
            "acceptance_expires_on", "next_review_date", "mitigation",
        ]
        read_only_fields = ["uuid", "risk", "assessor", "assessed_at", "band", "next_review_date"]


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A risk's assessments, newest first. Append-only: reviewers and admins add one; nobody edits."""

    serializer_class = AssessmentSerializer
    permission_classes = [SignedIn]
    lookup_value_converter = "int"
    filterset_fields = ["treatment", "status"]
    ordering_fields = ["id", "assessed_at"]
    ordering = ["-assessed_at", "-id"]

    def get_risk(self) -> Risk:
        if not hasattr(self, "_risk"):
            self._risk = get_object_or_404(risk_queryset(self.request.user), pk=self.kwargs["risk_pk"])
        return self._risk

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        return Assessment.objects.filter(risk=self.get_risk()).select_related("assessor")

    def perform_create(self, serializer):
        risk = self.get_risk()
        if not sees_all_teams(self.request.user):
            raise PermissionDenied("Only risk reviewers and admins assess risks.")
        data = serializer.validated_data
        serializer.instance = risk_services.risk_assess(
            risk=risk,
            assessor=self.request.user,
            inherent_likelihood=data["inherent_likelihood"],
            inherent_impact=data["inherent_impact"],
            residual_likelihood=data["residual_likelihood"],
            residual_impact=data["residual_impact"],
            treatment=data["treatment"],
            rationale=data["rationale"],
            status=data.get("status"),
            acceptance_expires_on=data.get("acceptance_expires_on"),
            mitigation=data.get("mitigation"),
        )

    def create(self, request, *args, **kwargs):
        risk = self.get_risk()  # another team's risk is a 404 before anything else
        if not sees_all_teams(request.user):
            raise PermissionDenied("Only risk reviewers and admins assess risks.")
        refuse_archived(risk.dependency)
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_201_CREATED
        return response

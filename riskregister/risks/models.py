"""The demand side: what each team depends on, what can break it and how it was reviewed."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from riskregister.teams.models import Team
from vendors.entity import Entity
from vendors.models import Offering

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def score_field(**kwargs):
    return models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS, **kwargs)


def score_range(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}), name=f"%(class)s_{field}_1_to_5")


class Environment(models.TextChoices):
    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"


class DataClassification(models.TextChoices):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class Criticality(models.IntegerChoices):
    TIER_1 = 1, "tier 1 (most critical)"
    TIER_2 = 2, "tier 2"
    TIER_3 = 3, "tier 3"
    TIER_4 = 4, "tier 4 (least critical)"


class DependencyQuerySet(models.QuerySet):
    def live(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class LiveDependencyManager(models.Manager.from_queryset(DependencyQuerySet)):
    """The dependencies that are in the register: archived ones are left out of every query made
    through `Dependency.objects` and the reverse managers (`team.dependencies`,
    `offering.dependencies`), so that reach, alerts, exposure, countdowns, scenarios and lists need
    no filter of their own. A risk's `dependency` still loads an archived one (the base manager)."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


class Dependency(Entity):
    """A team's service that uses an offering.

    Deleting one archives it (`archived_at`, `archived_by`): it leaves the register, its risks are
    closed, and its risks' assessments and history stay readable. Only an admin purges it for good
    (services.dependency_delete and dependency_purge).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dependencies")
    system = models.CharField(max_length=200, help_text="The service's name.")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="dependencies")
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.PRODUCTION)
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.TIER_3)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_dependencies"
    )
    description = models.TextField(blank=True)
    data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="When it was deleted (archived).")
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="archived_dependencies",
    )
    history = HistoricalRecords()

    # The first manager is the default one (admin, forms, reverse relations): live dependencies only.
    # Related objects (a risk's dependency) load through Django's plain base manager, so an archived
    # dependency's risks and assessments still name it.
    objects = LiveDependencyManager()
    all_objects = DependencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "dependencies"
        ordering = ["team__name", "system", "id"]
        constraints = [
            # Among live dependencies only: a service deleted (archived) can be registered again.
            models.UniqueConstraint(
                fields=["team", "system", "offering", "environment"],
                condition=Q(archived_at__isnull=True),
                name="unique_live_dependency_per_team_system",
            ),
            models.CheckConstraint(condition=Q(criticality__gte=1, criticality__lte=4), name="dependency_criticality_1_to_4"),
        ]

    def __str__(self):
        return f"{self.system} → {self.offering} ({self.environment})"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Fallback(Entity):
    """Another offering a dependency can fail over to; `tested_on` is when the failover last worked."""

    dependency = models.ForeignKey(Dependency, on_delete=models.CASCADE, related_name="fallbacks")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="fallback_for")
    tested_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["dependency", "id"]
        constraints = [models.UniqueConstraint(fields=["dependency", "offering"], name="unique_fallback_offering")]

    def __str__(self):
        return f"fallback of {self.dependency.system}: {self.offering}"


class FailureMode(Entity):
    """A way a dependency can fail: a catalog entry, or a team's own (`team` set)."""

    class Level(models.TextChoices):
        PROVIDER = "provider"
        DISTRIBUTOR = "distributor"
        MODEL = "model"
        OFFERING = "offering"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    level = models.CharField(max_length=20, choices=Level.choices)
    default_likelihood = score_field(default=3)
    default_impact = score_field(default=3)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="failure_modes",
        help_text="Empty for the catalog; set for a team's own failure mode.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [score_range("default_likelihood"), score_range("default_impact")]

    def __str__(self):
        return self.name

    @property
    def is_catalog(self) -> bool:
        return self.team_id is None


class Treatment(models.TextChoices):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"


class Risk(Entity):
    """One failure mode of one dependency."""

    class Status(models.TextChoices):
        OPEN = "open"
        UNDER_REVIEW = "under_review", "under review"
        TREATED = "treated"
        ACCEPTED = "accepted"
        CLOSED = "closed"

    dependency = models.ForeignKey(Dependency, on_delete=models.CASCADE, related_name="risks")
    failure_mode = models.ForeignKey(FailureMode, on_delete=models.PROTECT, related_name="risks")
    inherent_likelihood = score_field()
    inherent_impact = score_field()
    treatment = models.CharField(max_length=20, choices=Treatment.choices, blank=True)
    mitigation = models.TextField(blank=True)
    residual_likelihood = score_field()
    residual_impact = score_field()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_risks"
    )
    next_review_date = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    acceptance_rationale = models.TextField(blank=True)
    acceptance_expires_on = models.DateField(null=True, blank=True)
    state_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the dependency or its vendors last changed in a way that calls for review."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["dependency", "failure_mode__name"]
        constraints = [
            models.UniqueConstraint(fields=["dependency", "failure_mode"], name="unique_risk_per_failure_mode"),
            score_range("inherent_likelihood"),
            score_range("inherent_impact"),
            score_range("residual_likelihood"),
            score_range("residual_impact"),
            models.CheckConstraint(
                condition=Q(residual_likelihood__lte=F("inherent_likelihood"), residual_impact__lte=F("inherent_impact")),
                name="risk_residual_not_above_inherent",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | (~Q(acceptance_rationale="") & Q(acceptance_expires_on__isnull=False)),
                name="risk_acceptance_needs_rationale_and_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.failure_mode} of {self.dependency.system}"


class Assessment(Entity):
    """A reviewer's scoring of a risk. Append-only: never updated, never deleted through the product."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    assessed_at = models.DateTimeField()
    inherent_likelihood = score_field()
    inherent_impact = score_field()
    residual_likelihood = score_field()
    residual_impact = score_field()
    treatment = models.CharField(max_length=20, choices=Treatment.choices)
    status = models.CharField(max_length=20, choices=Risk.Status.choices)
    band = models.CharField(max_length=30)
    rationale = models.TextField()
    acceptance_expires_on = models.DateField(null=True, blank=True)
    next_review_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        constraints = [
            score_range("inherent_likelihood"),
            score_range("inherent_impact"),
            score_range("residual_likelihood"),
            score_range("residual_impact"),
            models.CheckConstraint(
                condition=Q(residual_likelihood__lte=F("inherent_likelihood"), residual_impact__lte=F("inherent_impact")),
                name="assessment_residual_not_above_inherent",
            ),
        ]

    def __str__(self):
        return f"assessment of {self.risk} by {self.assessor} at {self.assessed_at:%Y-%m-%d}"


class SavedScenario(Entity):
    """A what-if kept under a name ("export-control ban of Anthropic models"), re-run as the register
    changes. `events` holds the specs that `scenarios.parse_events` reads: {"kind", "level", "target"}."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="saved_scenarios"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="saved_scenarios",
        help_text="The team a lead saved it for; empty for a reviewer's, site-wide.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

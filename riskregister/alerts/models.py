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
    # A credential (a Slack incoming-webhook URL carries its token in the path): write-only in the
    # API, masked in the admin, never copied into an alert; deliveries name the subscription instead.
    target = models.CharField(
        max_length=1000, blank=True,
        help_text="The Slack incoming-webhook URL or the webhook URL (slack and webhook channels only).",
    )
    # The webhook signing secret, encrypted under CHANNEL_SECRET_KEY (riskregister/alerts/secrets.py).
    secret_encrypted = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team__name", "id"]

    def clean(self):
        from django.core.exceptions import ValidationError

        from riskregister.alerts.channels.targets import HTTP_CHANNELS, validate_channel_target

        unknown = [kind for kind in (self.kinds or []) if kind not in StatusChange.Kind.values]
        if not isinstance(self.kinds, list) or unknown:
            raise ValidationError({"kinds": f"A list of change kinds, from: {', '.join(StatusChange.Kind.values)}."})
        if self.email and self.user_id:
            raise ValidationError("Name an address or a member, not both (neither means all members).")
        if self.channel in HTTP_CHANNELS:
            if self.email or self.user_id:
                raise ValidationError({"email": f"A {self.channel} subscription sends to its target, not to an address or a member."})
            if not self.target:
                raise ValidationError({"target": f"A {self.channel} subscription needs the URL to post to."})
            validate_channel_target(self.target, field="target")
        elif self.target:
            raise ValidationError({"target": "Only slack and webhook subscriptions have a target."})

    @property
    def delivery_target(self) -> str:
        """What a Delivery row of a Slack or webhook subscription names: the subscription, not its URL."""
        return f"subscription:{self.uuid}"

    def __str__(self):
        if self.channel != "email":
            return f"{self.team}: {self.channel}, {self.mode}, from {self.min_severity}"
        who = self.email or (self.user and self.user.get_username()) or "all members"
        return f"{self.team}: {who}, {self.mode}, from {self.min_severity}"


class Alert(Entity):
    """One message of the outbox, written once: the unique dedupe key makes every alert exist once
    (`change:<batch>:<team>`, `countdown:<model or offering>:<days>:<team>`, `review:<user>:<date>`,
    `digest:<team>:<date>`). Who it goes to, and whether they got it, are its Delivery rows; `status`
    sums them up (riskregister/alerts/outbox.py keeps it current)."""

    class Kind(models.TextChoices):
        CHANGE = "change"
        COUNTDOWN = "countdown"
        REVIEW = "review"
        DIGEST = "digest"

    class Status(models.TextChoices):
        PENDING = "pending", "pending (a delivery is still under way)"
        SENT = "sent", "sent to every recipient"
        PARTLY_SENT = "partly_sent", "sent, but some recipients refused it"
        FAILED = "failed", "no recipient could be reached"
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
    subject = models.CharField(max_length=500)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject

    @property
    def recipients(self) -> list[str]:
        """The targets of the alert's deliveries (prefetch `deliveries` when listing)."""
        return sorted(delivery.target for delivery in self.deliveries.all())


class Delivery(Entity):
    """One alert to one target on one channel (an email address; a Slack or webhook URL), delivered
    and retried on its own, so that one refused recipient is retried or recorded, never lost.

    A claim is a lease: a row claimed before `now - ALERT_CLAIM_LEASE_SECONDS` and still pending may
    be claimed again, so a worker killed mid-send loses nothing. `sent_at` is written separately, only
    by the holder of the claim token, once the receiver has accepted."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed", "failed (refused for good, or gave up)"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=30, choices=channel_choices, default="email")
    target = models.CharField(max_length=1000, help_text="An email address, or the URL of an HTTP channel.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alert_id", "channel", "target"]
        verbose_name_plural = "deliveries"
        constraints = [
            # One delivery per target: a second writer of the same alert cannot double a recipient.
            models.UniqueConstraint(fields=["alert", "channel", "target"], name="delivery_once_per_target"),
        ]
        indexes = [
            # The delivery pass scans for due rows (riskregister/alerts/outbox.py, _due).
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self):
        return f"{self.alert_id} -> {self.channel}:{self.target} ({self.status})"

# Events and their stored reach live in their own module; imported here so Django sees the models.
from riskregister.alerts.events import Event, EventAnnouncement, Reach  # noqa: E402, F401

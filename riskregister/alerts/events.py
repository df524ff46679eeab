"""Open events and their stored reach: what the dispatcher decided a real change reached.

An **Event** is one subject and one kind of trouble (a ban of a model, an outage of an offering,
one incident of one page), open until a recovery closes it, with the teams it was announced to.
A **Reach** row says that one change of an event reached one dependency: its team, whether a tested
fallback covers it and why, and whether the change was *folded* (attached to an event the team had
already been told of, so not a new message). The dispatcher writes both in bulk, in the transaction
that writes the alerts; a dependency registered or changed while an event is open gets its rows then
(`late`). Pages, the status feed, the risk timeline and the API read these rows through
`riskregister/alerts/selectors.py`; nothing recomputes the reach of a real change.
"""

from django.db import models
from django.db.models import Q

from riskregister.risks.models import Dependency
from riskregister.teams.models import Team
from vendors.entity import Entity
from vendors.models import AIModel, Offering, StatusChange, Vendor
from vendors.reach import Event as ReachEvent
from vendors.reach import EventKind, EventLevel


class Event(Entity):
    key = models.CharField(max_length=300, help_text="Subject and kind of trouble, e.g. model:12:ban.")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    level = models.CharField(max_length=20, choices=EventLevel.choices)
    target = models.CharField(max_length=20, help_text="The id of the vendor, model or offering of `level`.")
    date_field = models.CharField(
        max_length=20, blank=True,
        help_text="A retirement or deprecation of a model: the route date it stands for (vendors/reach.py).",
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    source = models.ForeignKey("vendors.StatusSource", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=StatusChange.Severity.choices)
    title = models.CharField(max_length=500)
    opened_by = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="+")
    last_change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="+")
    closed_by = models.ForeignKey(StatusChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    announced_to = models.ManyToManyField(Team, through="EventAnnouncement", related_name="+")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One open event per subject and trouble: the dispatcher (alerts/dispatch.py) updates it
            # rather than opening a second one.
            models.UniqueConstraint(fields=["key"], condition=Q(closed_at__isnull=True), name="one_open_event_per_key"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def label(self) -> str:
        """What the pages' live-state badges say of it."""
        return self.title

    def as_reach_event(self) -> ReachEvent:
        target = self.target if self.level == EventLevel.JURISDICTION else int(self.target)
        return ReachEvent(kind=self.kind, level=self.level, target=target, change_id=self.last_change_id, label=self.title,
                          date_field=self.date_field)


class EventAnnouncement(models.Model):
    """The event was told to the team (an alert of it was written for the team)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="announcements")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "team"], name="unique_event_announcement")]


class Reach(models.Model):
    """One change of an event reaching one dependency. No uuid or updated_at: a ban writes tens of
    thousands of these in bulk."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reach")
    change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="reach")
    dependency = models.ForeignKey(Dependency, on_delete=models.CASCADE, related_name="reach")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    covered = models.BooleanField()
    reason = models.TextField(blank=True)
    folded = models.BooleanField(default=False, help_text="Explained by an event already announced to the team.")
    late = models.BooleanField(default=False, help_text="Registered or changed while the event was open.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "reach"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["change", "dependency"], name="unique_reach_per_change")]
        indexes = [
            # The team page and the status feed (alerts/selectors.py) read by team and by dependency.
            models.Index(fields=["team", "-created_at"], name="reach_by_team"),
            models.Index(fields=["dependency", "-created_at"], name="reach_by_dependency"),
        ]


def dependency_reach_refresh(*, dependency_id: int) -> int:
    """Give a dependency registered or changed (its route, its fallbacks) while events are open its
    reach rows now, so that a service registered on a banned model shows the ban; the rows it has
    for open events are brought up to date (covered or not). The number of open events reaching it."""
    from riskregister.risks.impact import blast_radius

    open_events = list(Event.objects.filter(closed_at__isnull=True).order_by("id"))
    if not open_events:
        return 0
    by_reach_event = {event.as_reach_event(): event for event in open_events}
    radius = blast_radius(list(by_reach_event), dependency_ids=[dependency_id])
    # What it reached before the change but no longer does (a route moved off a banned model).
    Reach.objects.filter(dependency_id=dependency_id, event__closed_at__isnull=True, late=True).delete()
    written = 0
    for affected in radius.affected:
        for reach_event in affected.events:
            event = by_reach_event[reach_event]
            updated = Reach.objects.filter(event=event, dependency_id=dependency_id).update(
                covered=affected.covered, reason=affected.reason
            )
            if not updated:
                Reach.objects.update_or_create(
                    change_id=event.last_change_id, dependency_id=dependency_id,
                    defaults={"event": event, "team_id": affected.dependency.team_id, "covered": affected.covered,
                              "reason": affected.reason, "late": True},
                )
            written += 1
    return written

"""The daily emails: deprecation countdowns, review reminders and team digests.

Each runs hourly from the beat and writes at most one alert per slot, because every slot has its own
dedupe key (`countdown:<subject>:<days>:<team>`, `review:<user>:<date>`, `digest:<team>:<date>`).
A second scheduler, or a rerun, finds the key taken and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from riskregister.alerts import content
from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.outbox import Outgoing, alerts_write, to_address
from riskregister.alerts.recipients import Audience, digest_targets_of, muted_addresses
from riskregister.risks.impact import blast_radius
from riskregister.risks.selectors import review_queue
from riskregister.teams.models import REVIEWERS_GROUP
from vendors.models import AIModel, Offering, StatusChange, most_severe, severity_at_least
from vendors.reach import Event, EventKind, EventLevel


def countdown_step(days_left: int) -> int | None:
    """The reminder step that is due: the smallest step at or above the days left, so a day the
    worker missed is caught up the next day rather than skipped."""
    steps = sorted(step for step in settings.ALERT_COUNTDOWN_DAYS if step >= days_left)
    return steps[0] if steps and days_left >= 0 else None


def countdown_severity(step: int) -> str:
    return StatusChange.Severity.MAJOR if step <= 7 else StatusChange.Severity.MINOR


def countdowns_send(*, today: date | None = None) -> list[Alert]:
    """Remind the teams of the dependencies a retirement will reach, 90/30/7/1 days before it."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(settings.ALERT_COUNTDOWN_DAYS, default=0))
    retiring: list[tuple[str, object, list[Event]]] = []
    for model in AIModel.objects.filter(retirement_date__gte=today, retirement_date__lte=horizon).select_related("provider"):
        # A route with its own retirement date counts down to that date (below), not to the model's:
        # distributors retire the same model on their own dates.
        undated = model.offerings.filter(retirement_date__isnull=True).values_list("id", flat=True)
        events = [Event(kind=EventKind.RETIREMENT, level=EventLevel.OFFERING, target=offering_id, label=model.name) for offering_id in undated]
        if events:
            retiring.append((f"model:{model.slug}", model, events))
    for offering in Offering.objects.filter(retirement_date__gte=today, retirement_date__lte=horizon).select_related(
        "model", "distributor"
    ):
        retiring.append((f"offering:{offering.id}", offering, [Event(kind=EventKind.RETIREMENT, level=EventLevel.OFFERING, target=offering.id, label=str(offering))]))
    alerts = []
    for key, subject, events in retiring:
        days_left = (subject.retirement_date - today).days
        step = countdown_step(days_left)
        if step is None:
            continue
        by_team = blast_radius(events).by_team()
        audience = Audience(team_ids=[team.id for team in by_team])
        severity = countdown_severity(step)
        name = subject.name if isinstance(subject, AIModel) else content._offering_label(subject)

        def takes_countdown(wants, severity=severity, step=step) -> set[int]:
            if wants.kinds and not {"deprecation", "lifecycle"} & set(wants.kinds):
                return set()
            return {step} if severity_at_least(severity, wants.min_severity) else set()

        for team, affected in by_team.items():
            fan_out, _ = audience.fan_out(team.id, takes_countdown)
            if not fan_out:
                continue
            replacements = content.replacement_routes(affected)
            dependencies = sorted((content.dependency_payload(item, replacements) for item in affected), key=lambda d: (d["criticality"], d["system"]))
            services = len({(d["system"], d["environment"]) for d in dependencies})
            when = "tomorrow" if days_left == 1 else ("today" if days_left == 0 else f"in {days_left} days")
            subject_line = (
                f"[{severity}] {name} retires {when} ({subject.retirement_date.isoformat()}) — "
                f"{services} of your services affected"
            )
            payload = {
                "team": team.slug, "retiring": name, "retirement_date": subject.retirement_date.isoformat(),
                "days_left": days_left, "step": step, "dependencies": dependencies, "changes": [],
            }
            text, html = content.render("countdown", {**payload, "subject": subject_line, "team_name": team.name,
                                                      "team_url": content.team_url(team)})
            alerts.append(fan_out.outgoing(Alert(
                kind=Alert.Kind.COUNTDOWN, team=team, dedupe_key=f"countdown:{key}:{step}:{team.id}",
                severity=severity, subject=subject_line, body_text=text, body_html=html, payload=payload,
            )))
    return alerts_write(alerts)


def _review_queue(today: date):
    queue = review_queue(today=today).select_related(
        "dependency__team", "failure_mode", "dependency__offering__model", "dependency__offering__distributor"
    )
    return [(risk, getattr(risk, "queue_reason", "due")) for risk in queue]


def review_reminders_send(*, today: date | None = None) -> list[Alert]:
    """One email a day to each reviewer listing the risks due or overdue for review."""
    today = today or timezone.localdate()
    queue = _review_queue(today)
    if not queue:
        return []
    risks = [
        {
            "id": risk.id, "team": risk.dependency.team.name, "system": risk.dependency.system,
            "failure_mode": risk.failure_mode.name, "offering": content._offering_label(risk.dependency.offering),
            "next_review_date": risk.next_review_date.isoformat() if risk.next_review_date else None,
            "reason": str(reason).replace("_", " "),
            "url": f"{settings.SITE_URL}{reverse('web:risk', args=[risk.id])}",
        }
        for risk, reason in queue
    ]
    reviewers = (
        get_user_model().objects.filter(groups__name=REVIEWERS_GROUP, is_active=True).exclude(email="").order_by("id").distinct()
    )
    subject = f"[review] {len(risks)} risk{'s' if len(risks) != 1 else ''} due or overdue for review ({today.isoformat()})"
    text, html = content.render("review", {"risks": risks, "subject": subject, "today": today.isoformat(),
                                           "queue_url": f"{settings.SITE_URL}{reverse('web:review-queue')}"})
    alerts = [
        to_address(Alert(
            kind=Alert.Kind.REVIEW, user=reviewer, dedupe_key=f"review:{reviewer.id}:{today.isoformat()}",
            severity=StatusChange.Severity.INFO, subject=subject,
            body_text=text, body_html=html, payload={"risks": [r["id"] for r in risks], "date": today.isoformat()},
        ), [reviewer.email])
        for reviewer in reviewers
    ]
    return alerts_write(alerts)


def team_digests_send(*, day: date | None = None) -> list[Alert]:
    """One digest per team collecting the day's alerts for its daily-digest subscribers, on every
    channel they subscribed on (one alert, a delivery per address, Slack hook or webhook); the
    alerts that only digest subscribers wanted are marked as collected."""
    day = day or (timezone.localdate() - timedelta(days=1))
    collected = defaultdict(list)
    for alert in Alert.objects.filter(
        kind__in=[Alert.Kind.CHANGE, Alert.Kind.COUNTDOWN], created_at__date=day, team__isnull=False
    ).select_related("team").order_by("created_at", "id"):
        if alert.payload.get("digest_recipients") or alert.payload.get("digest_targets"):
            collected[alert.team].append(alert)
    digests = []
    muted = muted_addresses(team_ids=[team.id for team in collected])
    for team, alerts in collected.items():
        # A member who turned their emails off since is dropped even from alerts fanned out before.
        targets = sorted({
            target for alert in alerts for target in digest_targets_of(alert.payload)
            if not (target.channel == "email" and target.address in muted.get(team.id, set()))
        })
        top_severity = most_severe(a.severity for a in alerts)
        subject = f"[{top_severity}] Daily digest for {team.name}, {day.isoformat()}: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
        entries = [{"subject": a.subject, **a.payload} for a in alerts]
        text, html = content.render("digest", {"subject": subject, "team_name": team.name, "entries": entries,
                                               "team_url": content.team_url(team), "day": day.isoformat()})
        # The services the day's alerts reached, once each, for the Slack and webhook bodies.
        dependencies = list({d["id"]: d for a in alerts for d in a.payload.get("dependencies") or []}.values())
        digests.append(Outgoing(alert=Alert(
            kind=Alert.Kind.DIGEST, team=team, dedupe_key=f"digest:{team.id}:{day.isoformat()}", severity=top_severity,
            subject=subject, body_text=text, body_html=html, mode=Subscription.Mode.IMMEDIATE,
            payload={"alerts": [a.id for a in alerts], "date": day.isoformat(), "dependencies": dependencies},
        ), targets=targets))
    created = alerts_write(digests)
    if created:
        ids = [alert_id for digest in created for alert_id in digest.payload["alerts"]]
        Alert.objects.filter(id__in=ids, mode=Subscription.Mode.DAILY_DIGEST, status=Alert.Status.PENDING).update(
            status=Alert.Status.DIGESTED, updated_at=timezone.now()
        )
    return created

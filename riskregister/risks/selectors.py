"""Reads of the register that need more than a one-line query."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, CharField, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from riskregister.risks import scoring
from riskregister.risks.models import Dependency, Risk


class QueueReason:
    NEVER_REVIEWED = "never_reviewed"
    OVERDUE = "overdue"
    CHANGED = "changed"
    DUE = "due"

    LABELS = {
        NEVER_REVIEWED: "never reviewed",
        OVERDUE: "review overdue",
        CHANGED: "dependency or vendor changed since the last review",
        DUE: "review due",
    }


RISK_RELATED = (
    "failure_mode",
    "owner",
    "dependency__team",
    "dependency__offering__model__provider",
    "dependency__offering__distributor",
)


def band_expression(score) -> Case:
    """The band name of a score expression, in SQL, from the configured bands."""
    return Case(
        *[When(LessThanOrEqual(score, band["max_score"]), then=Value(band["name"])) for band in scoring.bands()],
        output_field=CharField(),
    )


def review_queue(*, today: datetime.date | None = None) -> QuerySet[Risk]:
    """Risks a reviewer should look at: never reviewed, overdue, changed since the last review
    (`state_changed_at` after `last_reviewed_at`), or due within RISK_REVIEW_DUE_WITHIN_DAYS.

    Annotated with `queue_reason` (one of QueueReason, the most pressing), `queue_since` (the day the
    risk started waiting) and `residual_score`. Oldest first, and within a day worst first.
    """
    today = today or timezone.localdate()
    due_by = today + datetime.timedelta(days=getattr(settings, "RISK_REVIEW_DUE_WITHIN_DAYS", 14))
    never = Q(last_reviewed_at__isnull=True)
    overdue = Q(next_review_date__lt=today)
    changed = Q(state_changed_at__isnull=False, last_reviewed_at__isnull=False, state_changed_at__gt=F("last_reviewed_at"))
    due = Q(next_review_date__lte=due_by)
    return (
        Risk.objects.exclude(status=Risk.Status.CLOSED)
        .filter(dependency__archived_at__isnull=True)
        .filter(never | overdue | changed | due)
        .annotate(
            queue_reason=Case(
                When(never, then=Value(QueueReason.NEVER_REVIEWED)),
                When(overdue, then=Value(QueueReason.OVERDUE)),
                When(changed, then=Value(QueueReason.CHANGED)),
                default=Value(QueueReason.DUE),
                output_field=CharField(),
            ),
            queue_since=Case(
                When(never, then=TruncDate("created_at")),
                When(overdue, then=F("next_review_date")),
                When(changed, then=TruncDate("state_changed_at")),
                default=F("next_review_date"),
                output_field=DateField(),
            ),
            residual_score=F("residual_likelihood") * F("residual_impact"),
            inherent_score=F("inherent_likelihood") * F("inherent_impact"),
            residual_band=band_expression(F("residual_likelihood") * F("residual_impact")),
        )
        .select_related(*RISK_RELATED)
        .order_by("queue_since", "-residual_score", "-dependency__criticality", "id")
    )


def risk_timeline(*, risk: Risk) -> list[dict]:
    """The history of a risk as one timeline, newest first: its proposal, every change of its row
    (who and what), every assessment with its rationale, and every change out there that reached its
    dependency (the reach the alerts dispatcher stored; never recomputed here)."""
    from riskregister.alerts.selectors import dependency_reach  # alerts builds on risks: import at call time

    entries = []
    for row in dependency_reach(dependency_id=risk.dependency_id):
        cover = "covered" if row.covered else "not covered"
        folded = f", part of “{row.event.title}”, already announced" if row.folded else ""
        entries.append(
            {
                "at": row.change.observed_at,
                "kind": "reach",
                "who": "",
                "summary": f"{row.change.title} [{row.change.severity}]: {cover}{folded} — {row.reason}",
            }
        )
    for assessment in risk.assessments.select_related("assessor"):
        entries.append(
            {
                "at": assessment.assessed_at,
                "kind": "assessment",
                "who": assessment.assessor.get_username(),
                "summary": (
                    f"assessed {assessment.band}: inherent {assessment.inherent_likelihood}x{assessment.inherent_impact}, "
                    f"residual {assessment.residual_likelihood}x{assessment.residual_impact}, {assessment.treatment}, {assessment.status}"
                ),
                "rationale": assessment.rationale,
                "next_review_date": assessment.next_review_date,
            }
        )
    records = list(risk.history.select_related("history_user").order_by("history_date", "history_id"))
    previous = None
    for record in records:
        if record.history_type == "+":
            summary, changes = "proposed", []
        elif previous is not None:
            delta = record.diff_against(previous)
            changes = [change.field for change in delta.changes if change.field not in ("updated_at",)]
            summary = "changed " + ", ".join(changes) if changes else "saved"
        else:
            summary, changes = "changed", []
        entries.append(
            {
                "at": record.history_date,
                "kind": "change",
                "who": record.history_user.get_username() if record.history_user else "",
                "summary": summary,
                "fields": changes,
            }
        )
        previous = record
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


def archived_dependencies(*, team_ids=None) -> QuerySet[Dependency]:
    """Dependencies deleted (archived), newest first, for reading: who archived them and when, their
    risks (closed) and the risks' assessments. `team_ids=None` is every team (reviewers, admins)."""
    dependencies = Dependency.all_objects.archived()
    if team_ids is not None:
        dependencies = dependencies.filter(team_id__in=list(team_ids))
    return dependencies.select_related(
        "team", "offering__model__provider", "offering__distributor", "owner", "archived_by"
    ).order_by("-archived_at", "-id")

"""Reads of the register that need more than a one-line query."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Case, CharField, DateField, F, IntegerField, Q, QuerySet, Value, When
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


def queue_conditions(*, today: datetime.date | None = None) -> dict[str, Q]:
    """The condition of each queue reason, in the order of QueueReason.LABELS (most pressing first).
    A risk waits for the first one it meets; `queue_reason_q` says which risks wait for one reason."""
    today = today or timezone.localdate()
    due_by = today + datetime.timedelta(days=getattr(settings, "RISK_REVIEW_DUE_WITHIN_DAYS", 14))
    return {
        QueueReason.NEVER_REVIEWED: Q(last_reviewed_at__isnull=True),
        QueueReason.OVERDUE: Q(next_review_date__lt=today),
        QueueReason.CHANGED: Q(state_changed_at__isnull=False, last_reviewed_at__isnull=False, state_changed_at__gt=F("last_reviewed_at")),
        QueueReason.DUE: Q(next_review_date__lte=due_by),
    }


def queue_reason_q(reason: str, *, today: datetime.date | None = None) -> Q:
    """The risks that wait in the queue for this reason: its condition and none more pressing."""
    conditions = queue_conditions(today=today)
    if reason not in conditions:
        raise ValueError(f"reason is one of {', '.join(conditions)}, not {reason!r}")
    query = ~Q(status=Risk.Status.CLOSED)
    for name, condition in conditions.items():
        if name == reason:
            return query & condition
        query &= ~condition
    raise AssertionError("unreachable")


def review_queue(*, today: datetime.date | None = None, by_reason: bool = False) -> QuerySet[Risk]:
    """Risks a reviewer should look at: never reviewed, overdue, changed since the last review
    (`state_changed_at` after `last_reviewed_at`), or due within RISK_REVIEW_DUE_WITHIN_DAYS.

    Annotated with `queue_reason` (one of QueueReason, the most pressing), `queue_since` (the day the
    risk started waiting), `residual_score` and `weighted_score` (residual score x the weight of the
    dependency's criticality tier). Oldest first, and within a day worst first (a tier 1 service
    before a tier 4 one). With `by_reason`, grouped by reason (most pressing first) and by weighted
    score within a reason, as the review page lists it.
    """
    from riskregister.risks.exposure import criticality_weight_expression

    conditions = queue_conditions(today=today)
    never, overdue, changed, due = (conditions[reason] for reason in QueueReason.LABELS)
    queue = (
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
            weighted_score=F("residual_likelihood") * F("residual_impact") * criticality_weight_expression(),
            queue_rank=Case(
                *[When(condition, then=Value(rank)) for rank, condition in enumerate((never, overdue, changed))],
                default=Value(3),
                output_field=IntegerField(),
            ),
        )
        .select_related(*RISK_RELATED)
    )
    if by_reason:
        return queue.order_by("queue_rank", "-weighted_score", "queue_since", "id")
    return queue.order_by("queue_since", "-residual_score", "dependency__criticality", "id")


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since the record was written
        return name.replace("_", " ")


def _value_words(model, name: str, value) -> str:
    if value in (None, ""):
        return "none"
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except Exception:
        choices = {}
    return str(choices[value]).lower() if value in choices else str(value)


# Changes a reviewer's assessment writes on the risk row itself: the assessment entry says them.
_ASSESSMENT_FIELDS = {
    "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "treatment", "status",
    "next_review_date", "last_reviewed_at", "acceptance_rationale", "acceptance_expires_on", "mitigation",
}


def risk_timeline(*, risk: Risk) -> list[dict]:
    """The history of a risk in words, newest first: its proposal, every other change of its row (who
    and what, by field label), one entry per assessment with its rationale, and every change out
    there that reached its dependency (the reach the alerts dispatcher stored; never recomputed here)."""
    from riskregister.alerts.selectors import dependency_reach  # alerts builds on risks: import at call time

    entries = []
    assessed = []
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
        assessed.append((assessment.assessor_id, assessment.assessed_at))
        entries.append(
            {
                "at": assessment.assessed_at,
                "kind": "assessment",
                "who": assessment.assessor.get_username(),
                "summary": (
                    f"assessed it {assessment.band}: residual likelihood {assessment.residual_likelihood} and impact "
                    f"{assessment.residual_impact} (inherent {assessment.inherent_likelihood} and {assessment.inherent_impact}), "
                    f"treatment {assessment.get_treatment_display()}, status {assessment.get_status_display()}; "
                    f"next review {assessment.next_review_date:%Y-%m-%d}"
                ),
                "rationale": assessment.rationale,
                "next_review_date": assessment.next_review_date,
            }
        )
    records = list(risk.history.select_related("history_user").order_by("history_date", "history_id"))
    previous = None
    for record in records:
        changes = []
        if record.history_type == "+":
            summary = "proposed it from the failure mode " + str(risk.failure_mode)
        elif previous is not None:
            delta = record.diff_against(previous)
            changes = [change for change in delta.changes if change.field not in ("updated_at",)]
            by_assessment = any(
                user_id == record.history_user_id and abs((record.history_date - at).total_seconds()) < 5 for user_id, at in assessed
            )
            if by_assessment and {change.field for change in changes} <= _ASSESSMENT_FIELDS:
                previous = record
                continue
            words = [
                f"{_field_label(Risk, change.field)} from {_value_words(Risk, change.field, change.old)} to "
                f"{_value_words(Risk, change.field, change.new)}"
                for change in changes
                if change.field != "state_changed_at"
            ]
            if not words and any(change.field == "state_changed_at" for change in changes):
                words = ["sent it back for review"]
            summary = "changed " + "; ".join(words) if words else "saved it unchanged"
        else:
            summary = "changed it"
        entries.append(
            {
                "at": record.history_date,
                "kind": "change",
                "who": record.history_user.get_username() if record.history_user else "",
                "summary": summary,
                "fields": [change.field for change in changes],
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


def fallback_verdicts(*, dependency: Dependency, today: datetime.date | None = None) -> list[dict]:
    """Each fallback of a dependency with whether it covers a ban of the dependency's own provider
    and, if not, why (the rule of `impact.covered_against_own_provider_ban`, in words). Uses the
    prefetched fallbacks (with offering__model__provider and offering__distributor)."""
    from riskregister.risks.impact import tested_since, unusable_lifecycle

    today = today or timezone.localdate()
    oldest = tested_since(today)
    provider = dependency.offering.model.provider
    verdicts = []
    for fallback in dependency.fallbacks.all():
        offering = fallback.offering
        correlated = offering.model.provider_id == provider.pk
        unusable = unusable_lifecycle(offering, today)
        if unusable and unusable[0] == "model":
            why = f"does not cover: the model is itself {offering.model.get_lifecycle_display()}"
        elif unusable:
            why = f"does not cover: the route is itself {offering.get_lifecycle_display()}"
        elif fallback.tested_on is None:
            why = "does not cover: never tested"
        elif fallback.tested_on < oldest:
            why = (f"does not cover: tested {(today - fallback.tested_on).days} days ago, "
                   f"longer than {settings.FALLBACK_TESTED_WITHIN_DAYS} days")
        elif correlated:
            why = f"does not cover a ban: the same provider ({provider.name}), hit by the same event"
        else:
            days = (today - fallback.tested_on).days
            why = f"covers: another provider, tested {'today' if days == 0 else f'{days} days ago'}"
        verdicts.append({"fallback": fallback, "correlated": correlated, "covers": why.startswith("covers"), "why": why})
    return verdicts

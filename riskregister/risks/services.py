"""Writes of the register: dependencies, their fallbacks and risks, and reviewers' assessments.

Every function is keyword-only. `actor=None` means the system itself (the demo loader, an import
run by an admin at the shell); any other actor is checked against riskregister.teams.access:
leads (and admins) edit their own team's dependencies and propose mitigations; only reviewers and
admins assess. Rule violations raise ValidationError({field: [message]}); a role that may not act
raises PermissionDenied.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from riskregister.risks import bulkwrite, catalog
from riskregister.risks.assessing import assessment_validate
from riskregister.risks.models import Assessment, Dependency, FailureMode, Fallback, Risk, Treatment
from riskregister.teams.access import can_edit_team, is_admin, is_reviewer
from riskregister.teams.models import Membership
from vendors.models import Offering, VendorRelationship
from vendors.reach import Event, events_q

DEPENDENCY_EDITABLE_FIELDS = ("system", "offering", "environment", "criticality", "owner", "description", "data_classification")
# Edits after which the dependency's risks ask for a fresh review.
DEPENDENCY_FIELDS_THAT_CHANGE_RISK = {"offering", "environment", "criticality", "data_classification"}
CONFLICT_KINDS = (VendorRelationship.Kind.INVESTS_IN, VendorRelationship.Kind.OWNS)


# --- permissions ---------------------------------------------------------------------------------


def _require_team_editor(actor, team_id: int) -> None:
    if actor is not None and not can_edit_team(actor, team_id):
        raise PermissionDenied("Only the team's leads and admins may change its dependencies.")


def _set_history_user(instance, actor) -> None:
    # Without an actor (the system), django-simple-history falls back to the request's user, if any.
    if actor is not None:
        instance._history_user = actor


def _require_live(dependency: Dependency, field: str = "dependency") -> None:
    """An archived dependency and its risks are kept to be read, never changed."""
    if dependency.archived_at is not None:
        raise ValidationError({field: ["This dependency is archived (deleted); it and its risks are read-only."]})


def _require_assessor(actor) -> None:
    if not (is_reviewer(actor) or is_admin(actor)):
        raise PermissionDenied("Only risk reviewers and admins may assess risks.")


def dependency_owner_check(*, team, owner) -> None:
    """A dependency's owner is a member of its team (any role): a lead cannot hand a service to
    someone outside it. The API serializer, the web form and the admin call this; so do the writes
    below, so every path is covered."""
    if owner is None:
        return
    if not Membership.objects.filter(team_id=team.pk, user_id=owner.pk).exists():
        raise ValidationError({"owner": ["The owner must be a member of the dependency's team."]})


# --- the catalog ---------------------------------------------------------------------------------


def failure_modes_ensure_catalog() -> dict[str, FailureMode]:
    """The catalog's failure modes by slug, creating any that are missing (idempotent; entries an
    admin edited are left alone). The data migration creates them in every database; this puts them
    back in one that was flushed."""
    existing = {mode.slug: mode for mode in FailureMode.objects.filter(slug__in=catalog.CATALOG_SLUGS, team__isnull=True)}
    missing = [entry for entry in catalog.CATALOG if entry["slug"] not in existing]
    for entry in missing:
        mode, _ = FailureMode.objects.get_or_create(
            slug=entry["slug"],
            defaults={key: entry[key] for key in ("name", "level", "default_likelihood", "default_impact", "description")},
        )
        existing[mode.slug] = mode
    return existing


def _applicable_catalog_slugs(offering: Offering, conflicts: set[tuple[int, int]] | None = None) -> list[str]:
    """The catalog's failure modes proposed for a dependency on `offering`. `conflicts` (pairs of
    distributor and provider ids with an investor or owner edge) saves a query per offering."""
    provider_id = offering.model.provider_id
    through_distributor = offering.distributor_id != provider_id
    if conflicts is not None:
        conflicted = through_distributor and (offering.distributor_id, provider_id) in conflicts
    else:
        conflicted = through_distributor and VendorRelationship.objects.filter(
            source_id=offering.distributor_id, target_id=provider_id, kind__in=CONFLICT_KINDS
        ).exists()
    rules = {
        catalog.ALWAYS: True,
        catalog.VIA_DISTRIBUTOR: through_distributor,
        catalog.CONFLICT_OF_INTEREST: conflicted,
        catalog.ON_REQUEST: False,
    }
    return [entry["slug"] for entry in catalog.CATALOG if rules[entry["proposed"]]]


def _new_risk(dependency: Dependency, mode: FailureMode) -> Risk:
    # Residual starts equal to inherent: nothing is mitigated until someone says how.
    return Risk(
        dependency=dependency,
        failure_mode=mode,
        inherent_likelihood=mode.default_likelihood,
        inherent_impact=mode.default_impact,
        residual_likelihood=mode.default_likelihood,
        residual_impact=mode.default_impact,
        owner_id=dependency.owner_id,
    )


def _new_risk_row(dependency: Dependency, mode: FailureMode) -> dict:
    """_new_risk's values, for bulkwrite.insert_with_history."""
    return {
        "dependency_id": dependency.pk,
        "failure_mode_id": mode.pk,
        "inherent_likelihood": mode.default_likelihood,
        "inherent_impact": mode.default_impact,
        "residual_likelihood": mode.default_likelihood,
        "residual_impact": mode.default_impact,
        "owner_id": dependency.owner_id,
    }


def risks_propose(*, dependency: Dependency) -> list[Risk]:
    """Propose the catalog's risks that apply to the dependency, scored with the catalog's defaults.
    Idempotent: returns only the risks it added."""
    offering = Offering.objects.select_related("model").get(pk=dependency.offering_id)
    modes = failure_modes_ensure_catalog()
    present = set(dependency.risks.values_list("failure_mode_id", flat=True))
    new = [_new_risk(dependency, modes[slug]) for slug in _applicable_catalog_slugs(offering) if modes[slug].id not in present]
    if new:
        # With history rows, so that a risk's timeline starts at its proposal.
        bulk_create_with_history(new, Risk)
    return new


# --- dependencies and fallbacks ------------------------------------------------------------------


def _clean_fallbacks(dependency: Dependency, fallbacks: Iterable[dict]) -> list[dict]:
    cleaned, seen = [], set()
    for spec in fallbacks:
        offering = spec.get("offering")
        if not isinstance(offering, Offering):
            raise ValidationError({"fallbacks": ["Each fallback names an offering."]})
        if offering.pk == dependency.offering_id:
            raise ValidationError({"fallbacks": [f"{offering} is the dependency's own offering, not a fallback."]})
        if offering.pk in seen:
            raise ValidationError({"fallbacks": [f"{offering} is listed twice."]})
        tested_on = spec.get("tested_on")
        if tested_on is not None and (not isinstance(tested_on, datetime.date) or tested_on > timezone.localdate()):
            raise ValidationError({"fallbacks": [f"The test date of {offering} must be a date, not in the future."]})
        seen.add(offering.pk)
        cleaned.append({"offering": offering, "tested_on": tested_on, "notes": spec.get("notes", "")})
    return cleaned


def risks_flag_changed(*, dependency_ids: Iterable[int] | None = None, events: Iterable[Event] | None = None, at: datetime.datetime | None = None) -> int:
    """Mark risks whose dependency or vendors changed, so that the review queue brings them back
    (`state_changed_at`, read by selectors.review_queue). One UPDATE; returns how many risks."""
    at = at or timezone.now()
    risks = Risk.objects.exclude(status=Risk.Status.CLOSED)
    if dependency_ids is not None:
        risks = risks.filter(dependency_id__in=list(dependency_ids))
    if events is not None:
        reached = events_q(list(events), "dependency__offering__")
        if reached is None:
            return 0
        risks = risks.filter(reached)
    return risks.update(state_changed_at=at)


def dependency_create(
    *,
    team,
    system: str,
    offering: Offering,
    environment: str = "production",
    criticality: int = 3,
    owner=None,
    description: str = "",
    data_classification: str = "internal",
    fallbacks: Iterable[dict] = (),
    actor=None,
) -> Dependency:
    """Record a team's dependency with its fallbacks and propose its risks, in one transaction."""
    _require_team_editor(actor, team.pk)
    dependency = Dependency(
        team=team,
        system=system,
        offering=offering,
        environment=environment,
        criticality=criticality,
        owner=owner,
        description=description,
        data_classification=data_classification,
    )
    dependency.full_clean()
    dependency_owner_check(team=team, owner=owner)
    cleaned = _clean_fallbacks(dependency, fallbacks)
    _set_history_user(dependency, actor)
    with transaction.atomic():
        dependency.save()
        Fallback.objects.bulk_create(Fallback(dependency=dependency, **spec) for spec in cleaned)
        risks_propose(dependency=dependency)
    return dependency


@dataclass
class BulkCreated:
    created: list[Dependency] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<where>: <system> on <offering> is already registered"
    fallbacks: int = 0
    risks: int = 0


def dependencies_create_bulk(*, team, specs: list[tuple[str, dict]], actor=None) -> BulkCreated:
    """Record many dependencies at once (an import): the same rules as dependency_create, checked
    for every row before anything is written, then written with a fixed number of queries per
    batch (bulk inserts with their history rows, so the audit trail names the importer).
    `specs` are (where, keyword arguments of dependency_create); a row already registered, in the
    team or earlier in `specs`, is skipped. Any invalid row raises ValidationError({where: [...]})
    and nothing is written. Call it inside a transaction to make it one with the caller's work."""
    _require_team_editor(actor, team.pk)
    registered = set(Dependency.objects.filter(team=team).values_list("system", "offering_id", "environment"))
    result = BulkCreated()
    errors: dict[str, list[str]] = {}
    dependencies: list[Dependency] = []
    fallbacks: list[list[dict]] = []
    for where, values in specs:
        values = dict(values)
        wanted_fallbacks = values.pop("fallbacks", ())
        dependency = Dependency(team=team, **values)
        key = (dependency.system, dependency.offering_id, dependency.environment)
        if key in registered:
            result.skipped.append(f"{where}: {dependency.system} on {values['offering']} is already registered")
            continue
        try:
            # The related rows are loaded already; uniqueness is checked above, in memory.
            dependency.full_clean(exclude=["team", "offering", "owner"], validate_unique=False, validate_constraints=False)
            cleaned = _clean_fallbacks(dependency, wanted_fallbacks)
        except ValidationError as error:
            errors.setdefault(where, []).extend(error.messages)
            continue
        registered.add(key)
        dependencies.append(dependency)
        fallbacks.append(cleaned)
    if errors:
        raise ValidationError(errors)
    if not dependencies:
        return result
    modes = failure_modes_ensure_catalog()
    conflicts = set(VendorRelationship.objects.filter(kind__in=CONFLICT_KINDS).values_list("source_id", "target_id"))
    slugs_by_offering: dict[int, list[str]] = {}
    with transaction.atomic():
        created = bulk_create_with_history(dependencies, Dependency, batch_size=500, default_user=actor)
        if any(dependency.pk is None for dependency in created):  # a database without RETURNING
            by_key = {(d.system, d.offering_id, d.environment): d.pk for d in Dependency.objects.filter(team=team)}
            for dependency in created:
                dependency.pk = by_key[(dependency.system, dependency.offering_id, dependency.environment)]
        fallback_rows = [
            Fallback(dependency=dependency, **spec) for dependency, specs_of in zip(created, fallbacks) for spec in specs_of
        ]
        Fallback.objects.bulk_create(fallback_rows, batch_size=500)
        risks = []
        for dependency in created:
            offering = dependency.offering
            if offering.pk not in slugs_by_offering:
                slugs_by_offering[offering.pk] = _applicable_catalog_slugs(offering, conflicts)
            risks.extend(_new_risk_row(dependency, modes[slug]) for slug in slugs_by_offering[offering.pk])
        # With history rows, so that each risk's timeline starts at its proposal, as for one
        # dependency; the lean path because risks are most of an import's rows (bulkwrite.py).
        bulkwrite.insert_with_history(Risk, risks, key=("dependency_id", "failure_mode_id"), user=actor, now=timezone.now())
    result.created, result.fallbacks, result.risks = created, len(fallback_rows), len(risks)
    return result


def dependency_update(*, dependency: Dependency, actor, **fields) -> Dependency:
    """Change what a dependency is; a change of route or weight sends its risks back for review."""
    _require_team_editor(actor, dependency.team_id)
    _require_live(dependency)
    unknown = set(fields) - set(DEPENDENCY_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    changed = [name for name, value in fields.items() if getattr(dependency, name) != value]
    if not changed:
        return dependency
    for name in changed:
        setattr(dependency, name, fields[name])
    dependency.full_clean()
    if "owner" in changed:
        dependency_owner_check(team=dependency.team, owner=dependency.owner)
    if "offering" in changed and dependency.fallbacks.filter(offering=dependency.offering).exists():
        raise ValidationError({"offering": ["This offering is already one of the dependency's fallbacks."]})
    _set_history_user(dependency, actor)
    with transaction.atomic():
        dependency.save(update_fields=[*changed, "updated_at"])
        if "offering" in changed:
            # A new route may bring new failure modes (a distributor, a conflicted one).
            risks_propose(dependency=dependency)
        if DEPENDENCY_FIELDS_THAT_CHANGE_RISK & set(changed):
            risks_flag_changed(dependency_ids=[dependency.pk])
    return dependency


def fallback_set(*, dependency: Dependency, fallbacks: Iterable[dict], actor) -> list[Fallback]:
    """Replace the dependency's fallbacks with these (`{"offering", "tested_on", "notes"?}`), keeping
    the rows of offerings that stay. Coverage changes, so the risks ask for review."""
    _require_team_editor(actor, dependency.team_id)
    _require_live(dependency)
    cleaned = _clean_fallbacks(dependency, fallbacks)
    wanted = {spec["offering"].pk: spec for spec in cleaned}
    with transaction.atomic():
        current = {fallback.offering_id: fallback for fallback in dependency.fallbacks.select_for_update()}
        dependency.fallbacks.exclude(offering_id__in=list(wanted)).delete()
        for offering_id, spec in wanted.items():
            existing = current.get(offering_id)
            if existing is None:
                Fallback.objects.create(dependency=dependency, **spec)
            elif (existing.tested_on, existing.notes) != (spec["tested_on"], spec["notes"]):
                existing.tested_on, existing.notes = spec["tested_on"], spec["notes"]
                existing.save(update_fields=["tested_on", "notes", "updated_at"])
        risks_flag_changed(dependency_ids=[dependency.pk])
    return list(dependency.fallbacks.select_related("offering__model", "offering__distributor"))


def dependency_delete(*, dependency: Dependency, actor) -> Dependency:
    """What deleting a dependency does, for leads and admins alike: archive it. It leaves the
    register (lists, reach, alerts, exposure, countdowns, scenarios, exports: `Dependency.objects`
    holds live ones only), its open risks are closed, and its risks, their assessments and the
    history of all three stay readable. The same service can then be registered again. Only
    `dependency_purge` (admins) removes it for good. Archiving an archived one changes nothing."""
    _require_team_editor(actor, dependency.team_id)
    if dependency.archived_at is not None:
        return dependency
    now = timezone.now()
    with transaction.atomic():
        dependency.archived_at = now
        dependency.archived_by = actor
        _set_history_user(dependency, actor)
        dependency.save(update_fields=["archived_at", "archived_by", "updated_at"])
        # One save per risk (a dependency has a dozen at most), so each closure is on the risk's timeline.
        for risk in Risk.objects.filter(dependency=dependency).exclude(status=Risk.Status.CLOSED).select_for_update():
            risk.status = Risk.Status.CLOSED
            _set_history_user(risk, actor)
            risk.save(update_fields=["status", "updated_at"])
    return dependency


def dependency_purge(*, dependency: Dependency, actor) -> None:
    """Remove a dependency for good, with its fallbacks, risks and their assessments. Admins only:
    everyone else's delete archives (`dependency_delete`). `actor=None` is the operator at the shell."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied("Only admins may purge a dependency; deleting one archives it.")
    _set_history_user(dependency, actor)
    # Fallbacks, risks and assessments go with it (CASCADE); their history tables record the removal.
    dependency.delete()


def fallback_add(*, dependency: Dependency, offering: Offering, actor, notes: str = "") -> Fallback:
    """Add one offering (a chosen suggestion) as an untested fallback, keeping the others."""
    current = [
        {"offering": fallback.offering, "tested_on": fallback.tested_on, "notes": fallback.notes}
        for fallback in dependency.fallbacks.select_related("offering")
    ]
    if any(spec["offering"].pk == offering.pk for spec in current):
        raise ValidationError({"offering": [f"{offering} is already a fallback of this dependency."]})
    fallbacks = fallback_set(dependency=dependency, fallbacks=[*current, {"offering": offering, "tested_on": None, "notes": notes}], actor=actor)
    return next(fallback for fallback in fallbacks if fallback.offering_id == offering.pk)


# --- risks of a team's own -----------------------------------------------------------------------


def _unique_slug(base: str) -> str:
    slug, counter = base[:90], 2
    while FailureMode.objects.filter(slug=slug).exists():
        slug, counter = f"{base[:86]}-{counter}", counter + 1
    return slug


def failure_mode_create_custom(
    *,
    team,
    name: str,
    level: str,
    description: str = "",
    default_likelihood: int = 3,
    default_impact: int = 3,
    dependency: Dependency | None = None,
    actor,
) -> FailureMode:
    """A failure mode of the team's own ("our Bedrock commitment ends in March"), beside the
    catalog's; with `dependency`, it becomes a risk of that dependency at once."""
    if not (is_reviewer(actor) or can_edit_team(actor, team.pk)):
        raise PermissionDenied("Only the team's leads, reviewers and admins may add failure modes.")
    if dependency is not None and dependency.team_id != team.pk:
        raise ValidationError({"dependency": ["The dependency belongs to another team."]})
    if dependency is not None:
        _require_live(dependency)
    if not name.strip():
        raise ValidationError({"name": ["A failure mode needs a name."]})
    mode = FailureMode(
        team=team,
        name=name.strip(),
        level=level,
        description=description,
        default_likelihood=default_likelihood,
        default_impact=default_impact,
        slug=_unique_slug(slugify(f"{team.slug}-{name}") or f"{team.slug}-failure-mode"),
    )
    mode.full_clean()
    with transaction.atomic():
        mode.save()
        if dependency is not None:
            _new_risk(dependency, mode).save()
    return mode


def risk_add(*, dependency: Dependency, failure_mode: FailureMode, actor) -> Risk:
    """Add a failure mode the catalog does not propose on its own (acquisition, behaviour drift) or
    a team's own to one of its dependencies."""
    if not (is_reviewer(actor) or can_edit_team(actor, dependency.team_id)):
        raise PermissionDenied("Only the team's leads, reviewers and admins may add risks.")
    _require_live(dependency)
    if failure_mode.team_id not in (None, dependency.team_id):
        raise ValidationError({"failure_mode": ["That failure mode belongs to another team."]})
    if Risk.objects.filter(dependency=dependency, failure_mode=failure_mode).exists():
        raise ValidationError({"failure_mode": ["The dependency already has this risk."]})
    risk = _new_risk(dependency, failure_mode)
    _set_history_user(risk, actor)
    risk.save()
    return risk


# --- mitigation and review -----------------------------------------------------------------------


def risk_propose_mitigation(*, risk: Risk, actor, treatment: str, mitigation: str) -> Risk:
    """A lead says how the team treats a risk; the scores stay the reviewer's. The risk goes to the
    review queue as changed."""
    if not (is_reviewer(actor) or can_edit_team(actor, risk.dependency.team_id)):
        raise PermissionDenied("Only the team's leads, reviewers and admins may propose mitigations.")
    _require_live(risk.dependency)
    if treatment not in Treatment.values:
        raise ValidationError({"treatment": [f"Choose one of {', '.join(Treatment.values)}."]})
    if not mitigation.strip():
        raise ValidationError({"mitigation": ["Say how the risk is treated."]})
    risk.treatment = treatment
    risk.mitigation = mitigation.strip()
    risk.state_changed_at = timezone.now()
    fields = ["treatment", "mitigation", "state_changed_at", "updated_at"]
    if risk.status in (Risk.Status.OPEN, Risk.Status.TREATED):
        risk.status = Risk.Status.UNDER_REVIEW
        fields.append("status")
    _set_history_user(risk, actor)
    risk.save(update_fields=fields)
    return risk


def risk_assess(
    *,
    risk: Risk,
    assessor,
    inherent_likelihood: int,
    inherent_impact: int,
    residual_likelihood: int,
    residual_impact: int,
    treatment: str,
    rationale: str,
    status: str | None = None,
    acceptance_expires_on: datetime.date | None = None,
    mitigation: str | None = None,
) -> Assessment:
    """A reviewer's scoring, checked by assessing.assessment_validate: appended to the risk's
    history, and it becomes the risk's current scores, band, status and next review date."""
    _require_assessor(assessor)
    _require_live(risk.dependency)
    values = assessment_validate(
        inherent_likelihood=inherent_likelihood, inherent_impact=inherent_impact,
        residual_likelihood=residual_likelihood, residual_impact=residual_impact,
        treatment=treatment, rationale=rationale, status=status, acceptance_expires_on=acceptance_expires_on,
        today=timezone.localdate(),
    )
    now = timezone.now()
    with transaction.atomic():
        assessment = Assessment(
            risk=risk,
            assessor=assessor,
            assessed_at=now,
            inherent_likelihood=values.inherent_likelihood,
            inherent_impact=values.inherent_impact,
            residual_likelihood=values.residual_likelihood,
            residual_impact=values.residual_impact,
            treatment=values.treatment,
            status=values.status,
            band=values.band,
            rationale=values.rationale,
            acceptance_expires_on=values.acceptance_expires_on,
            next_review_date=values.next_review_date,
        )
        assessment._history_user = assessor
        assessment.save()
        risk.inherent_likelihood, risk.inherent_impact = values.inherent_likelihood, values.inherent_impact
        risk.residual_likelihood, risk.residual_impact = values.residual_likelihood, values.residual_impact
        risk.treatment, risk.status = values.treatment, values.status
        risk.next_review_date, risk.last_reviewed_at = values.next_review_date, now
        risk.acceptance_rationale = values.rationale if values.accepted else ""
        risk.acceptance_expires_on = values.acceptance_expires_on if values.accepted else None
        fields = [
            "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "treatment", "status",
            "next_review_date", "last_reviewed_at", "acceptance_rationale", "acceptance_expires_on", "updated_at",
        ]
        if mitigation is not None:
            risk.mitigation = mitigation.strip()
            fields.append("mitigation")
        risk._history_user = assessor
        risk.save(update_fields=fields)
    return assessment


def risks_flag_for_batch(*, batch) -> int:
    """Send back to the review queue the risks of every dependency a batch of recorded changes
    reaches (the queue's "changed since the last review"). One query for the changes, one UPDATE.
    A baseline (a source's first sight of a calm subject, `unknown -> operational`) changed
    nothing a reviewer must look at again."""
    from vendors.changes import is_baseline
    from vendors.models import StatusChange
    from vendors.reach import event_from_change

    changes = [
        change for change in StatusChange.objects.filter(batch=batch).select_related("vendor")
        if not is_baseline(kind=change.kind, previous=change.previous_value, current=change.current_value)
    ]
    events = [event for event in map(event_from_change, changes) if event is not None]
    if not events:
        return 0
    return risks_flag_changed(events=events, at=max(change.observed_at for change in changes))

"""What the two model-list kinds share: which offerings a list stands for, and what a list means.

A model the register maps to a list that disappears from it is a major change of the offering's
status (`unavailable`); one that comes back is a recovery. Dates and lifecycle (Anthropic's list)
belong to the model when the list is its provider's own, to the offering otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rest_framework import serializers

from vendors.changes import map_lifecycle, rate_deprecation, rate_lifecycle
from vendors.models import Offering, OperationalStatus, StatusChange
from vendors.sources.base import EnvVarNameField, IdListField, RecordContext


class ModelListConfig(serializers.Serializer):
    """`api_key_env`: the environment variable holding the API key (never the key itself).
    `offerings`: the offering ids this list stands for; empty = every offering the source's vendor
    serves (matched by the distributor's model id)."""

    api_key_env = EnvVarNameField(required=False, allow_blank=True, default="")
    offerings = IdListField(required=False, default=list)


@dataclass
class ListedModel:
    id: str
    lifecycle: str = ""
    deprecated_at: str = ""
    retires_at: str = ""
    has_lifecycle: bool = False


@dataclass
class ModelList:
    models: dict[str, ListedModel] = field(default_factory=dict)


def _iso_date(value) -> str:
    if not value or not isinstance(value, str):
        return ""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return ""


def listed_model(entry: dict) -> ListedModel:
    return ListedModel(
        id=str(entry.get("id")),
        lifecycle=str(entry.get("lifecycle") or ""),
        deprecated_at=_iso_date(entry.get("deprecated_at")),
        retires_at=_iso_date(entry.get("retires_at")),
        has_lifecycle="lifecycle" in entry,
    )


def mapped_offerings(context: RecordContext) -> list[Offering]:
    config = context.source.config or {}
    offerings = Offering.objects.select_related("model__provider", "distributor").order_by("id")
    if config.get("offerings"):
        return list(offerings.filter(id__in=config["offerings"]))
    if not context.source.vendor_id:
        return []
    return list(offerings.filter(distributor_id=context.source.vendor_id))


def record_model_list(listing: ModelList, context: RecordContext) -> None:
    vendor = context.source.vendor
    where = f"{vendor}'s model list" if vendor else "the model list"
    was_present = set(context.state.get("present", []))
    first_check = "present" not in context.state
    present_now = []
    for offering in mapped_offerings(context):
        entry = listing.models.get(offering.distributor_model_id)
        if entry is None:
            if (first_check or offering.id in was_present) and offering.status != OperationalStatus.UNAVAILABLE:
                context.record(
                    kind=StatusChange.Kind.STATUS,
                    offering=offering,
                    previous_value=offering.status,
                    current_value=OperationalStatus.UNAVAILABLE,
                    raw_value="absent",
                    severity=StatusChange.Severity.MAJOR,
                    title=f"{offering.distributor_model_id} is no longer listed in {where} ({offering})",
                    external_id=offering.distributor_model_id,
                    details={"reason": "absent_from_model_list"},
                    dedupe_key=f"modellist:{context.base}:offering{offering.id}:gone",
                )
            continue
        present_now.append(offering.id)
        if offering.id not in was_present and not first_check and offering.status == OperationalStatus.UNAVAILABLE:
            context.record(
                kind=StatusChange.Kind.STATUS,
                offering=offering,
                previous_value=offering.status,
                current_value=OperationalStatus.OPERATIONAL,
                raw_value="listed",
                severity=StatusChange.Severity.INFO,
                title=f"{offering.distributor_model_id} is listed again in {where} ({offering})",
                external_id=offering.distributor_model_id,
                details={"reason": "back_in_model_list"},
                dedupe_key=f"modellist:{context.base}:offering{offering.id}:back",
            )
        _record_lifecycle(entry, offering, context, where)
    context.state["present"] = present_now


def _record_lifecycle(entry: ListedModel, offering: Offering, context: RecordContext, where: str) -> None:
    subject_field = "model" if offering.is_direct else "offering"
    subject = offering.model if offering.is_direct else offering
    if entry.has_lifecycle:
        lifecycle = map_lifecycle(entry.lifecycle)
        if lifecycle and lifecycle != subject.lifecycle:
            context.record(
                kind=StatusChange.Kind.LIFECYCLE,
                previous_value=subject.lifecycle,
                current_value=lifecycle,
                raw_value=entry.lifecycle,
                severity=rate_lifecycle(lifecycle),
                title=f"{subject} is now {lifecycle} according to {where}",
                external_id=entry.id,
                dedupe_key=f"modellist:{context.base}:{subject_field}{subject.id}:lifecycle:{subject.lifecycle}>{lifecycle}",
                **{subject_field: subject},
            )
            subject.lifecycle = lifecycle
        elif entry.lifecycle and not lifecycle:
            # A value nobody knows yet: kept in the source's memory, not guessed at.
            context.state.setdefault("unrecognised_lifecycles", {})[entry.id] = entry.lifecycle
    for field_name, value, label in (
        ("deprecation_date", entry.deprecated_at, "deprecation"),
        ("retirement_date", entry.retires_at, "retirement"),
    ):
        stored = getattr(subject, field_name)
        stored_iso = stored.isoformat() if stored else ""
        if not value or value == stored_iso:
            continue
        context.record(
            kind=StatusChange.Kind.DEPRECATION,
            previous_value=stored_iso,
            current_value=value,
            raw_value=value,
            severity=rate_deprecation(previous=stored_iso, current=value),
            title=f"{subject}: {label} date {'moved to' if stored_iso else 'set to'} {value} ({where})",
            external_id=entry.id,
            details={"field": field_name},
            dedupe_key=f"modellist:{context.base}:{subject_field}{subject.id}:{field_name}:{stored_iso}>{value}",
            **{subject_field: subject},
        )
        setattr(subject, field_name, dt.date.fromisoformat(value))

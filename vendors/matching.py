"""Which of the register's models, vendors and routes a piece of text names.

One matcher for every source that reads prose: feed entries (a status page's history, AWS's and
Azure's RSS), Federal Register documents, and any other text a source hands over. The index is
built once per check from what the register knows (names, slugs and aliases of models and vendors,
and the distributor model ids of one distributor's offerings), then each text is read in one pass.

How a name is found:

- Text and names are cut the same way into *words* (runs of letters, digits and `. : @ / + - _`,
  without trailing punctuation) and each word into *parts* at `-` and `_`. A space and a hyphen are
  the same separator ("Claude-Fable-5" is "Claude Fable 5"), a dot is not ("GPT-5.1" is not
  "GPT-5 1"). Case does not matter, except for names of three characters or fewer ("AWS", "o1"),
  which must be written as the register writes them.
- A name matches only whole words: it starts where a word starts and ends where a word ends, so
  "GPT-5" is not found in "GPT-5.1" or "GPT-5-mini", nor "claude-fable-5" inside the Bedrock id
  "anthropic.claude-fable-5-v1:0".
- Leftmost, then longest: where "Claude Fable 5" and "Fable 5" both could start, the longer wins
  and the shorter is not read inside it.

Generic names. A model name with no digit ("Command", "Nova", "Sonar", "Nova Pro") or of three
characters or fewer ("o1") reads like prose. It counts only when the model's provider is named
within PROVIDER_WINDOW parts of it in the same text (by its name, slug or an alias: "Cohere
Command", "Amazon Nova Pro"), when the source speaks for that provider, or when the name itself
holds the provider's name ("Mistral Large"). Other names (with a version, "Claude Fable 5",
"GPT-5.1", a distributor's model id) count on their own.

The walk is a trie of parts: reading a text costs its number of parts times the depth of the
longest name that starts there, whatever the size of the catalog (bench/matching.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# How far (in parts) a generic model name may be from its provider's name.
PROVIDER_WINDOW = 20
# Names this short are never evidence ("X"; a vendor called "AI"); names up to SHORT_NAME_LENGTH
# match their case ("AWS", "o1"). A model's short name needs its provider as well (generic).
MIN_NAME_LENGTH = 2
MIN_VENDOR_NAME_LENGTH = 3
SHORT_NAME_LENGTH = 3

_WORD = re.compile(r"\w[\w.:@/+-]*")
_TRAILING = re.compile(r"[.:@/-]+$")
_PART_SPLIT = re.compile(r"[-_]+")
# Hyphens that join words; en and em dashes separate them, so they become spaces.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": " ", "\u2013": " ", "\u2014": " ", "\u2015": " "})
_END = object()  # the trie key under which a node keeps the names ending there


@dataclass(frozen=True)
class _Parts:
    """A text cut into parts, with the word boundaries a match must respect."""

    lower: list[str]
    exact: list[str]
    starts_word: list[bool]
    ends_word: list[bool]


def _cut(text: str) -> _Parts:
    lower, exact, starts, ends = [], [], [], []
    for match in _WORD.finditer((text or "").translate(_DASHES)):
        word = _TRAILING.sub("", match.group())
        parts = [part for part in _PART_SPLIT.split(word) if part]
        for index, part in enumerate(parts):
            exact.append(part)
            lower.append(part.lower())
            starts.append(index == 0)
            ends.append(index == len(parts) - 1)
    return _Parts(lower, exact, starts, ends)


_NOT_ALNUM = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=65536)
def _name(name) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """A name's parts in lower case, as written, and its letters and digits alone. Cached: the
    same ids and names recur across distributors and checks."""
    name = str(name or "").strip()
    parts = _cut(name)
    return tuple(parts.lower), tuple(parts.exact), _NOT_ALNUM.sub("", name)


def name_parts(name: str) -> tuple[str, ...]:
    """The parts a name is looked up by (lower case)."""
    return _name(name)[0]


@dataclass(frozen=True)
class _Referent:
    kind: str  # "model", "vendor" or "offering"
    id: int
    provider_id: int | None = None  # of a model, or of an offering's model
    model_id: int | None = None  # of an offering
    generic: bool = False
    exact: tuple[str, ...] | None = None  # the case a short name must be written in


@dataclass(frozen=True)
class Mention:
    kind: str
    id: int
    start: int  # part index
    end: int  # part index, inclusive
    text: str
    provider_id: int | None = None  # of a named model or offering


@dataclass
class Found:
    """What one text names: ids of models, vendors and (by distributor model id) offerings."""

    mentions: list[Mention] = field(default_factory=list)

    def ids(self, kind: str) -> set[int]:
        return {mention.id for mention in self.mentions if mention.kind == kind}

    @property
    def model_ids(self) -> set[int]:
        return self.ids("model")

    @property
    def vendor_ids(self) -> set[int]:
        return self.ids("vendor")

    @property
    def offering_ids(self) -> set[int]:
        return self.ids("offering")

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(mention.text for mention in self.mentions))


@dataclass(frozen=True)
class ModelNames:
    id: int
    provider_id: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class VendorNames:
    id: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class OfferingNames:
    id: int
    model_id: int
    provider_id: int
    names: tuple[str, ...]


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return bool(size) and any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


class NameIndex:
    """The names of the register, ready to be looked up in any number of texts."""

    def __init__(self, *, models: Iterable[ModelNames] = (), vendors: Iterable[VendorNames] = (),
                 offerings: Iterable[OfferingNames] = ()):
        self._trie: dict = {}
        self.size = 0
        vendors, models = list(vendors), list(models)
        # Vendors that make models: naming one in a distributor's feed names its models there.
        self.providers = {model.provider_id for model in models}
        vendor_parts = {vendor.id: [_name(name)[0] for name in vendor.names] for vendor in vendors}
        for vendor in vendors:
            for name in vendor.names:
                self._add(name, "vendor", vendor.id, minimum=MIN_VENDOR_NAME_LENGTH)
        for model in models:
            own = vendor_parts.get(model.provider_id, ())
            for name in model.names:
                self._add(name, "model", model.id, provider_id=model.provider_id, own=own)
        for offering in offerings:
            own = vendor_parts.get(offering.provider_id, ())
            for name in offering.names:
                self._add(name, "offering", offering.id, provider_id=offering.provider_id,
                          model_id=offering.model_id, own=own)

    def _add(self, name, kind: str, referent_id: int, *, provider_id=None, model_id=None, own=(),
             minimum: int = MIN_NAME_LENGTH) -> None:
        lower, exact, compact = _name(name)
        if len(compact) < minimum or not lower:
            return
        generic = kind != "vendor" and _is_generic(lower, compact, own)
        referent = _Referent(kind, referent_id, provider_id=provider_id, model_id=model_id, generic=generic,
                             exact=exact if len(compact) <= SHORT_NAME_LENGTH else None)
        node = self._trie
        for part in lower:
            node = node.setdefault(part, {})
        node.setdefault(_END, set()).add(referent)
        self.size += 1

    def find(self, text: str, *, speaking_for: Iterable[int] = ()) -> Found:
        """The names in `text`. `speaking_for`: vendor ids the source speaks for, which lets the
        generic names of their own models count without the vendor being named in the text."""
        parts = _cut(text)
        spans: list[tuple[int, int, set[_Referent]]] = []
        index, count = 0, len(parts.lower)
        while index < count:
            if not parts.starts_word[index]:
                index += 1
                continue
            node, best = self._trie, None
            for position in range(index, count):
                node = node.get(parts.lower[position])
                if node is None:
                    break
                if _END in node and parts.ends_word[position]:
                    referents = {r for r in node[_END] if r.exact is None or r.exact == tuple(parts.exact[index : position + 1])}
                    if referents:
                        best = (position, referents)
            if best is None:
                index += 1
                continue
            spans.append((index, best[0], best[1]))
            index = best[0] + 1
        vendor_spans: dict[int, list[tuple[int, int]]] = {}
        for start, end, referents in spans:
            for referent in referents:
                if referent.kind == "vendor":
                    vendor_spans.setdefault(referent.id, []).append((start, end))
        speaking_for = set(speaking_for)
        found = Found()
        for start, end, referents in spans:
            text_of = " ".join(parts.exact[start : end + 1])
            for referent in sorted(referents, key=lambda r: (r.kind, r.id)):
                if referent.generic and not (
                    referent.provider_id in speaking_for
                    or any(_near(start, end, other) for other in vendor_spans.get(referent.provider_id, ()))
                ):
                    continue
                found.mentions.append(Mention(referent.kind, referent.id, start, end, text_of, referent.provider_id))
        return found


def _near(start: int, end: int, other: tuple[int, int]) -> bool:
    other_start, other_end = other
    gap = other_start - end if other_start > end else start - other_end
    return gap <= PROVIDER_WINDOW


def _is_generic(parts: tuple[str, ...], compact: str, provider_names) -> bool:
    """A name that reads like prose: no digit, or very short; unless it holds its provider's name."""
    if len(compact) > SHORT_NAME_LENGTH and any(char.isdigit() for char in compact):
        return False
    return not any(_contains(parts, own) for own in provider_names if own)


# --- built from the register ---------------------------------------------------------------------


def register_index(*, offerings_of: int | None = None) -> NameIndex:
    """Every model and vendor of the register, plus the distributor model ids of the offerings
    that vendor `offerings_of` serves. Three queries; build it once per check."""
    from vendors.models import AIModel, Offering, Vendor

    vendors = [
        VendorNames(vendor_id, (name, slug, *_strings(aliases)))
        for vendor_id, name, slug, aliases in Vendor.objects.values_list("id", "name", "slug", "aliases")
    ]
    models = [
        ModelNames(model_id, provider_id, (name, slug, *_strings(aliases)))
        for model_id, provider_id, name, slug, aliases in AIModel.objects.values_list("id", "provider_id", "name", "slug", "aliases")
    ]
    offerings = []
    if offerings_of is not None:
        offerings = [
            OfferingNames(offering_id, model_id, provider_id, (distributor_model_id,))
            for offering_id, model_id, provider_id, distributor_model_id in Offering.objects.filter(
                distributor_id=offerings_of
            ).values_list("id", "model_id", "model__provider_id", "distributor_model_id")
        ]
    return NameIndex(models=models, vendors=vendors, offerings=offerings)


def _strings(values) -> list[str]:
    return [str(value) for value in (values or []) if isinstance(value, (str, int)) and str(value).strip()]


def in_region(regions, region: str) -> bool:
    """Whether an offering listing `regions` is served in `region`: listed there, listed as global,
    or listing none (nothing says it is not)."""
    listed = {str(value).strip().lower() for value in (regions or [])}
    return not listed or "global" in listed or region.strip().lower() in listed


class VendorRoutes:
    """The offerings one vendor serves, within one region if given: what an entry of a feed that
    speaks for that vendor can be about. One query."""

    def __init__(self, *, vendor_id: int, region: str = ""):
        from vendors.models import Offering

        self.vendor_id = vendor_id
        self.by_model: dict[int, set[int]] = {}
        self.by_provider: dict[int, set[int]] = {}
        self.in_scope: set[int] = set()
        for offering_id, model_id, provider_id, regions in Offering.objects.filter(distributor_id=vendor_id).values_list(
            "id", "model_id", "model__provider_id", "regions"
        ):
            if region and not in_region(regions, region):
                continue
            self.in_scope.add(offering_id)
            self.by_model.setdefault(model_id, set()).add(offering_id)
            self.by_provider.setdefault(provider_id, set()).add(offering_id)

    def named(self, found: Found, *, providers: set[int]) -> tuple[bool, set[int], set[int]]:
        """(whether the text names any model, the offerings of this vendor it names, the named
        models this vendor has no offering of). A provider named without any of its models names
        all of them ("Anthropic models are unavailable"); `providers` are the vendors that make models."""
        offerings = found.offering_ids & self.in_scope
        models = found.model_ids
        named_providers = {
            vendor_id for vendor_id in found.vendor_ids
            if vendor_id != self.vendor_id and vendor_id in providers
        }
        models_of_named = {m.provider_id for m in found.mentions if m.kind in ("model", "offering")}
        whole_providers = named_providers - models_of_named
        unserved = set()
        for model_id in models:
            routes = self.by_model.get(model_id)
            if routes:
                offerings |= routes
            else:
                unserved.add(model_id)
        for provider_id in whole_providers:
            offerings |= self.by_provider.get(provider_id, set())
        return bool(found.offering_ids or models or whole_providers), offerings, unserved

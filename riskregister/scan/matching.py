"""Findings in one file: AI SDK imports and calls, and model ids the catalog knows.

Pure functions over a file's name and bytes and a CatalogIndex. Nothing here runs, imports or
evaluates what it reads: lines are matched with regular expressions, notebooks are read as JSON.

What is kept of a file is only what the register already knows: a catalog id that matched, an SDK
from the table in sdks.py, the path and the line. The text around a finding is never kept, so a key
on the same line as a model id goes nowhere; from `.env` files only values that are model ids are
looked at, and the variable's value is dropped unless it is one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from riskregister.scan import sdks
from riskregister.scan.index import MIN_KEY_LENGTH, CatalogIndex, Match
from vendors.route_ids import split_region

CODE_LANGUAGES = {
    ".py": "python", ".pyi": "python",
    ".js": "js", ".jsx": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js",
    ".go": "go", ".java": "java", ".kt": "java",
}
CONFIG_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".ipynb": "notebook"}
MANIFESTS = {"package.json", "pyproject.toml", "go.mod", "pipfile"}

# A line that names a model (`model=`, `"model":`, `modelId`, `MODEL_ID=`, `model_name:`).
MODEL_WORD = re.compile(r"model", re.IGNORECASE)
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str  # "model" or "sdk"
    value: str  # the catalog key that matched, or the SDK's name
    how: str  # model: "model-field" (on a line that names a model) or "mention"; sdk: "import", "call", "dependency"
    cell: int | None = None  # a notebook's cell, counted from 1
    route_hint: str | None = None  # the distributor an SDK or an id prefix names
    match: Match | None = field(default=None, compare=False)

    @property
    def location(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:{self.line}"
        return f"{self.path}:{self.line}"

    def as_json(self) -> dict:
        return {"location": self.location, "kind": self.kind, "value": self.value, "how": self.how}


def file_type(path: str) -> str | None:
    """What the scanner reads a file as, or None for a file it does not read."""
    name = path.rsplit("/", 1)[-1].lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    if name in MANIFESTS or (name.startswith("requirements") and name.endswith(".txt")):
        return "manifest"
    dot = name.rfind(".")
    if dot <= 0:
        return None
    suffix = name[dot:]
    return CODE_LANGUAGES.get(suffix) or CONFIG_SUFFIXES.get(suffix)


def model_keys(token: str):
    """The keys a token may be: itself, then what is left without a LiteLLM/URL prefix, a Bedrock
    inference-profile region, or an API verb after the id (`…@20240620:streamRawPredict`)."""
    token = token.rstrip(".:/-")
    if not token:
        return
    yield token, None
    if "/" in token:
        head = token.split("/", 1)[0].lower()
        hint = sdks.ROUTE_PREFIXES.get(head)
        parts = token.split("/")
        for start in range(1, len(parts)):
            tail = "/".join(parts[start:])
            if tail:
                yield tail, hint if start == 1 else None
                yield from ((key, hint if start == 1 else None) for key in _id_variants(tail))
    else:
        yield from ((key, None) for key in _id_variants(token))


def _id_variants(token: str):
    # A Bedrock inference profile (`us.anthropic.claude-…`): the route's id, by the catalog's rule.
    region, bare = split_region(token)
    if region:
        yield bare
    if ":" in token:
        head, _, tail = token.rpartition(":")
        if tail.isalpha() and head:
            yield head


# A token that may be an id: a run of id characters that holds a digit or a separator (so plain
# words are rejected by the regular expression itself, not one by one in Python).
MODEL_TOKEN = re.compile(r"(?<![A-Za-z0-9._:@/+-])[A-Za-z0-9][A-Za-z0-9+]*[0-9._:@/-][A-Za-z0-9._:@/+-]*")
# A line longer than this is minified code or data: ids in it are not the code's own choice.
MAX_LINE = 10_000


def lookup(token: str, index: CatalogIndex) -> tuple[Match, str | None] | None:
    """The catalog entry a token names, and the route its prefix names (LiteLLM `bedrock/…`)."""
    match = index.lookup(token)
    if match is not None:
        return match, None
    if "/" in token:
        for key, hint in model_keys(token):
            match = index.lookup(key)
            if match is not None:
                return match, hint
        return None
    # Most dotted tokens are code (`item.amount`): only a region prefix or an API verb is tried.
    for key in _id_variants(token):
        match = index.lookup(key)
        if match is not None:
            return match, None
    return None


class _Lines:
    """Line numbers and line text of offsets, asked for in increasing order (finditer's). The line
    found last is kept, so many hits on one long line cost one search for its ends."""

    def __init__(self, text: str):
        self.text = text
        self.offset = 0
        self.number = 1
        self.start = self.end = -1
        self.line = ""

    def at(self, offset: int) -> tuple[int, str]:
        if offset < self.offset:
            self.offset, self.number, self.start, self.end, self.line = 0, 1, -1, -1, ""
        if not (self.start <= offset < self.end):
            self.number += self.text.count("\n", self.offset, offset)
            self.offset = offset
            self.start = self.text.rfind("\n", 0, offset) + 1
            end = self.text.find("\n", offset)
            self.end = end if end != -1 else len(self.text)
            self.line = self.text[self.start:self.end]
        return self.number, self.line


def find_models(text: str, index: CatalogIndex, *, path: str, cell: int | None = None) -> list[Finding]:
    found = []
    lines = _Lines(text)
    for token_match in MODEL_TOKEN.finditer(text):
        token = token_match.group()
        if len(token) < MIN_KEY_LENGTH:
            continue
        named = lookup(token.rstrip(".:/-"), index)
        if named is None:
            continue
        number, line = lines.at(token_match.start())
        if len(line) > MAX_LINE:
            continue
        how = "model-field" if MODEL_WORD.search(line) else "mention"
        found.append(Finding(path, number, "model", named[0].key, how, cell, named[1], named[0]))
    return found


_SDK_READERS = {
    "python": sdks.in_python_line,
    "js": sdks.in_js_line,
    "go": sdks.in_go_line,
    "java": sdks.in_java_line,
}
# Where an SDK may be imported, found over the whole text; each line found is then read by its reader.
_IMPORT_TRIGGERS = {
    "python": re.compile(r"^[ \t]*(?:from|import)[ \t]", re.MULTILINE),
    "js": re.compile(r"""\bfrom\s*["']|\brequire\s*\(|\bimport\s*[("']"""),
    "go": re.compile(r"\"(?:github\.com|google\.golang\.org|cloud\.google\.com)/"),
    "java": re.compile(r"^[ \t]*import[ \t]", re.MULTILINE),
}


def find_sdks(text: str, kind: str, *, path: str, cell: int | None = None) -> list[Finding]:
    found: list[Finding] = []
    if kind == "manifest":
        for number, line in enumerate(text.split("\n"), start=1):
            found.extend(Finding(path, number, "sdk", sdk.name, how, cell, sdk.route) for sdk, how in sdks.in_manifest_line(line))
        return found
    reader, trigger = _SDK_READERS.get(kind), _IMPORT_TRIGGERS.get(kind)
    if reader is None:
        return found
    offsets = sorted({hit.start() for hit in trigger.finditer(text)} | set(sdks.call_offsets(text)))
    lines = _Lines(text)
    seen = set()
    for offset in offsets:
        number, line = lines.at(offset)
        if number in seen or len(line) > MAX_LINE:
            continue
        seen.add(number)
        found.extend(Finding(path, number, "sdk", sdk.name, how, cell, sdk.route) for sdk, how in reader(line))
    return found


def scan_text(path: str, text: str, index: CatalogIndex, kind: str) -> list[Finding]:
    """Findings of one file read as `kind` (file_type): SDKs first, then model ids, each in line order."""
    if kind == "notebook":
        return _scan_notebook(path, text, index)
    if kind == "env":
        return _scan_env(path, text, index)
    return find_sdks(text, kind, path=path) + find_models(text, index, path=path)


def _scan_env(path: str, text: str, index: CatalogIndex) -> list[Finding]:
    """Only the value of each assignment is looked at, and only kept if it is a model id."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        assignment = ENV_LINE.match(line)
        if not assignment:
            continue
        value = assignment.group(2).strip()
        if value[:1] in "\"'":
            value = value[1:].split(value[0], 1)[0]
        else:
            value = value.split(" #", 1)[0].strip()
        for key, hint in model_keys(value):
            match = index.lookup(key)
            if match is not None:
                found.append(Finding(path, number, "model", match.key, "model-field", None, hint, match))
                break
    return found


def _scan_notebook(path: str, text: str, index: CatalogIndex) -> list[Finding]:
    try:
        notebook = json.loads(text)
    except ValueError:
        return []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return []
    found: list[Finding] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        source = cell.get("source", "")
        source = "".join(part for part in source if isinstance(part, str)) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            found.extend(find_sdks(source, "python", path=path, cell=number))
        found.extend(find_models(source, index, path=path, cell=number))
    return found

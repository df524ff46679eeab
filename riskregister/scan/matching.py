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
from pathlib import PurePosixPath

from riskregister.scan import sdks
from riskregister.scan.index import CatalogIndex, Match, distinctive

CODE_LANGUAGES = {
    ".py": "python", ".pyi": "python",
    ".js": "js", ".jsx": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".tsx": "js", ".mts": "js", ".cts": "js",
    ".go": "go", ".java": "java", ".kt": "java",
}
CONFIG_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".ipynb": "notebook"}
MANIFESTS = {"package.json", "pyproject.toml", "go.mod", "pipfile"}

# Ids are made of these; anything else (quotes, spaces, brackets, '=') ends a token.
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]*")
# A line that names a model (`model=`, `"model":`, `modelId`, `MODEL_ID=`, `model_name:`).
MODEL_WORD = re.compile(r"model", re.IGNORECASE)
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")
REGION_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.")


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
    name = PurePosixPath(path).name.lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    if name in MANIFESTS:
        return "manifest"
    if name.startswith("requirements") and name.endswith(".txt"):
        return "manifest"
    suffix = PurePosixPath(name).suffix
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
    lowered = token.lower()
    for prefix in REGION_PREFIXES:
        if lowered.startswith(prefix) and len(token) > len(prefix):
            yield token[len(prefix):]
            break
    if ":" in token:
        head, _, tail = token.rpartition(":")
        if tail.isalpha() and head:
            yield head


def find_models(line: str, index: CatalogIndex, *, path: str, number: int, cell: int | None = None) -> list[Finding]:
    found = []
    how = "model-field" if MODEL_WORD.search(line) else "mention"
    for token in TOKEN.findall(line):
        if not distinctive(token):
            continue
        for key, hint in model_keys(token):
            match = index.lookup(key)
            if match is not None:
                found.append(Finding(path, number, "model", match.key, how, cell, hint, match))
                break
    return found


_SDK_READERS = {
    "python": sdks.in_python_line,
    "js": sdks.in_js_line,
    "go": sdks.in_go_line,
    "java": sdks.in_java_line,
    "manifest": sdks.in_manifest_line,
}


def scan_text(path: str, text: str, index: CatalogIndex, kind: str) -> list[Finding]:
    """Findings of one file read as `kind` (file_type)."""
    if kind == "notebook":
        return _scan_notebook(path, text, index)
    if kind == "env":
        return _scan_env(path, text, index)
    sdk_reader = _SDK_READERS.get(kind)
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > 10_000:  # a minified or data line: ids in it are not the code's choice
            continue
        if sdk_reader is not None:
            for sdk, how in sdk_reader(line):
                found.append(Finding(path, number, "sdk", sdk.name, how, None, sdk.route))
        found.extend(find_models(line, index, path=path, number=number))
    return found


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
        for line_number, line in enumerate(source.splitlines(), start=1):
            if cell.get("cell_type") == "code":
                for sdk, how in sdks.in_python_line(line):
                    found.append(Finding(path, line_number, "sdk", sdk.name, how, number, sdk.route))
            found.extend(find_models(line, index, path=path, number=line_number, cell=number))
    return found

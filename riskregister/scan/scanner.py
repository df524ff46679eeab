"""Walk a source tree or a zip archive and collect findings. Never runs anything it reads.

- `scan_tree(root, index)`: a folder on disk. Symbolic links are not followed at all (a link to a
  file or a folder is skipped and counted), so nothing outside the tree is read; files are opened
  with O_NOFOLLOW so a link swapped in after the listing is refused too.
- `scan_archive(content, index)`: a zip in memory (archive.py checks it first); nothing is written
  to disk.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from riskregister.scan import archive, files
from riskregister.scan.index import CatalogIndex
from riskregister.scan.matching import Finding, file_type, scan_text

Progress = Callable[[int, int], None]


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    tally: files.Tally = field(default_factory=files.Tally)


def _noop(done: int, total: int) -> None:
    pass


def scan_file(path: str, content: bytes, index: CatalogIndex, result: ScanResult) -> None:
    """Scan one file's bytes (already past the name checks and the size cap)."""
    reason = files.skip_by_content(content)
    text = files.decode(content) if reason is None else None
    if reason is None and text is None:
        reason = "binary"
    if reason is not None:
        result.tally.skip(reason)
        return
    result.tally.read += 1
    result.tally.bytes_read += len(content)
    result.findings.extend(scan_text(path, text, index, file_type(path)))


def _walk(root: Path, tally: files.Tally) -> Iterator[tuple[str, int]]:
    """(relative path, size) of each regular file to read, depth first, in name order."""
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            with os.scandir(root / relative if relative else root) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            tally.skip("unreadable")
            continue
        folders = []
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_symlink():
                tally.skip("symlink")
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                tally.skip("unreadable")
                continue
            if stat.S_ISDIR(info.st_mode):
                if files.vendored((entry.name,)):
                    tally.skip("vendored folder")
                else:
                    folders.append(path)
                continue
            if not stat.S_ISREG(info.st_mode):
                tally.skip("not a regular file")
                continue
            yield path, info.st_size
        stack.extend(reversed(folders))


def _read(path: Path, limit: int) -> bytes | None:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(limit + 1)


def scan_tree(root: Path | str, index: CatalogIndex, *, limits: files.Limits = files.Limits(),
              progress: Progress = _noop) -> ScanResult:
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    result = ScanResult()
    tally = result.tally
    total = 0
    for path, size in _walk(root, tally):
        reason = files.skip_by_name(path)
        if reason is None and size > limits.max_file_bytes:
            reason = "too large"
        if reason is not None:
            tally.skip(reason)
            continue
        if tally.read >= limits.max_files or total + size > limits.max_total_bytes:
            tally.truncated = True
            break
        content = _read(root / path, limits.max_file_bytes)
        if content is None:
            tally.skip("unreadable")
            continue
        if len(content) > limits.max_file_bytes:
            tally.skip("too large")
            continue
        total += len(content)
        scan_file(path, content, index, result)
        progress(tally.read, 0)
    return result


def scan_archive(content: bytes, index: CatalogIndex, *, limits: files.Limits = files.Limits(),
                 progress: Progress = _noop) -> ScanResult:
    """Scan a zip's members. Raises archive.ArchiveRefused (a bomb, a member outside the tree, not
    a zip) before reading any member."""
    result = ScanResult()
    members = archive.members(content, limits=limits, tally=result.tally)
    total = len(members)
    for number, (path, data) in enumerate(archive.read(content, members, limits=limits, tally=result.tally), start=1):
        scan_file(path, data, index, result)
        progress(number, total)
    return result


def scan_members(members: Iterable[tuple[str, bytes]], index: CatalogIndex) -> ScanResult:
    """Scan (path, bytes) pairs, for tests and callers that hold files in memory."""
    result = ScanResult()
    for path, content in members:
        reason = files.skip_by_name(path)
        if reason is not None:
            result.tally.skip(reason)
            continue
        scan_file(path, content, index, result)
    return result

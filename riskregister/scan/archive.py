"""Reading an uploaded zip safely, in memory: refuse it whole, before reading a member, if it is
not a zip, holds a member whose path leaves the tree (`../`, an absolute path, a drive letter), has
more members than the cap, or would unpack to more than the cap (the declared sizes), or has a
member compressed more than `max_ratio` times (a zip bomb). Sizes are checked again while reading:
a member may not unpack to more than it declared. Links in the archive are skipped, never followed.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from collections.abc import Iterator

from riskregister.scan import files

# Below this a member's ratio does not matter (a small file of spaces compresses well).
RATIO_FLOOR_BYTES = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveRefused(ValueError):
    """The upload is refused as a whole; the message says why, for the uploader."""


def _safe_name(name: str) -> str:
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise ArchiveRefused(f"The archive is refused: member {name!r} has an absolute path.")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ArchiveRefused(f"The archive is refused: member {name!r} points outside the archive (..).")
    return "/".join(parts)


def members(content: bytes, *, limits: files.Limits, tally: files.Tally) -> list[tuple[zipfile.ZipInfo, str]]:
    """The members to read (info, clean path), after checking the whole archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ArchiveRefused(f"Not a readable zip file: {error}") from None
    with archive:
        infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveRefused(f"The archive is refused: it has {len(infos)} entries, more than {limits.max_members}.")
    declared = 0
    chosen = []
    for info in infos:
        path = _safe_name(info.filename)
        declared += info.file_size
        if declared > limits.max_total_bytes:
            raise ArchiveRefused(
                f"The archive is refused: it unpacks to more than {limits.max_total_bytes // (1024 * 1024)} MiB."
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ArchiveRefused(
                f"The archive is refused: member {info.filename!r} is compressed {info.file_size // max(info.compress_size, 1)}"
                f" times (a zip bomb?); at most {limits.max_ratio} is accepted."
            )
        chosen.append((info, path))
    kept = []
    for info, path in chosen:
        if info.is_dir() or not path:
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            tally.skip("symlink")
            continue
        if info.flag_bits & 0x1:
            tally.skip("encrypted")
            continue
        reason = files.skip_by_name(path)
        if reason is None and info.file_size > limits.max_file_bytes:
            reason = "too large"
        if reason is not None:
            tally.skip(reason)
            continue
        kept.append((info, path))
    return kept


def read(content: bytes, chosen: list[tuple[zipfile.ZipInfo, str]], *, limits: files.Limits,
         tally: files.Tally) -> Iterator[tuple[str, bytes]]:
    """Each chosen member's path and bytes; at most `max_files` of them."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for number, (info, path) in enumerate(chosen):
            if number >= limits.max_files:
                tally.truncated = True
                return
            try:
                with archive.open(info) as member:
                    data = member.read(limits.max_file_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
                raise ArchiveRefused(f"The archive is refused: member {info.filename!r} cannot be read ({error}).") from None
            if len(data) > limits.max_file_bytes or len(data) > info.file_size:
                raise ArchiveRefused(f"The archive is refused: member {info.filename!r} unpacks to more than it declares.")
            total += len(data)
            if total > limits.max_total_bytes:
                raise ArchiveRefused("The archive is refused: it unpacks to more than it declares.")
            yield path, data

"""Byte ranges of remote token files kept on disk, so a restarted client does not download them again.

One directory per file (named by a hash of its URL) holds ``meta.json`` (URL, size and the server's validator:
its ETag or Last-Modified), ``data`` (a sparse file of the remote file's size, the cached bytes at their own
offsets) and ``ranges`` (an append-only log of ``start end`` lines, each written only after its bytes are in
``data``). A process killed mid-write leaves at worst an unlogged range (fetched again) or a torn last line
(ignored). When the server reports a different size or validator for the URL, the old bytes are dropped.
Several processes may share one cache (two clients of one machine): they write the same bytes at the same offsets,
never truncate ``data``, and take turns on an entry's setup (``<entry>.lock`` beside it), so that none mistakes an
entry another one is still setting up for a damaged one.
"""

from __future__ import annotations

import bisect
import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

__all__ = ["RangeCache", "CachedFile"]

META_FILE = "meta.json"
DATA_FILE = "data"
RANGES_FILE = "ranges"


class CachedFile:
    """The cached parts of one remote file: which byte ranges are held, and their bytes."""

    def __init__(self, directory: Path, url: str, size: int, validator: str) -> None:
        self.directory = directory
        self.size = size
        _open_entry(directory, {"url": url, "size": size, "validator": validator})
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in _read_ranges(directory / RANGES_FILE, size):
            self._add(start, end)

    def _add(self, start: int, end: int) -> None:
        """Merge ``[start, end)`` into the sorted, disjoint intervals held."""
        i = bisect.bisect_left(self._ends, start)
        j = bisect.bisect_right(self._starts, end)
        if i < j:
            start, end = min(start, self._starts[i]), max(end, self._ends[j - 1])
        self._starts[i:j] = [start]
        self._ends[i:j] = [end]

    def missing(self, start: int, end: int) -> list[tuple[int, int]]:
        """The gaps of ``[start, end)`` not yet cached, in order.

        >>> import tempfile
        >>> cached = CachedFile(Path(tempfile.mkdtemp()) / "f", "http://x/a.bin", 100, "")
        >>> cached.store(10, b"x" * 10); cached.store(30, b"y" * 5)
        >>> cached.missing(0, 40)
        [(0, 10), (20, 30), (35, 40)]
        """
        gaps = []
        position = start
        i = bisect.bisect_right(self._ends, start)
        while position < end and i < len(self._starts):
            if self._starts[i] > position:
                gaps.append((position, min(self._starts[i], end)))
            position = max(position, self._ends[i])
            i += 1
        if position < end:
            gaps.append((position, end))
        return gaps

    def store(self, start: int, data: bytes) -> None:
        """Keep ``data`` (the file's bytes from ``start``), then log the range as held."""
        if not data:
            return
        descriptor = os.open(self.directory / DATA_FILE, os.O_WRONLY | os.O_CREAT, 0o644)  # another may have made it
        with os.fdopen(descriptor, "wb") as handle:
            handle.seek(start)
            handle.write(data)
        with (self.directory / RANGES_FILE).open("a") as log:
            log.write(f"{start} {start + len(data)}\n")
        self._add(start, start + len(data))

    def read(self, start: int, end: int) -> bytes:
        """The cached bytes of ``[start, end)``; the caller has checked that nothing is missing."""
        with (self.directory / DATA_FILE).open("rb") as handle:
            handle.seek(start)
            return handle.read(end - start)


def _open_entry(directory: Path, meta: dict[str, object]) -> None:
    """Make ``directory`` the entry of the file ``meta`` describes, keeping what it holds if it already is."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with directory.with_name(f"{directory.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when its process dies
        if _read_json(directory / META_FILE) == meta:
            return
        if directory.exists():
            shutil.rmtree(directory)  # another file now lives at this URL (or the entry was damaged)
        directory.mkdir()
        (directory / META_FILE).write_text(json.dumps(meta))  # a torn write reads as damage: the entry is redone


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _read_ranges(path: Path, size: int) -> list[tuple[int, int]]:
    """The logged ranges that are well-formed and inside the file (a torn or foreign line is skipped)."""
    if not path.is_file():
        return []
    ranges = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and all(part.isdigit() for part in parts):
            start, end = int(parts[0]), int(parts[1])
            if start < end <= size:
                ranges.append((start, end))
    return ranges


class RangeCache:
    """A cache directory holding one :class:`CachedFile` per remote file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def file(self, url: str, size: int, validator: str) -> CachedFile:
        """The cached parts of ``url`` as the server describes it now (size and validator)."""
        name = hashlib.sha256(url.encode()).hexdigest()[:32]
        return CachedFile(self.root / name, url, size, validator)

"""The on-disk range cache shared by several client processes (``client/data/http/cache.py``)."""

from __future__ import annotations

import json
import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from client.data.http.cache import META_FILE, RangeCache

URL = "http://127.0.0.1:1/tokens-{}.bin"
PROCESSES = 4
FILES = 100


def _open_and_store(root: str, start: int, barrier: Barrier) -> None:
    """One client process: open every file's entry and cache a few of its bytes, as a fresh client does."""
    cache = RangeCache(Path(root))
    barrier.wait(timeout=60)  # all at once, so that they meet on the same new entries
    for i in range(FILES):
        cache.file(URL.format(i), 64, "v1").store(start, bytes([start]) * 8)


def test_processes_opening_the_same_new_entries_at_once_keep_each_others_bytes(tmp_path: Path) -> None:
    # Two clients of one machine share DATA_CACHE_DIR. Before processes took turns on an entry's setup, one could
    # find the directory of an entry the other was still setting up, take it for damage and delete it under the
    # other (which then failed with "the data cache directory ... cannot be used"); and both could create ``data``
    # at once, the second truncating the bytes the first had already logged as held.
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    workers = [context.Process(target=_open_and_store, args=(str(tmp_path), 8 * n, barrier)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    cache = RangeCache(tmp_path)
    for i in range(FILES):
        cached = cache.file(URL.format(i), 64, "v1")
        assert cached.missing(0, 8 * PROCESSES) == []  # every process's bytes are there
        assert cached.read(0, 8 * PROCESSES) == b"".join(bytes([8 * n]) * 8 for n in range(PROCESSES))
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == FILES  # one entry per file


def test_an_entry_for_another_version_of_the_file_is_replaced(tmp_path: Path) -> None:
    cache = RangeCache(tmp_path)
    cache.file(URL.format(0), 64, "v1").store(0, b"old!")
    replaced = cache.file(URL.format(0), 32, "v2")
    assert replaced.missing(0, 32) == [(0, 32)]  # the old version's bytes are gone
    (entry,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert json.loads((entry / META_FILE).read_text()) == {"url": URL.format(0), "size": 32, "validator": "v2"}


def test_an_entry_without_its_meta_file_is_replaced(tmp_path: Path) -> None:
    cache = RangeCache(tmp_path)
    entry = cache.file(URL.format(0), 64, "v1")
    entry.store(0, b"kept")
    (entry.directory / META_FILE).unlink()  # damaged (or left by an older version)
    again = cache.file(URL.format(0), 64, "v1")
    assert again.missing(0, 4) == [(0, 4)]
    assert (again.directory / META_FILE).is_file()

"""The ``Http`` data provider: samples of token files read over HTTP, mapped exactly as spec client-training.md §6.

Sample i is sequence pointer i over the location's files (:class:`~client.data.sequences.SequenceIndex` with one
spare token per file, as the reference's HTTP provider keeps); each sample is ``seq_len`` tokens. Consecutive
samples of one file are read with one range request, others with one request each, all in flight at once within
the fetcher's limit. With a cache directory every byte read is kept on disk (:mod:`client.data.http.cache`), so a
restarted client reads what it already has from there instead of the server.

The trainer calls :meth:`HttpDataProvider.get_samples` from its worker thread; the provider runs its own event loop
in a daemon thread for the aiohttp session, so the client's main loop never waits on the data server.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from client.data.errors import DataError
from client.data.http.cache import CachedFile, RangeCache
from client.data.http.fetch import HttpSettings, RangeFetcher, RemoteFile
from client.data.http.locations import remote_files
from client.data.sequences import SequenceIndex, SequencePointer
from coordinator_program.core.data_assignment import BatchId
from coordinator_program.core.types import HttpLLMTrainingDataLocation, ShuffleTag, TokenSize
from formats.token_files import token_bytes

__all__ = ["HttpDataProvider", "open_http_dataset"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_DTYPE: dict[TokenSize, np.dtype[Any]] = {TokenSize.TwoBytes: np.dtype("<u2"), TokenSize.FourBytes: np.dtype("<u4")}


class _EventLoopThread:
    """An asyncio loop in a daemon thread, for synchronous callers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="http-data", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class HttpDataProvider:
    """Samples of remote token files; build it with :func:`open_http_dataset`."""

    def __init__(
        self,
        files: list[RemoteFile],
        seq_len: int,
        token_size: TokenSize,
        fetcher: RangeFetcher,
        runner: _EventLoopThread,
        cache: RangeCache | None,
    ) -> None:
        self.files = files
        self.seq_len = seq_len
        self.token_size = token_size
        width = token_bytes(token_size)
        self.index = SequenceIndex([file.size for file in files], seq_len * width, spare_bytes=width)
        self._fetcher = fetcher
        self._runner = runner
        atexit.register(self.close)  # a client that just exits still closes its connections cleanly
        try:
            self._cached: list[CachedFile | None] = [
                None if cache is None else cache.file(file.url, file.size, file.validator) for file in files
            ]
        except OSError as exc:
            assert cache is not None  # only the cache touches the disk here
            raise DataError(f"the data cache directory {str(cache.root)!r} cannot be used: {exc}") from exc

    def num_sequences(self) -> int:
        """Samples available (the largest valid index plus one)."""
        return len(self.index)

    def get_samples(self, batch: BatchId) -> torch.Tensor:
        """The batch's samples, in index order, as int64 [len(batch), seq_len]; DataError when unreadable."""
        if batch.start < 0 or batch.end >= len(self.index):
            raise DataError(f"index {batch.end} is out of bounds, we only have {len(self.index)} samples")
        pointers = [self.index.pointer(i) for i in range(batch.start, batch.end + 1)]
        raw = self._runner.run(self._read_runs(_contiguous_runs(pointers, self.index.sequence_bytes)))
        tokens = np.frombuffer(raw, dtype=_DTYPE[self.token_size]).astype(np.int64)
        return torch.from_numpy(tokens.reshape(len(pointers), self.seq_len))

    async def _read_runs(self, runs: list[tuple[int, int, int]]) -> bytes:
        parts = await asyncio.gather(*(self._read(file_index, start, end) for file_index, start, end in runs))
        return b"".join(parts)

    async def _read(self, file_index: int, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a file: what the cache lacks from the server, the rest from the cache."""
        url = self.files[file_index].url
        cached = self._cached[file_index]
        if cached is None:
            return await self._fetcher.read_range(url, start, end)
        gaps = cached.missing(start, end)
        fetched = await asyncio.gather(*(self._fetcher.read_range(url, a, b) for a, b in gaps))
        try:
            for (a, _), data in zip(gaps, fetched, strict=True):
                cached.store(a, data)
            return cached.read(start, end)
        except OSError as exc:  # a full or unwritable disk costs the cache, not the training
            log.warning("data cache %s unusable (%s): reading %s directly", cached.directory, exc, url)
            return await self._fetcher.read_range(url, start, end)

    def close(self) -> None:
        """Close the HTTP session and stop the provider's loop thread (once; also at exit if never called)."""
        atexit.unregister(self.close)
        if self._runner.loop.is_closed():
            return
        self._runner.run(self._fetcher.close())
        self._runner.stop()


def _contiguous_runs(pointers: list[SequencePointer], sequence_bytes: int) -> list[tuple[int, int, int]]:
    """(file, start, end) byte ranges covering ``pointers`` in order, consecutive samples of a file merged.

    >>> _contiguous_runs([SequencePointer(0, 0), SequencePointer(0, 4), SequencePointer(1, 0)], 4)
    [(0, 0, 8), (1, 0, 4)]
    """
    runs: list[tuple[int, int, int]] = []
    for pointer in pointers:
        if runs and runs[-1][0] == pointer.file_index and runs[-1][2] == pointer.byte_offset:
            runs[-1] = (pointer.file_index, runs[-1][1], pointer.byte_offset + sequence_bytes)
        else:
            runs.append((pointer.file_index, pointer.byte_offset, pointer.byte_offset + sequence_bytes))
    return runs


def open_http_dataset(
    location: HttpLLMTrainingDataLocation,
    seq_len: int,
    cache_dir: Path | None = None,
    settings: HttpSettings | None = None,
) -> HttpDataProvider:
    """Size the location's files (HEAD, or a bucket listing) and build its provider; DataError when it cannot."""
    if seq_len < 1:
        raise DataError(f"seq_len must be at least 1, got {seq_len}")
    if ShuffleTag(location.shuffle.kind) is ShuffleTag.Seeded:
        raise DataError("Http data with a Seeded shuffle: this client cannot reproduce the reference's shuffle")
    token_size = TokenSize(location.token_size_in_bytes)
    runner = _EventLoopThread()
    fetcher = RangeFetcher(settings or HttpSettings())
    try:
        files = runner.run(remote_files(location.location, fetcher))
        provider = HttpDataProvider(
            files, seq_len, token_size, fetcher, runner, None if cache_dir is None else RangeCache(cache_dir)
        )
    except BaseException:
        runner.run(fetcher.close())
        runner.stop()
        raise
    log.info("HTTP data: %d files with %d sequences", len(files), provider.num_sequences())
    if provider.num_sequences() == 0:
        provider.close()
        raise DataError(f"the {len(files)} HTTP data files hold no whole sequence of {seq_len} tokens")
    return provider

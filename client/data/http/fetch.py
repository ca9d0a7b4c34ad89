"""HTTP range reads of token files with aiohttp: bounded in time, size and concurrency, retried with backoff.

The reference (spec client-training.md §0, §6) sizes each file with a HEAD (Content-Length, 3 at a time), reads
with ``Range: bytes=a-b`` (5 s timeout per request) and accepts only a 2xx answer of exactly the asked length; a
failed fetch is retried 7 times, ``2 s * (attempt - 1)`` apart. The same here, with two safeguards against a
hostile or broken server: a body is read to at most one byte past the asked length (a server that ignores
``Range`` and sends a 40 GB file costs one extra byte, not 40 GB), and a 4xx answer other than 408/429 fails at
once instead of being retried for a minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from client.data.errors import HttpDataError
from client.errors import ClientError

__all__ = ["HttpSettings", "RemoteFile", "RangeFetcher"]

log = logging.getLogger(__name__)

RETRYABLE_4XX = frozenset({408, 429})
T = TypeVar("T")


@dataclass(frozen=True)
class HttpSettings:
    """Limits of the HTTP data provider (the reference's values by default)."""

    request_timeout: float = 5.0
    retries: int = 7
    retry_delay: float = 2.0
    """Delay before retry n is ``retry_delay * n``."""
    max_concurrent_requests: int = 8
    max_concurrent_heads: int = 3
    max_files: int = 100_000
    max_listing_bytes: int = 32 << 20
    """Largest JSON page a bucket listing may send."""


@dataclass(frozen=True)
class RemoteFile:
    """A token file on a server: its URL, its size, and what identifies its version (ETag or Last-Modified)."""

    url: str
    size: int
    validator: str = ""


class _Retryable(ClientError):
    """A failure worth another try (timeout, connection, 5xx, short body)."""


class RangeFetcher:
    """One aiohttp session for a provider's HEADs, range GETs and listings; use inside one event loop."""

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._requests = asyncio.Semaphore(settings.max_concurrent_requests)
        self._heads = asyncio.Semaphore(settings.max_concurrent_heads)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self.settings.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout, auto_decompress=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _retrying(self, what: str, attempt_once: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt_once()`` with the retry policy; HttpDataError when out of tries."""
        last: Exception | None = None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                await asyncio.sleep(self.settings.retry_delay * attempt)
            try:
                return await attempt_once()
            except _Retryable as exc:
                last = exc
                log.warning("%s: %s (attempt %d of %d)", what, exc, attempt + 1, self.settings.retries + 1)
        raise HttpDataError(f"{what}: {last} (gave up after {self.settings.retries + 1} attempts)")

    @staticmethod
    def _check_status(response: aiohttp.ClientResponse, what: str) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        if status >= 500 or status in RETRYABLE_4XX:
            raise _Retryable(f"server answered {status} {response.reason}")
        raise HttpDataError(f"{what}: server answered {status} {response.reason}")

    async def head(self, url: str) -> RemoteFile:
        """The file's size (Content-Length of a HEAD) and validator."""

        async def once() -> RemoteFile:
            try:
                async with self._heads, self._client().head(url, allow_redirects=True) as response:
                    self._check_status(response, f"HEAD {url}")
                    length = response.headers.get("Content-Length", "")
                    if not length.isdigit():
                        raise HttpDataError(f"HEAD {url}: no valid Content-Length (got {length!r})")
                    validator = response.headers.get("ETag") or response.headers.get("Last-Modified") or ""
                    return RemoteFile(url, int(length), validator[:256])
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _Retryable(f"{type(exc).__name__} {exc}") from exc

        return await self._retrying(f"HEAD {url}", once)

    async def sizes(self, urls: list[str]) -> list[RemoteFile]:
        """HEAD every URL (a few at a time), in order."""
        return list(await asyncio.gather(*(self.head(url) for url in urls)))

    async def read_range(self, url: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of ``url``: a 2xx answer of exactly that length, or HttpDataError."""
        length = end - start
        what = f"GET {url} bytes {start}-{end - 1}"

        async def once() -> bytes:
            headers = {"Range": f"bytes={start}-{end - 1}", "Accept-Encoding": "identity"}
            try:
                async with self._requests, self._client().get(url, headers=headers) as response:
                    self._check_status(response, what)
                    content_range = response.headers.get("Content-Range")
                    if content_range is not None and not content_range.startswith(f"bytes {start}-{end - 1}/"):
                        raise HttpDataError(f"{what}: server sent another range ({content_range})")
                    body = await _read_at_most(response, length + 1)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _Retryable(f"{type(exc).__name__} {exc}") from exc
            if len(body) < length:
                raise _Retryable(f"got {len(body)} of the {length} bytes asked for (truncated)")
            if len(body) > length:
                raise HttpDataError(f"{what}: server sent more than the {length} bytes asked for (Range ignored?)")
            return body

        return await self._retrying(what, once)

    async def get_json(self, url: str, params: dict[str, str]) -> object:
        """A JSON document of at most ``max_listing_bytes`` (a bucket listing page)."""

        async def once() -> object:
            try:
                async with self._requests, self._client().get(url, params=params) as response:
                    self._check_status(response, f"GET {url}")
                    body = await _read_at_most(response, self.settings.max_listing_bytes + 1)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise _Retryable(f"{type(exc).__name__} {exc}") from exc
            if len(body) > self.settings.max_listing_bytes:
                raise HttpDataError(f"GET {url}: listing larger than {self.settings.max_listing_bytes} bytes")
            try:
                return json.loads(body)
            except ValueError as exc:
                raise HttpDataError(f"GET {url}: not JSON ({exc})") from exc

        return await self._retrying(f"GET {url}", once)


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, stopping once ``limit`` bytes are in (the connection is then dropped, not drained)."""
    chunks: list[bytes] = []
    received = 0
    while received < limit:
        chunk = await response.content.read(min(1 << 16, limit - received))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)

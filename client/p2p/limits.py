"""How much, how long and how slowly a peer may send: the bounds on every download from a peer.

A blob is read in pieces, never whole: a declared ``Content-Length`` above the limit is refused before a byte is
read, a body that runs past it is cut off, and a transfer whose average rate stays under ``min_bytes_per_sec``
once ``grace`` seconds have passed is abandoned, so the caller can try another holder. One peer can thus cost an
honest client at most ``max_bytes`` of memory and ``timeout`` seconds per attempt, however it behaves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

from client.errors import ClientError

__all__ = ["DownloadLimits", "DownloadRefused", "DownloadTooLarge", "read_body"]

READ_PIECE_BYTES = 64 * 1024


class DownloadRefused(ClientError, RuntimeError):
    """A peer's response broke a limit (too large, too slow, or not a plain 200): the download was abandoned."""


class DownloadTooLarge(DownloadRefused):
    """The body is (or says it is) larger than allowed."""


@dataclass(frozen=True)
class DownloadLimits:
    """Per attempt at one peer: ``timeout`` in all, ``grace`` seconds before the rate is judged (and the longest
    silence tolerated), after which the average must reach ``min_bytes_per_sec``. The ``train`` options
    ``--p2p-download-timeout``, ``--p2p-download-grace`` and ``--p2p-min-download-rate`` set them."""

    timeout: float = 60.0
    grace: float = 3.0
    min_bytes_per_sec: float = 64 * 1024

    def client_timeout(self) -> aiohttp.ClientTimeout:
        """The socket-level part: the whole attempt, and the longest wait for the next bytes."""
        return aiohttp.ClientTimeout(total=self.timeout, sock_connect=self.grace, sock_read=self.grace)


async def read_body(response: aiohttp.ClientResponse, max_bytes: int, limits: DownloadLimits) -> bytes:
    """The body of ``response``, at most ``max_bytes`` of it, at the limits' pace; :class:`DownloadRefused` if not."""
    if response.status != 200:
        raise DownloadRefused(f"status {response.status}")
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise DownloadTooLarge(f"declares {declared:,} bytes, more than the {max_bytes:,} allowed")
    started = time.monotonic()
    body = bytearray()
    while True:
        piece = await response.content.read(READ_PIECE_BYTES)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_bytes:
            raise DownloadTooLarge(f"sent more than the {max_bytes:,} bytes allowed")
        elapsed = time.monotonic() - started
        if elapsed > limits.grace and len(body) / elapsed < limits.min_bytes_per_sec:
            raise DownloadRefused(
                f"too slow: {len(body):,} bytes in {elapsed:.1f} s, under {limits.min_bytes_per_sec:,.0f} bytes/s"
            )

"""Transaction logs framed exactly as Agave frames them, which anchorpy's parsers rely on."""

from __future__ import annotations

import base64
from functools import lru_cache

from solders.pubkey import Pubkey

# Agave truncates a transaction's logs past this many bytes and ends them with "Log truncated".
LOG_BYTES_LIMIT = 10_000


@lru_cache(maxsize=256)
def _base58(program_id: Pubkey) -> str:
    """A program's address as logs print it; encoded once, as every instruction logs it three times."""
    return str(program_id)


class LogCollector:
    """Accumulates one transaction's log lines, truncating as the runtime does."""

    __slots__ = ("lines", "_bytes", "_truncated")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._bytes = 0
        self._truncated = False

    def append(self, line: str) -> None:
        if self._truncated:
            return
        self._bytes += len(line)
        if self._bytes > LOG_BYTES_LIMIT:
            self._truncated = True
            self.lines.append("Log truncated")
            return
        self.lines.append(line)

    def invoke(self, program_id: Pubkey, stack_height: int) -> None:
        self.append(f"Program {_base58(program_id)} invoke [{stack_height}]")

    def program_log(self, message: str) -> None:
        self.append(f"Program log: {message}")

    def program_data(self, chunks: tuple[bytes, ...]) -> None:
        self.append("Program data: " + " ".join(base64.b64encode(chunk).decode() for chunk in chunks))

    def program_return(self, program_id: Pubkey, data: bytes) -> None:
        self.append(f"Program return: {_base58(program_id)} {base64.b64encode(data).decode()}")

    def consumed(self, program_id: Pubkey, used: int, available: int) -> None:
        self.append(f"Program {_base58(program_id)} consumed {used} of {available} compute units")

    def success(self, program_id: Pubkey) -> None:
        self.append(f"Program {_base58(program_id)} success")

    def failure(self, program_id: Pubkey, message: str) -> None:
        self.append(f"Program {_base58(program_id)} failed: {message}")

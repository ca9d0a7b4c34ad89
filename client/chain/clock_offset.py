"""``PSYCHE_EMBEDDED_CLOCK_OFFSET_S``, a testing aid: how far the embedded chain's clock runs ahead of the wall clock.

Its own small module so that the CLI's help can name it without importing the ledger (and the programs).
"""

from __future__ import annotations

import os

from client.chain.backend import ChainUnavailable

__all__ = ["CLOCK_OFFSET_ENV", "clock_offset_from_env"]

CLOCK_OFFSET_ENV = "PSYCHE_EMBEDDED_CLOCK_OFFSET_S"


def clock_offset_from_env() -> int:
    """Seconds ``PSYCHE_EMBEDDED_CLOCK_OFFSET_S`` adds to the embedded chain's clock (0 when unset)."""
    text = os.environ.get(CLOCK_OFFSET_ENV, "").strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise ChainUnavailable(f"{CLOCK_OFFSET_ENV} must be a whole number of seconds, got {text!r}") from None

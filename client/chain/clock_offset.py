"""``PSYCHE_EMBEDDED_CLOCK_OFFSET_S``, a testing aid: how far the embedded chain's clock runs ahead of the wall clock.

The name is a module of its own so that the CLI's help can show it without importing the ledger (and the
programs); :func:`client.chain.ledger.clock_offset_from_env` reads it.
"""

from __future__ import annotations

__all__ = ["CLOCK_OFFSET_ENV"]

CLOCK_OFFSET_ENV = "PSYCHE_EMBEDDED_CLOCK_OFFSET_S"

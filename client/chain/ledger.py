"""A bank persisted in a ledger directory, opened the way ``psyche-validator`` opens it, for the embedded backend.

The directory layout, its lock and the SQLite store are the ones the validator opens (:mod:`emulator.ledger_sqlite`),
so ``psyche-validator --ledger DIR`` can later serve a ledger the CLI built, and the lock keeps a command and a
validator from writing one ledger at the same time. The bank follows the wall clock and resumes after the ledger's
last slot.

``PSYCHE_EMBEDDED_CLOCK_OFFSET_S`` (a testing aid) moves the embedded chain's unix time that many seconds ahead
of the wall clock, so a test can let a run's phases time out without sleeping. Chain time never goes back: a
ledger whose last block is later than the clock resumes at that block's time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from client.chain.backend import ChainUnavailable
from client.chain.clock_offset import CLOCK_OFFSET_ENV
from coordinator_program.mode import ProgramMode
from emulator import Bank
from emulator.constants import DEFAULT_SLOT_MS
from emulator.ledger_sqlite import LedgerDirectory, LedgerInUse, SqliteLedgerStore, resumed_clock
from validator.genesis_mode import LedgerModeMismatch, genesis_programs

__all__ = ["CLOCK_OFFSET_ENV", "open_ledger_bank", "clock_offset_from_env"]


def clock_offset_from_env() -> int:
    """Seconds ``PSYCHE_EMBEDDED_CLOCK_OFFSET_S`` adds to the embedded chain's clock (0 when unset)."""
    text = os.environ.get(CLOCK_OFFSET_ENV, "").strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise ChainUnavailable(f"{CLOCK_OFFSET_ENV} must be a whole number of seconds, got {text!r}") from None


@contextmanager
def open_ledger_bank(
    directory: Path, clock_offset_s: int = 0, mode: ProgramMode = ProgramMode.FAITHFUL
) -> Iterator[Bank]:
    """The bank of the ledger in ``directory`` (created on first use, in ``mode``), locked and closed around the block.

    :class:`ChainUnavailable` says why the ledger cannot be opened (the caller names the directory).
    """
    ledger = LedgerDirectory(directory)
    try:
        ledger.open(reset=False)
    except LedgerInUse:
        raise ChainUnavailable(
            "it is in use by another process (a psyche-validator serving it? then pass its URL with --rpc)"
        ) from None
    except OSError as exc:
        raise ChainUnavailable(f"cannot open it: {exc.strerror or exc}") from exc
    try:
        store = SqliteLedgerStore(ledger.database)
        try:
            try:
                programs = genesis_programs(store, mode)
            except LedgerModeMismatch as exc:
                raise ChainUnavailable(str(exc)) from exc
            yield Bank(programs, ledger=store, clock=resumed_clock(store, DEFAULT_SLOT_MS, clock_offset_s))
        finally:
            store.close()
    finally:
        ledger.close()

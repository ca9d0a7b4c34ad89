"""The ledger directory (``--ledger``, default ``test-ledger``): its files, its lock, and ``--reset``.

One validator at a time may own a ledger: two banks appending to one file would each believe
they hold the only copy of the state. The directory also keeps the faucet's keypair, as
solana-test-validator does, so a user can fund accounts with ``solana transfer`` from it.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO

from emulator import FAUCET_KEYPAIR
from emulator.errors import EmulatorError

__all__ = ["LedgerDirectory", "LedgerInUse"]

LEDGER_FILE = "ledger.sqlite3"
LOCK_FILE = "ledger.lock"
FAUCET_KEYPAIR_FILE = "faucet-keypair.json"


class LedgerInUse(EmulatorError, RuntimeError):
    """Another process holds the ledger directory's lock."""


class LedgerDirectory:
    """Owns a ledger directory for as long as it is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: IO[str] | None = None

    @property
    def database(self) -> Path:
        return self.path / LEDGER_FILE

    def open(self, reset: bool) -> None:
        """Create and lock the directory; with ``reset``, delete the ledger it holds first."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock = open(self.path / LOCK_FILE, "w")  # noqa: SIM115 - held open until close() to keep the lock
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise LedgerInUse(f"{self.path} is in use by another psyche-validator") from None
        self._lock = lock
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        keypair_path = self.path / FAUCET_KEYPAIR_FILE
        if not keypair_path.exists():  # readable by its owner only, as solana-keygen writes keypairs
            fd = os.open(keypair_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(json.dumps(list(bytes(FAUCET_KEYPAIR))))

    def close(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

"""The durable ledger: a bank's accounts, blocks and transactions in one SQLite file inside a ledger directory.

It implements :class:`emulator.ledger.LedgerStore`. Both ``psyche-validator`` and the CLI's embedded chain open
ledgers through it, so it sits below both: a ledger one of them built, the other can serve.

* :mod:`~emulator.ledger_sqlite.store`: the SQLite store (``SqliteLedgerStore``);
* :mod:`~emulator.ledger_sqlite.meta_json`: the transaction-meta columns it keeps as JSON;
* :mod:`~emulator.ledger_sqlite.directory`: the ledger directory, its lock and ``--reset``;
* :mod:`~emulator.ledger_sqlite.resume`: the wall clock of a chain that resumes from its ledger.
"""

from emulator.ledger_sqlite.directory import FAUCET_KEYPAIR_FILE, LedgerDirectory, LedgerInUse
from emulator.ledger_sqlite.resume import resumed_clock
from emulator.ledger_sqlite.store import LedgerSchemaError, SignatureInfo, SqliteLedgerStore, Synchronous

__all__ = [
    "FAUCET_KEYPAIR_FILE",
    "LedgerDirectory",
    "LedgerInUse",
    "LedgerSchemaError",
    "SignatureInfo",
    "SqliteLedgerStore",
    "Synchronous",
    "resumed_clock",
]

"""A bank's ledger in one SQLite file: accounts, recent blocks and every committed transaction.

It implements :class:`emulator.ledger.LedgerStore`, so a :class:`emulator.Bank` built over it
persists as it runs and resumes from it after a restart. The file is in WAL mode and every
``commit`` is one SQLite transaction, committed before the call returns: a transaction's account
writes and its record land together or not at all, and once the bank has returned its result the
process may be killed without losing it. ``synchronous=NORMAL`` (the default) survives a killed
process; ``FULL`` also survives a power loss, at the cost of an fsync per transaction.

SQLite's own automatic checkpoint would run inside whichever commit crosses 1000 WAL pages and
fsync the database file there: about one transaction in a hundred took 3-5 ms instead of 0.2 ms.
So checkpoints run on a background thread instead, with their own connection.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.rpc.responses import RpcSimulateTransactionResult
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorType

from emulator.account import Account
from emulator.errors import EmulatorError, transaction_error_json
from emulator.ledger import BlockInfo
from emulator.ledger_sqlite.meta_json import (
    inner_instructions_from_json,
    inner_instructions_json,
    token_balances_from_json,
    token_balances_json,
)
from emulator.results import TransactionRecord, TransactionResult

__all__ = ["SignatureInfo", "SqliteLedgerStore", "Synchronous", "transaction_error_from_json"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
CHECKPOINT_INTERVAL_S = 1.0
_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    pubkey BLOB PRIMARY KEY,
    lamports INTEGER NOT NULL,
    data BLOB NOT NULL,
    owner BLOB NOT NULL,
    executable INTEGER NOT NULL,
    rent_epoch INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
    slot INTEGER PRIMARY KEY,
    block_height INTEGER NOT NULL,
    blockhash BLOB NOT NULL,
    unix_timestamp INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    seq INTEGER PRIMARY KEY,
    signature BLOB NOT NULL UNIQUE,
    slot INTEGER NOT NULL,
    block_time INTEGER NOT NULL,
    wire BLOB NOT NULL,
    err TEXT,
    logs TEXT NOT NULL,
    units INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    return_program BLOB,
    return_data BLOB,
    pre_balances TEXT NOT NULL,
    post_balances TEXT NOT NULL,
    account_keys BLOB NOT NULL,
    inner_instructions TEXT,
    token_balances TEXT
);
CREATE INDEX IF NOT EXISTS transactions_by_slot ON transactions (slot);
CREATE TABLE IF NOT EXISTS address_signatures (
    address BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (address, seq)
) WITHOUT ROWID;
"""

# What was chosen once, at genesis, and binds every later opening (the coordinator's mode).
_GENESIS_SCHEMA = "CREATE TABLE IF NOT EXISTS genesis (key TEXT PRIMARY KEY, value TEXT NOT NULL);"

_RECORD_COLUMNS = (
    "signature, slot, block_time, wire, err, logs, units, fee, return_program, return_data, "
    "pre_balances, post_balances, account_keys, inner_instructions, token_balances"
)
# Schema 1 ledgers lack what getTransaction's meta gained in schema 2; their old rows read back as null.
_MIGRATIONS = {
    1: (
        "ALTER TABLE transactions ADD COLUMN inner_instructions TEXT",
        "ALTER TABLE transactions ADD COLUMN token_balances TEXT",
    )
}


class Synchronous(Enum):
    """SQLite's ``synchronous`` setting in WAL mode: what a commit survives."""

    NORMAL = "NORMAL"  # a killed process (the WAL is written before commit returns; fsync at checkpoints)
    FULL = "FULL"  # also a power loss (fsync of the WAL on every commit)


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """What getSignatureStatuses and getSignaturesForAddress need of a transaction, without decoding it."""

    signature: Signature
    slot: int
    block_time: int
    err_json: str | None  # the RPC JSON of the error, None on success


class LedgerSchemaError(EmulatorError, RuntimeError):
    """The file holds a ledger written by an incompatible version."""


def _to_i64(value: int) -> int:
    """A u64 as SQLite's signed 64-bit INTEGER (two's complement), so u64::MAX rent epochs fit."""
    return value - _U64 if value > _I64_MAX else value


def _from_i64(value: int) -> int:
    return value + _U64 if value < 0 else value


def transaction_error_from_json(err_json: str) -> TransactionErrorType:
    """The solders TransactionError for the RPC JSON that :func:`emulator.errors.transaction_error_json` wrote."""
    wrapper = json.dumps({"err": json.loads(err_json), "logs": []})
    err = RpcSimulateTransactionResult.from_json(wrapper).err
    assert err is not None
    return err


class _BackgroundCheckpointer:
    """Copies committed WAL frames into the database file every ``interval_s``, off the committing thread."""

    def __init__(self, path: Path, interval_s: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(path, interval_s), name="ledger-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path, interval_s: float) -> None:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            while not self._stop.wait(interval_s):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    log.exception("checkpointing %s failed; the WAL keeps every commit until the next try", path)
        finally:
            db.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class SqliteLedgerStore:
    """The durable ledger of the validator and the embedded chain (the module docstring says what a commit keeps)."""

    keeps_transactions = True

    def __init__(self, path: Path, synchronous: Synchronous = Synchronous.NORMAL) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous.value}")
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, *_MIGRATIONS, SCHEMA_VERSION):
            raise LedgerSchemaError(f"{path} holds ledger schema {version}; this validator reads {SCHEMA_VERSION}")
        for statement in _MIGRATIONS.get(version, ()):
            self._db.execute(statement)
        self._db.executescript(_SCHEMA)
        self._db.executescript(_GENESIS_SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._checkpointer = _BackgroundCheckpointer(path, CHECKPOINT_INTERVAL_S)

    def close(self) -> None:
        """Stop checkpointing, fold the whole WAL into the database file, and close it."""
        self._checkpointer.stop()
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # -- LedgerStore ------------------------------------------------------------------
    def commit(self, accounts: Mapping[Pubkey, Account | None], record: TransactionRecord | None) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            removed = [(bytes(key),) for key, account in accounts.items() if account is None]
            if removed:
                self._db.executemany("DELETE FROM accounts WHERE pubkey = ?", removed)
            written = [
                (
                    bytes(key),
                    _to_i64(account.lamports),
                    bytes(account.data),
                    bytes(account.owner),
                    int(account.executable),
                    _to_i64(account.rent_epoch),
                )
                for key, account in accounts.items()
                if account is not None
            ]
            if written:
                self._db.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?)", written)
            if record is not None:
                self._insert_record(record)

    def _insert_record(self, record: TransactionRecord) -> None:
        result = record.result
        return_program, return_data = (
            (bytes(result.return_data[0]), result.return_data[1]) if result.return_data else (None, None)
        )
        cursor = self._db.execute(
            f"INSERT INTO transactions ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                bytes(record.signature),
                record.slot,
                record.block_time,
                bytes(record.transaction),
                transaction_error_json(result.err) if result.err is not None else None,
                json.dumps(result.logs),
                result.compute_units_consumed,
                result.fee,
                return_program,
                return_data,
                json.dumps(record.pre_balances),
                json.dumps(record.post_balances),
                b"".join(bytes(key) for key in record.account_keys),
                inner_instructions_json(result.inner_instructions),
                token_balances_json(record.pre_token_balances, record.post_token_balances),
            ),
        )
        seq = cursor.lastrowid
        addresses = {bytes(key) for key in record.account_keys}
        self._db.executemany("INSERT INTO address_signatures VALUES (?, ?)", [(a, seq) for a in addresses])

    def record_block(self, block: BlockInfo) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO blocks VALUES (?, ?, ?, ?)",
                (block.slot, block.block_height, bytes(block.blockhash), block.unix_timestamp),
            )

    def accounts(self) -> Iterable[tuple[Pubkey, Account]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM accounts").fetchall()
        return [
            (
                Pubkey.from_bytes(key),
                Account(_from_i64(lamports), bytearray(data), Pubkey.from_bytes(owner), bool(exe), _from_i64(epoch)),
            )
            for key, lamports, data, owner, exe, epoch in rows
        ]

    def recent_blocks(self, count: int) -> list[BlockInfo]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM blocks ORDER BY slot DESC LIMIT ?", (count,)).fetchall()
        return [
            BlockInfo(slot, height, Hash.from_bytes(blockhash), ts) for slot, height, blockhash, ts in reversed(rows)
        ]

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_RECORD_COLUMNS} FROM transactions WHERE signature = ?", (bytes(signature),)
            ).fetchone()
        return _decode_record(row) if row is not None else None

    def signatures_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None
    ) -> list[TransactionRecord]:
        infos = self.signature_infos_for_address(address, limit, before)
        records = [self.transaction(info.signature) for info in infos]
        return [record for record in records if record is not None]

    # -- what the RPC layer reads without decoding whole records ------------------------
    def signature_infos(self, signatures: Sequence[Signature]) -> list[SignatureInfo | None]:
        """One entry per signature, in order; None where the ledger holds no such transaction."""
        with self._lock:
            found = {
                row[0]: SignatureInfo(Signature.from_bytes(row[0]), row[1], row[2], row[3])
                for signature in signatures
                if (
                    row := self._db.execute(
                        "SELECT signature, slot, block_time, err FROM transactions WHERE signature = ?",
                        (bytes(signature),),
                    ).fetchone()
                )
                is not None
            }
        return [found.get(bytes(signature)) for signature in signatures]

    def signature_infos_for_address(
        self, address: Pubkey, limit: int, before: Signature | None = None, until: Signature | None = None
    ) -> list[SignatureInfo]:
        """Newest first; ``before`` and ``until`` are exclusive bounds, as getSignaturesForAddress takes them."""
        query = (
            "SELECT t.signature, t.slot, t.block_time, t.err FROM address_signatures a "
            "JOIN transactions t ON t.seq = a.seq WHERE a.address = ?"
        )
        args: list[object] = [bytes(address)]
        with self._lock:
            for bound, op in ((before, "<"), (until, ">")):
                if bound is None:
                    continue
                seq = self._seq_of(bound)
                if seq is None:
                    return []
                query += f" AND a.seq {op} ?"
                args.append(seq)
            rows = self._db.execute(query + " ORDER BY a.seq DESC LIMIT ?", (*args, limit)).fetchall()
        return [SignatureInfo(Signature.from_bytes(sig), slot, ts, err) for sig, slot, ts, err in rows]

    def _seq_of(self, signature: Signature) -> int | None:
        row = self._db.execute("SELECT seq FROM transactions WHERE signature = ?", (bytes(signature),)).fetchone()
        return int(row[0]) if row is not None else None

    def genesis_setting(self, key: str) -> str | None:
        """A choice recorded at genesis (:meth:`record_genesis_setting`), None if never recorded."""
        with self._lock:
            row = self._db.execute("SELECT value FROM genesis WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row is not None else None

    def record_genesis_setting(self, key: str, value: str) -> None:
        """Record a genesis choice; one already recorded is never replaced."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR IGNORE INTO genesis VALUES (?, ?)", (key, value))

    # -- blocks, for getBlock and friends ----------------------------------------------
    def block(self, slot: int) -> BlockInfo | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM blocks WHERE slot = ?", (slot,)).fetchone()
        return BlockInfo(row[0], row[1], Hash.from_bytes(row[2]), row[3]) if row is not None else None

    def parent_block(self, slot: int) -> BlockInfo | None:
        """The newest block before ``slot`` (its parent: the slots between were skipped)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM blocks WHERE slot < ? ORDER BY slot DESC LIMIT 1", (slot,)
            ).fetchone()
        return BlockInfo(row[0], row[1], Hash.from_bytes(row[2]), row[3]) if row is not None else None

    def block_slots(self, start: int, end: int, limit: int) -> list[int]:
        """Slots of the blocks in ``[start, end]``, ascending, at most ``limit``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT slot FROM blocks WHERE slot BETWEEN ? AND ? ORDER BY slot LIMIT ?", (start, end, limit)
            ).fetchall()
        return [int(row[0]) for row in rows]

    def first_block_slot(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MIN(slot) FROM blocks").fetchone()
        return int(row[0] or 0)

    def transactions_in_slot(self, slot: int) -> list[TransactionRecord]:
        """The block's transactions in the order they executed."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_RECORD_COLUMNS} FROM transactions WHERE slot = ? ORDER BY seq", (slot,)
            ).fetchall()
        return [_decode_record(row) for row in rows]

    def transaction_counts(self, first_slot: int, last_slot: int) -> dict[int, int]:
        """How many transactions each slot in ``[first_slot, last_slot]`` holds (slots with none are absent)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT slot, COUNT(*) FROM transactions WHERE slot BETWEEN ? AND ? GROUP BY slot",
                (first_slot, last_slot),
            ).fetchall()
        return {int(slot): int(count) for slot, count in rows}

    # -- account totals, for getSupply and getLargestAccounts --------------------------
    def total_lamports(self) -> int:
        with self._lock:
            rows = self._db.execute("SELECT lamports FROM accounts").fetchall()
        return sum(_from_i64(lamports) for (lamports,) in rows)

    def largest_accounts(self, count: int) -> list[tuple[Pubkey, int]]:
        """The ``count`` accounts holding the most lamports, richest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT pubkey, lamports FROM accounts WHERE lamports >= 0 ORDER BY lamports DESC LIMIT ?", (count,)
            ).fetchall()
        return [(Pubkey.from_bytes(key), int(lamports)) for key, lamports in rows]

    def transaction_count(self) -> int:
        """Transactions committed since genesis (the sequence number of the newest)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(seq) FROM transactions").fetchone()
        return int(row[0] or 0)


def _decode_record(row: tuple[object, ...]) -> TransactionRecord:
    (
        signature,
        slot,
        block_time,
        wire,
        err,
        logs,
        units,
        fee,
        return_program,
        return_data,
        pre,
        post,
        keys,
        inner,
        tokens,
    ) = row
    assert isinstance(signature, bytes) and isinstance(wire, bytes) and isinstance(keys, bytes)
    assert isinstance(logs, str) and isinstance(pre, str) and isinstance(post, str)
    assert isinstance(slot, int) and isinstance(block_time, int) and isinstance(units, int) and isinstance(fee, int)
    returned = (
        (Pubkey.from_bytes(return_program), bytes(return_data))
        if isinstance(return_program, bytes) and isinstance(return_data, bytes)
        else None
    )
    result = TransactionResult(
        Signature.from_bytes(signature),
        transaction_error_from_json(err) if isinstance(err, str) else None,
        json.loads(logs),
        units,
        fee,
        returned,
        inner_instructions=inner_instructions_from_json(inner) if isinstance(inner, str) else [],
    )
    account_keys = [Pubkey.from_bytes(keys[i : i + 32]) for i in range(0, len(keys), 32)]
    return TransactionRecord(
        result.signature,
        slot,
        block_time,
        VersionedTransaction.from_bytes(wire),
        result,
        json.loads(pre),
        json.loads(post),
        account_keys,
        *(token_balances_from_json(tokens) if isinstance(tokens, str) else ([], [])),
    )

"""The ``CoordinatorAccount`` zero-copy account: the program wrapper's state around the core ``Coordinator``.

Layout (absolute offsets, discriminator included; 119,160 bytes): discriminator 0, version 8, state 16
(metadata 16, coordinator 376, clients_state 94,424, is_warmup_first_tick 119,048, is_training_first_tick 119,049,
client_version 119,050), nonce 119,152. The account is raw ``repr(C)`` memory, not Borsh.
"""

from __future__ import annotations

import ctypes
import hashlib

from coordinator_program.core.types import (
    SOLANA_MAX_NUM_CLIENTS,
    Coordinator,
    FixedString64,
    NodeIdentity,
    fixed_string,
    fixed_vec,
)

__all__ = [
    "COORDINATOR_ACCOUNT_DISCRIMINATOR",
    "COORDINATOR_ACCOUNT_SIZE",
    "COORDINATOR_ACCOUNT_VERSION",
    "CLIENT_VERSION_MAX_LEN",
    "FixedString96",
    "FixedString280",
    "RunMetadata",
    "SolanaClient",
    "SolanaClientFixedVec",
    "ClientsEpochRates",
    "ClientsState",
    "CoordinatorInstanceState",
    "CoordinatorAccount",
    "CoordinatorAccountError",
    "CoordinatorAccountSizeError",
    "CoordinatorAccountDiscriminatorError",
    "CoordinatorAccountVersionError",
    "load",
]

COORDINATOR_ACCOUNT_DISCRIMINATOR = hashlib.sha256(b"account:CoordinatorAccount").digest()[:8]
COORDINATOR_ACCOUNT_SIZE = 119_160
COORDINATOR_ACCOUNT_VERSION = 1
CLIENT_VERSION_MAX_LEN = 96

FixedString96 = fixed_string(CLIENT_VERSION_MAX_LEN)
FixedString280 = fixed_string(280)


class RunMetadata(ctypes.LittleEndianStructure):
    """Free-form run description (360 bytes); changeable at any time except when Finished."""

    _fields_ = [
        ("name", FixedString64),
        ("description", FixedString280),
        ("num_parameters", ctypes.c_uint64),
        ("vocab_size", ctypes.c_uint64),
    ]


class SolanaClient(ctypes.LittleEndianStructure):
    """A registered client (the program's ``Client``, ts name ``SolanaClient``; 96 bytes). Pending iff
    ``active == clients_state.next_active``."""

    _fields_ = [
        ("id", NodeIdentity),
        ("_unused", ctypes.c_uint8 * 8),
        ("earned", ctypes.c_uint64),
        ("slashed", ctypes.c_uint64),
        ("active", ctypes.c_uint64),
    ]


SolanaClientFixedVec = fixed_vec(SolanaClient, SOLANA_MAX_NUM_CLIENTS)


class ClientsEpochRates(ctypes.LittleEndianStructure):
    _fields_ = [("earning_rate_total_shared", ctypes.c_uint64), ("slashing_rate_per_client", ctypes.c_uint64)]


class ClientsState(ctypes.LittleEndianStructure):
    """The append-only client registry and the epoch reward rates (24,624 bytes)."""

    _fields_ = [
        ("clients", SolanaClientFixedVec),
        ("next_active", ctypes.c_uint64),
        ("current_epoch_rates", ClientsEpochRates),
        ("future_epoch_rates", ClientsEpochRates),
    ]


class CoordinatorInstanceState(ctypes.LittleEndianStructure):
    """The wrapper's state; the two first-tick flags are ``u8`` booleans."""

    _fields_ = [
        ("metadata", RunMetadata),
        ("coordinator", Coordinator),
        ("clients_state", ClientsState),
        ("is_warmup_first_tick", ctypes.c_uint8),
        ("is_training_first_tick", ctypes.c_uint8),
        ("client_version", FixedString96),
    ]


class CoordinatorAccount(ctypes.LittleEndianStructure):
    """The whole account, discriminator included: ``CoordinatorAccount.from_buffer(data)`` views ``data`` in place.

    While a view is alive the bytearray cannot be resized (``BufferError``); drop views before a realloc.
    """

    _fields_ = [
        ("discriminator", ctypes.c_uint8 * 8),
        ("version", ctypes.c_uint64),
        ("state", CoordinatorInstanceState),
        ("nonce", ctypes.c_uint64),
    ]


class CoordinatorAccountError(Exception):
    """The data is not a readable version-1 coordinator account."""


class CoordinatorAccountSizeError(CoordinatorAccountError):
    """The data length is not :data:`COORDINATOR_ACCOUNT_SIZE`."""


class CoordinatorAccountDiscriminatorError(CoordinatorAccountError):
    """The first 8 bytes are not :data:`COORDINATOR_ACCOUNT_DISCRIMINATOR`."""


class CoordinatorAccountVersionError(CoordinatorAccountError):
    """The ``version`` field is not :data:`COORDINATOR_ACCOUNT_VERSION`."""


def load(data: bytearray) -> CoordinatorAccount:
    """A live view of ``data`` after the reference readers' checks: size, then discriminator, then version."""
    if len(data) != COORDINATOR_ACCOUNT_SIZE:
        raise CoordinatorAccountSizeError(
            f"coordinator account is {len(data)} bytes, expected {COORDINATOR_ACCOUNT_SIZE}"
        )
    if bytes(data[:8]) != COORDINATOR_ACCOUNT_DISCRIMINATOR:
        raise CoordinatorAccountDiscriminatorError(f"coordinator account discriminator is {bytes(data[:8]).hex()}")
    account = CoordinatorAccount.from_buffer(data)
    if account.version != COORDINATOR_ACCOUNT_VERSION:
        raise CoordinatorAccountVersionError(f"coordinator account version is {account.version}, expected 1")
    return account

"""A transaction's message resolved into what execution needs: keys, privileges and instructions.

Legacy and v0 messages (without address lookup tables) are treated alike. Writable flags follow
Agave: header-derived, then demoted for invoked programs and reserved keys (sysvars, builtins).
"""

from __future__ import annotations

from typing import NamedTuple

from solders.hash import Hash
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.transaction import Transaction, VersionedTransaction

from emulator.constants import (
    ASSOCIATED_TOKEN_PROGRAM_ID,
    BPF_LOADER_UPGRADEABLE_ID,
    COMPUTE_BUDGET_PROGRAM_ID,
    NATIVE_LOADER_ID,
    SYSTEM_PROGRAM_ID,
    SYSVAR_OWNER_ID,
    TOKEN_PROGRAM_ID,
)

AnyTransaction = Transaction | VersionedTransaction

# Keys the runtime never lets a transaction write (Agave's reserved account keys, the relevant subset).
RESERVED_KEYS = frozenset(
    {
        SYSTEM_PROGRAM_ID,
        COMPUTE_BUDGET_PROGRAM_ID,
        NATIVE_LOADER_ID,
        BPF_LOADER_UPGRADEABLE_ID,
        SYSVAR_OWNER_ID,
        Pubkey.from_string("SysvarC1ock11111111111111111111111111111111"),
        Pubkey.from_string("SysvarRent111111111111111111111111111111111"),
        Pubkey.from_string("SysvarEpochSchedu1e111111111111111111111111"),
        Pubkey.from_string("SysvarRecentB1ockHashes11111111111111111111"),
        Pubkey.from_string("SysvarS1otHashes111111111111111111111111111"),
        Pubkey.from_string("SysvarStakeHistory1111111111111111111111111"),
        Pubkey.from_string("Sysvar1nstructions1111111111111111111111111"),
        TOKEN_PROGRAM_ID,
        ASSOCIATED_TOKEN_PROGRAM_ID,
    }
)


class ResolvedInstruction(NamedTuple):
    """One compiled instruction: its program's index among the message keys, its accounts' indices, its data.

    A named tuple, as the frozen dataclass it was cost more to build than the rest of the resolution (every
    transaction resolves its message)."""

    program_index: int
    account_indices: bytes
    data: bytes


class ResolvedMessage(NamedTuple):
    """A message's keys with their privileges, its instructions, blockhash and signature count (immutable)."""

    account_keys: list[Pubkey]
    is_signer: list[bool]
    is_writable: list[bool]
    instructions: list[ResolvedInstruction]
    recent_blockhash: Hash
    num_signatures: int

    @property
    def fee_payer(self) -> Pubkey:
        return self.account_keys[0]


def message_of(tx: AnyTransaction) -> Message | MessageV0:
    return tx.message


def resolve_message(message: Message | MessageV0) -> ResolvedMessage:
    """Derive signer and writable flags from the header; the message must already be sanitized."""
    header = message.header
    keys = list(message.account_keys)
    n = len(keys)
    n_sig = header.num_required_signatures
    writable_signed = n_sig - header.num_readonly_signed_accounts
    writable_unsigned = n - header.num_readonly_unsigned_accounts
    instructions = [
        ResolvedInstruction(ix.program_id_index, bytes(ix.accounts), bytes(ix.data)) for ix in message.instructions
    ]
    invoked = {ix.program_index for ix in instructions}
    is_signer = [i < n_sig for i in range(n)]
    is_writable = [
        (i < writable_signed if i < n_sig else i < writable_unsigned) and i not in invoked and key not in RESERVED_KEYS
        for i, key in enumerate(keys)
    ]
    return ResolvedMessage(keys, is_signer, is_writable, instructions, message.recent_blockhash, n_sig)

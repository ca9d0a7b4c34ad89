"""ComputeBudget instructions: the unit limit and the priority fee they set, and the fee a message pays."""

from __future__ import annotations

import struct
from collections.abc import Container
from dataclasses import dataclass

from solders.pubkey import Pubkey

from emulator.constants import (
    BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT,
    COMPUTE_BUDGET_PROGRAM_ID,
    DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT,
    LAMPORTS_PER_SIGNATURE,
    MAX_COMPUTE_UNIT_LIMIT,
    MICRO_LAMPORTS_PER_LAMPORT,
)
from emulator.message import ResolvedMessage

_REQUEST_HEAP_FRAME = 1
_SET_COMPUTE_UNIT_LIMIT = 2
_SET_COMPUTE_UNIT_PRICE = 3
_SET_LOADED_ACCOUNTS_DATA_SIZE_LIMIT = 4


class InvalidComputeBudget(ValueError):
    """A ComputeBudget instruction is malformed or repeated; Agave rejects the transaction for it."""

    def __init__(self, instruction_index: int, duplicate: bool) -> None:
        problem = "duplicate" if duplicate else "invalid"
        super().__init__(f"compute budget instruction {instruction_index} is {problem}")
        self.instruction_index = instruction_index
        self.duplicate = duplicate


@dataclass(frozen=True, slots=True)
class ComputeBudget:
    unit_limit: int
    unit_price_micro_lamports: int

    @property
    def priority_fee(self) -> int:
        """``ceil(price * limit / 1e6)`` lamports, as Agave charges it."""
        return -(-self.unit_price_micro_lamports * self.unit_limit // MICRO_LAMPORTS_PER_LAMPORT)

    def fee(self, num_signatures: int) -> int:
        return num_signatures * LAMPORTS_PER_SIGNATURE + self.priority_fee


def compute_budget_of(message: ResolvedMessage, builtin_programs: Container[Pubkey]) -> ComputeBudget:
    """Read the message's ComputeBudget instructions.

    Without an explicit limit Agave allows 200k units per instruction of a non-builtin program and
    3k per builtin one (ComputeBudget's own instructions included).
    """
    limit: int | None = None
    price: int | None = None
    seen: set[int] = set()
    default_limit = 0
    for index, ix in enumerate(message.instructions):
        program_id = message.account_keys[ix.program_index]
        is_builtin = program_id in builtin_programs
        default_limit += (
            BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT if is_builtin else DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT
        )
        if program_id != COMPUTE_BUDGET_PROGRAM_ID:
            continue
        data = ix.data
        if not data:
            raise InvalidComputeBudget(index, duplicate=False)
        kind = data[0]
        if kind in seen:
            raise InvalidComputeBudget(index, duplicate=True)
        seen.add(kind)
        if kind == _SET_COMPUTE_UNIT_LIMIT and len(data) == 5:
            limit = struct.unpack_from("<I", data, 1)[0]
        elif kind == _SET_COMPUTE_UNIT_PRICE and len(data) == 9:
            price = struct.unpack_from("<Q", data, 1)[0]
        elif kind in (_REQUEST_HEAP_FRAME, _SET_LOADED_ACCOUNTS_DATA_SIZE_LIMIT) and len(data) == 5:
            continue
        else:
            raise InvalidComputeBudget(index, duplicate=False)
    if limit is None:
        limit = default_limit
    return ComputeBudget(min(limit, MAX_COMPUTE_UNIT_LIMIT), price or 0)

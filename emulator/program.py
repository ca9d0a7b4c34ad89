"""What a program is to the runtime: an id and one entry point ``(ctx, accounts, data)``.

Programs (native or the Python ports of the reference's Anchor programs) never touch the bank;
everything they may do goes through :class:`InvokeContext`, exactly as a Solana program only has
its syscalls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from solders.clock import Clock
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rent import Rent

from emulator.account import AccountInfo


class InvokeContext(Protocol):
    """The syscalls a running program has."""

    @property
    def program_id(self) -> Pubkey:
        """The id of the program that is running now."""
        ...

    @property
    def stack_height(self) -> int:
        """1 for a top-level instruction, 2 inside its first CPI, ..."""
        ...

    @property
    def clock(self) -> Clock:
        """The Clock sysvar: slot, epoch and unix_timestamp of the bank executing the transaction."""
        ...

    @property
    def rent(self) -> Rent:
        """The Rent sysvar."""
        ...

    def log(self, message: str) -> None:
        """``sol_log``: appears as ``Program log: <message>``."""
        ...

    def log_data(self, *chunks: bytes) -> None:
        """``sol_log_data``: appears as ``Program data: <b64> <b64>...`` (how Anchor emits events)."""
        ...

    def runtime_message(self, message: str) -> None:
        """A bare runtime log line (Agave's ``ic_msg!``), as the builtin programs write them."""
        ...

    def consume_units(self, units: int) -> None:
        """Charge compute units; raises ComputationalBudgetExceeded past the transaction's limit."""
        ...

    def set_return_data(self, data: bytes) -> None:
        """``sol_set_return_data`` (at most 1024 bytes)."""
        ...

    def get_return_data(self) -> tuple[Pubkey, bytes] | None:
        """``sol_get_return_data``: what the last invoked program set, and which program set it."""
        ...

    def invoke(self, instruction: Instruction, signer_seeds: Sequence[Sequence[bytes]] = ()) -> None:
        """Cross-program invocation (``invoke_signed``).

        Every account of ``instruction``, and the callee program, must be among the caller's
        instruction accounts (MissingAccount otherwise). An account may be a signer of the callee
        only if it signed the caller or is the PDA of the caller's program for one of
        ``signer_seeds``; writable only if writable in the caller (PrivilegeEscalation otherwise).
        """
        ...


Entrypoint = Callable[[InvokeContext, list[AccountInfo], bytes], None]


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """A program as registered with the runtime.

    ``builtin`` programs (System, ComputeBudget) log only invoke/success lines and cost a fixed
    number of units, as Agave's builtins do; the others log ``consumed N of M compute units``.
    """

    program_id: Pubkey
    entrypoint: Entrypoint
    name: str
    builtin: bool = False
    base_units: int = 150

"""Faithful or hardened: which of the reference's exploitable quirks a registered coordinator keeps.

The program is faithful to the reference by default. The hardened program changes exactly two things, each
one an exploit of the reference (see ``QUIRKS.md``, "Hardened mode"):

* ``warmup_witness`` checks the proof's index and the sender's membership as ``witness`` does, failing with
  ``CoordinatorErrorInvalidWitness`` (6011) instead of storing a bogus index that makes every later warmup
  witness panic (quirk #12, nousnet#661);
* the points credited when an epoch ends saturate at u64::MAX instead of panicking, which wedged the run in
  Cooldown when the owner set an earning rate near u64::MAX.

The mode is chosen when the program is registered with a runtime (:func:`coordinator_program.program.program_spec`)
and travels as data: the entry point wraps each invocation's context in a :class:`ModeContext`, the handlers read
it with :func:`mode_of` and hand the pure core plain flags. Nothing global changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from solders.clock import Clock
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rent import Rent

from emulator.program import InvokeContext

__all__ = ["ModeContext", "ProgramMode", "mode_of"]


class ProgramMode(Enum):
    """The coordinator a chain runs, fixed at its genesis."""

    FAITHFUL = "faithful"
    HARDENED = "hardened"

    @property
    def checks_warmup_witness_membership(self) -> bool:
        """Quirk #12 fixed: a warmup witness must name its own index in the epoch's clients."""
        return self is ProgramMode.HARDENED

    @property
    def saturates_points(self) -> bool:
        """Epoch-end points saturate at u64::MAX instead of panicking the tick."""
        return self is ProgramMode.HARDENED


class ModeContext:
    """The runtime's :class:`~emulator.program.InvokeContext`, plus the mode the coordinator was registered in."""

    def __init__(self, inner: InvokeContext, mode: ProgramMode) -> None:
        self._inner = inner
        self.mode = mode

    @property
    def program_id(self) -> Pubkey:
        return self._inner.program_id

    @property
    def stack_height(self) -> int:
        return self._inner.stack_height

    @property
    def clock(self) -> Clock:
        return self._inner.clock

    @property
    def rent(self) -> Rent:
        return self._inner.rent

    def log(self, message: str) -> None:
        self._inner.log(message)

    def log_data(self, *chunks: bytes) -> None:
        self._inner.log_data(*chunks)

    def runtime_message(self, message: str) -> None:
        self._inner.runtime_message(message)

    def consume_units(self, units: int) -> None:
        self._inner.consume_units(units)

    def set_return_data(self, data: bytes) -> None:
        self._inner.set_return_data(data)

    def get_return_data(self) -> tuple[Pubkey, bytes] | None:
        return self._inner.get_return_data()

    def invoke(self, instruction: Instruction, signer_seeds: Sequence[Sequence[bytes]] = ()) -> None:
        self._inner.invoke(instruction, signer_seeds)


def mode_of(ctx: InvokeContext) -> ProgramMode:
    """The mode of the running coordinator; every coordinator entry point wraps its context, so one is always there."""
    if not isinstance(ctx, ModeContext):
        raise TypeError("the coordinator's handlers run only through its entry point, which sets the mode")
    return ctx.mode

"""The wrapper's rules around the core (``CoordinatorInstanceState``): its tick, its seed, and core-error mapping.

Every mutating instruction except init/free/update/update_client_version/set_future_epoch_rates ends with
:func:`tick`. Around the core tick it hands the pending clients to WaitingForMembers, rolls the epoch rates over
when Warmup starts, bumps ``next_active`` when training starts, and credits points when an epoch ends.
"""

from __future__ import annotations

from types import TracebackType

from solders.clock import Clock

from coordinator_program import core
from coordinator_program.core.arith import U64_MAX, checked_u64
from coordinator_program.core.queries import run_state_of
from coordinator_program.core.types import RunState
from coordinator_program.errors import panic, program_error_for
from coordinator_program.mode import mode_of
from coordinator_program.state.clients_state import pending_client_ids
from coordinator_program.state.coordinator_account import CoordinatorAccount, CoordinatorInstanceState
from coordinator_program.state.points import credit_epoch_end, start_epoch_rates
from emulator.anchor import AnchorError
from emulator.program import InvokeContext

__all__ = ["CoreErrors", "core_errors", "clock_now", "clock_seed", "bump_nonce", "tick"]


class CoreErrors:
    """Report a core failure as its ``CoordinatorError*`` program error and a core panic as a program panic.

    A class, not a generator context manager: every instruction enters one or two, and a generator costs more than
    the rule it wraps.
    """

    __slots__ = ("_ctx",)

    def __init__(self, ctx: InvokeContext) -> None:
        self._ctx = ctx

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if isinstance(exc, core.CoordinatorFailure):
            raise AnchorError(program_error_for(exc.error)) from exc
        if isinstance(exc, core.CoordinatorPanic):
            panic(self._ctx, str(exc))


def core_errors(ctx: InvokeContext) -> CoreErrors:
    """``with core_errors(ctx):`` around core calls (see :class:`CoreErrors`)."""
    return CoreErrors(ctx)


def clock_now(clock: Clock) -> int:
    """``clock.unix_timestamp as u64``."""
    return clock.unix_timestamp & U64_MAX


def clock_seed(clock: Clock) -> int:
    """The round seed from the Clock sysvar (predictable; the reference accepts that)."""
    return core.clock_random_seed(clock.unix_timestamp, clock.slot)


def bump_nonce(ctx: InvokeContext, account: CoordinatorAccount) -> None:
    """``increment_nonce``: every mutating instruction but update_client_version counts itself, before its logic."""
    if account.nonce == U64_MAX:
        panic(ctx, "attempt to add with overflow")
    account.nonce += 1
    ctx.log(f"Nonce: {account.nonce}")


def tick(ctx: InvokeContext, state: CoordinatorInstanceState) -> None:
    """The wrapper's ``tick()``: the core tick at the clock's time plus the epoch bookkeeping of spec §6."""
    coordinator = state.coordinator
    clients_state = state.clients_state
    pending = None
    with core_errors(ctx):
        if run_state_of(coordinator) is RunState.WaitingForMembers:
            state.is_warmup_first_tick = 1
            state.is_training_first_tick = 1
            pending = pending_client_ids(clients_state)
            ctx.log(f"Pending active clients ids: {len(pending)}")
        ctx.log(f"Pre-tick run state: {run_state_of(coordinator).display_name}")
        result = core.tick(coordinator, pending, clock_now(ctx.clock), clock_seed(ctx.clock))
        match result:
            case core.Ticked():
                if core.is_warmup_just_starting(coordinator) and state.is_warmup_first_tick:
                    ctx.log("New epoch just starting, save epoch rewards rate")
                    start_epoch_rates(clients_state)
                    state.is_warmup_first_tick = 0
                elif core.is_training_just_starting(coordinator) and state.is_training_first_tick:
                    ctx.log("New epoch just starting, save epoch active clients")
                    clients_state.next_active = checked_u64(clients_state.next_active + 1, "next_active")
                    state.is_training_first_tick = 0
            case core.EpochEnd(success=success):
                ctx.log(f"Epoch end, sucecsss: {str(success).lower()}")
                epoch_state = coordinator.epoch_state
                saturating = mode_of(ctx).saturates_points
                credit_epoch_end(clients_state, epoch_state.clients, epoch_state.exited_clients, saturating=saturating)
        ctx.log(f"Post-tick run state: {run_state_of(coordinator).display_name}")

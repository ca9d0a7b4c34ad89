"""All-or-nothing operations: a reference panic leaves the state exactly as it was.

On chain a panic aborts the transaction and the runtime discards every write. The core's operations mutate the
account structure in place, so each public operation snapshots its bytes and restores them if a
``CoordinatorPanic`` escapes. ``CoordinatorFailure`` needs no rollback: operations validate before they mutate.

A caller that throws the whole state away when an operation panics says so with :func:`state_discarded_on_panic`,
and the operations skip their snapshot: the program (the runtime drops a failed transaction's writes, as on chain)
and a client ticking a copy of the account. The snapshot is the 94 kB ``Coordinator``, copied twice per witness.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.types.coordinator import Coordinator

__all__ = ["StateDiscardedOnPanic", "restoring_on_panic", "state_discarded_on_panic"]

P = ParamSpec("P")
R = TypeVar("R")

_DISCARDED_ON_PANIC: ContextVar[bool] = ContextVar("coordinator state discarded on panic", default=False)


class StateDiscardedOnPanic:
    """The ``with`` block of :func:`state_discarded_on_panic`. A class, not a generator context manager: the program
    enters one for every instruction."""

    __slots__ = ("_token",)

    _token: Token[bool]

    def __enter__(self) -> None:
        self._token = _DISCARDED_ON_PANIC.set(True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _DISCARDED_ON_PANIC.reset(self._token)


def state_discarded_on_panic() -> StateDiscardedOnPanic:
    """Within the block, operations do not snapshot the coordinator: the caller discards it if one panics."""
    return StateDiscardedOnPanic()


def restoring_on_panic(
    operation: Callable[Concatenate[Coordinator, P], R],
) -> Callable[Concatenate[Coordinator, P], R]:
    """Wrap an operation on a coordinator so a panic restores the coordinator's bytes before propagating."""

    @functools.wraps(operation)
    def guarded(coordinator: Coordinator, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if _DISCARDED_ON_PANIC.get():
            return operation(coordinator, *args, **kwargs)
        snapshot = bytes(coordinator)
        try:
            return operation(coordinator, *args, **kwargs)
        except CoordinatorPanic:
            ctypes.memmove(ctypes.addressof(coordinator), snapshot, len(snapshot))
            raise

    return guarded

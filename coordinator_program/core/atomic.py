"""All-or-nothing operations: a reference panic leaves the state exactly as it was.

On chain a panic aborts the transaction and the runtime discards every write. The core's operations mutate the
account structure in place, so each public operation snapshots its bytes and restores them if a
``CoordinatorPanic`` escapes. ``CoordinatorFailure`` needs no rollback: operations validate before they mutate.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.types.coordinator import Coordinator

__all__ = ["restoring_on_panic"]

P = ParamSpec("P")
R = TypeVar("R")


def restoring_on_panic(
    operation: Callable[Concatenate[Coordinator, P], R],
) -> Callable[Concatenate[Coordinator, P], R]:
    """Wrap an operation on a coordinator so a panic restores the coordinator's bytes before propagating."""

    @functools.wraps(operation)
    def guarded(coordinator: Coordinator, /, *args: P.args, **kwargs: P.kwargs) -> R:
        snapshot = bytes(coordinator)
        try:
            return operation(coordinator, *args, **kwargs)
        except CoordinatorPanic:
            ctypes.memmove(ctypes.addressof(coordinator), snapshot, len(snapshot))
            raise

    return guarded

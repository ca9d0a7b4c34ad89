"""How many bytes one JSON-RPC request may still add to its response, charged *before* large values are built.

A 4.5 kB batch of ``getAccountInfo`` calls on a 10 MiB account once produced a 447 MB response. The dispatcher
measures each serialized answer, but by then the memory is spent, so the one value that can be huge, encoded
account data, is charged here first, at its exact encoded length, and refused past the limit without being built.
The budget is scoped to the request being answered with a :class:`~contextvars.ContextVar` (as ``decimal`` scopes
its context): method handlers keep their ``(ctx, params)`` signature and code outside a request (PubSub
notifications) is never charged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from validator.errors import ValidatorError

__all__ = ["ResponseTooLarge", "base64_length", "charge_response_bytes", "response_budget"]


class ResponseTooLarge(ValidatorError):
    """The answer to a call would take the request's response past ``limit`` bytes (the dispatcher answers the
    call with a JSON-RPC error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response past {limit} bytes")
        self.limit = limit


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, size: int) -> None:
        """Count ``size`` bytes, or refuse them (counting nothing) when they do not fit."""
        if self.used + size > self.limit:
            raise ResponseTooLarge(self.limit)
        self.used += size


_CURRENT: ContextVar[_Budget | None] = ContextVar("response_budget", default=None)


@contextmanager
def response_budget(limit: int) -> Iterator[None]:
    """Charge the encoded account data of the calls answered inside the block against ``limit`` bytes."""
    token = _CURRENT.set(_Budget(limit))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def charge_response_bytes(size: int) -> None:
    """Charge ``size`` bytes to the request being answered; :class:`ResponseTooLarge` when they do not fit."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(size)


def base64_length(size: int) -> int:
    """The length of ``size`` bytes in padded base64.

    >>> base64_length(0), base64_length(1), base64_length(3), base64_length(10 * 1024 * 1024)
    (0, 4, 4, 13981016)
    """
    return 4 * ((size + 2) // 3)

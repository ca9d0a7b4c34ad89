"""Overflow-checked unsigned arithmetic, as the reference program is built with ``overflow-checks = true``.

An overflow is a panic on chain (the transaction fails), so it raises ``CoordinatorPanic`` here. Only the LCG and
the FNV hash wrap on purpose, and they do their own masking.
"""

from __future__ import annotations

from coordinator_program.core.errors import CoordinatorPanic

__all__ = ["U16_MAX", "U32_MAX", "U64_MAX", "checked_u16", "checked_u32", "checked_u64", "saturating_u64"]

U16_MAX = (1 << 16) - 1
U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1


def _checked(value: int, limit: int, what: str) -> int:
    if not 0 <= value <= limit:
        raise CoordinatorPanic(f"attempt to overflow: {what} = {value}")
    return value


def checked_u16(value: int, what: str) -> int:
    """``value`` if it fits a u16, else a panic.

    >>> checked_u16(65535, "epoch")
    65535
    """
    return _checked(value, U16_MAX, what)


def checked_u32(value: int, what: str) -> int:
    """``value`` if it fits a u32, else a panic."""
    return _checked(value, U32_MAX, what)


def checked_u64(value: int, what: str) -> int:
    """``value`` if it fits a u64, else a panic."""
    return _checked(value, U64_MAX, what)


def saturating_u64(value: int) -> int:
    """A non-negative ``value`` clamped to u64::MAX (Rust's ``saturating_add`` on the sum).

    >>> saturating_u64(U64_MAX + 5) == U64_MAX
    True
    """
    return min(value, U64_MAX)

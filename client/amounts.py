"""Token amounts between UI units (what people type) and base units (what the chain stores), as the reference
converts them (spec programs-and-cli.md §3.1)."""

from __future__ import annotations

import math

from client.errors import ClientError

__all__ = ["AmountError", "native_amount", "ui_text"]

_U64_MAX = 2**64 - 1


class AmountError(ClientError, ValueError):
    """An amount that is no u64 of base units."""


def native_amount(ui: float, decimals: int) -> int:
    """``ui`` as base units: ``round(ui * 10^decimals)``, halves away from zero as Rust's ``f64::round``.

    >>> native_amount(1.5, 6), native_amount(0.0000005, 0), native_amount(2.5, 0)
    (1500000, 0, 3)
    """
    if not math.isfinite(ui) or ui < 0:
        raise AmountError(f"an amount must be a finite number >= 0, got {ui}")
    native = math.floor(ui * 10.0**decimals + 0.5)
    if native > _U64_MAX:
        raise AmountError(f"{ui} is more than a u64 of base units at {decimals} decimals")
    return native


def ui_text(value: float) -> str:
    """A float as Rust's ``Display`` writes it for the amounts printed here: no ``.0`` on whole numbers.

    >>> ui_text(10.0), ui_text(0.25)
    ('10', '0.25')
    """
    return str(int(value)) if value.is_integer() else repr(value)

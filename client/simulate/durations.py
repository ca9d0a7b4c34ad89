"""Durations as run owners type them (``24h``, ``90m``, ``1h30m``, ``3600s``, ``3600``) and as reports print them."""

from __future__ import annotations

import re

from client.simulate.errors import DurationError

__all__ = ["parse_duration", "format_duration"]

_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([dhms])")


def parse_duration(text: str) -> int:
    """Whole seconds in ``text``: a bare number of seconds, or number-unit parts in any order of d, h, m, s.

    >>> [parse_duration(t) for t in ("24h", "90m", "3600s", "3600", "1h30m", "1d")]
    [86400, 5400, 3600, 3600, 5400, 86400]
    >>> parse_duration("soon")
    Traceback (most recent call last):
    ...
    client.simulate.errors.DurationError: 'soon' is not a duration: use e.g. 24h, 90m, 1h30m, 3600s or 3600
    """
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        seconds = int(cleaned)
    elif cleaned and _PART.sub("", cleaned) == "":
        seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(cleaned))
    else:
        raise DurationError(f"{text!r} is not a duration: use e.g. 24h, 90m, 1h30m, 3600s or 3600")
    if seconds <= 0:
        raise DurationError(f"{text!r} is not a positive duration")
    return seconds


def format_duration(seconds: float) -> str:
    """A compact ``1d 02h 03m 04s`` form, dropping leading zero units; fractions of a second are rounded.

    >>> [format_duration(s) for s in (0, 45, 90, 3600, 90061.4)]
    ['0s', '45s', '1m 30s', '1h 00m 00s', '1d 01h 01m 01s']
    """
    remaining = round(seconds)
    days, remaining = divmod(remaining, 86_400)
    hours, remaining = divmod(remaining, 3_600)
    minutes, secs = divmod(remaining, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m {secs:02d}s"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"

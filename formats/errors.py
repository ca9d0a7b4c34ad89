"""The root of the format package's errors, and the one the token files raise."""

from __future__ import annotations

__all__ = ["FormatError", "TokenFileError"]


class FormatError(Exception):
    """Base of every error the formats package raises: a file that does not hold what its format says."""


class TokenFileError(FormatError):
    """A directory of token files that cannot be read: none there, no directory, or a bad ``dataset.json``."""

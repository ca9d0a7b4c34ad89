"""The root of the validator package's errors, so a caller can tell a validator failure from any other.

Every error the validator defines derives from :class:`ValidatorError`; one that callers also catch as a built-in
(``ValueError``, ``RuntimeError``) keeps that base as a second parent.
"""

from __future__ import annotations

__all__ = ["ValidatorError"]


class ValidatorError(Exception):
    """Base of every error the validator package raises."""

"""The root of the client package's errors, so a caller can tell a client failure from any other.

Every error the client defines derives from :class:`ClientError`; one that callers also catch as a built-in
(``ValueError``, ``LookupError``, ``RuntimeError``) keeps that base as a second parent. Lower errors are wrapped
with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = ["ClientError"]


class ClientError(Exception):
    """Base of every error the client package raises."""

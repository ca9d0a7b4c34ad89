"""The data layer's errors: one base for data that cannot be read, one type for what HTTP adds."""

from __future__ import annotations

from client.errors import ClientError

__all__ = ["DataError", "HttpDataError"]


class DataError(ClientError):
    """Training data that cannot be read: no files, a bad directory or URL, a sample index out of range."""


class HttpDataError(DataError):
    """A token file that cannot be read over HTTP: unreachable, refused, or not the bytes that were asked for."""

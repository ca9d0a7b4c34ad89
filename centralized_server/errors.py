"""The centralized server's errors: one base, and the ways a peer's bytes can be refused."""

from __future__ import annotations

__all__ = [
    "BadSignature",
    "CentralizedServerError",
    "DataConfigError",
    "FrameTooLarge",
    "MalformedMessage",
    "ProtocolError",
    "StateFileError",
    "UnexpectedMessage",
    "UnsupportedVersion",
]


class CentralizedServerError(Exception):
    """Base of every error this package raises."""


class StateFileError(CentralizedServerError):
    """A ``state.toml`` the server cannot run: unreadable, not TOML, or refused by the coordinator's rules."""


class DataConfigError(CentralizedServerError):
    """The training data the server should host cannot be: a bad ``data.toml``, no token files, or none given."""


class ProtocolError(CentralizedServerError):
    """A peer broke the wire protocol; the connection is closed after telling it why."""


class FrameTooLarge(ProtocolError):
    """A frame's length prefix is over the limit for its direction."""


class UnsupportedVersion(ProtocolError):
    """The frame speaks another protocol version."""


class MalformedMessage(ProtocolError):
    """The frame's kind is unknown or its body does not decode to that kind's message."""


class UnexpectedMessage(ProtocolError):
    """A well-formed message at the wrong moment (a second hello, a join before the hello, a server's kind)."""


class BadSignature(ProtocolError):
    """The hello's signature does not prove the key it names over this connection's challenge."""

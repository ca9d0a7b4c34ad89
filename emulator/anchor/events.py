"""Anchor events: ``emit!`` writes ``sol_log_data(event discriminator + Borsh)``, a ``Program data:`` line."""

from __future__ import annotations

from emulator.anchor.borsh import borsh_type, encode, idl_name
from emulator.anchor.discriminator import event_discriminator
from emulator.program import InvokeContext


def event_bytes(event: object) -> bytes:
    """The payload of an event: ``sha256("event:<Name>")[:8]`` followed by the Borsh struct."""
    cls = type(event)
    return event_discriminator(idl_name(cls)) + encode(borsh_type(cls), event)


def emit(ctx: InvokeContext, event: object) -> None:
    """Log ``event`` (an instance of a declared event struct) as Anchor's ``emit!`` does."""
    ctx.log_data(event_bytes(event))

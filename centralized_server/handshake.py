"""The opening every connection to the server makes (a fresh challenge, and a hello that proves the client's key)
and the way one is refused (the reason, then the close).

The coordinator's port and the data server's port open the same way, so a client is the same identity on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from solders.pubkey import Pubkey
from solders.signature import Signature

from centralized_server.errors import BadSignature, ProtocolError, UnexpectedMessage
from centralized_server.events import emit
from centralized_server.wire import (
    CHALLENGE_BYTES,
    MAX_CLIENT_FRAME,
    Challenge,
    ErrorMessage,
    Hello,
    decode_message,
    encode_message,
    hello_message,
    read_frame,
    write_frame,
)

__all__ = ["authenticate", "refuse"]


async def authenticate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, run_id: str) -> Hello:
    """Send a challenge and check the answer: a Hello for ``run_id`` signed over it; ProtocolError says why not."""
    nonce = secrets.token_bytes(CHALLENGE_BYTES)
    write_frame(writer, encode_message(Challenge(nonce)))
    await writer.drain()
    hello = decode_message(await read_frame(reader, MAX_CLIENT_FRAME))
    if not isinstance(hello, Hello):
        raise UnexpectedMessage(f"the first message must be Hello, got {type(hello).__name__}")
    if hello.run_id != run_id:
        raise UnexpectedMessage(f"this server runs {run_id!r}, not {hello.run_id!r}")
    key = Pubkey.from_bytes(hello.signer)
    if not Signature.from_bytes(hello.signature).verify(key, hello_message(nonce, hello.run_id)):
        raise BadSignature(f"the hello's signature does not prove key {key}")
    return hello


async def refuse(writer: asyncio.StreamWriter, event: str, exc: ProtocolError) -> None:
    """Log ``event`` and tell the peer why it is refused, as far as it still listens; the caller closes."""
    emit(event, f"refused a client: {exc}", level=logging.WARNING, error=str(exc))
    with contextlib.suppress(ConnectionError, TimeoutError):
        write_frame(writer, encode_message(ErrorMessage(str(exc))))
        await asyncio.wait_for(writer.drain(), 1.0)

"""The opening every connection to the server makes: a fresh challenge, and a hello that proves the client's key.

The coordinator's port and the data server's port open the same way, so a client is the same identity on both.
"""

from __future__ import annotations

import asyncio
import secrets

from solders.pubkey import Pubkey
from solders.signature import Signature

from centralized_server.errors import BadSignature, UnexpectedMessage
from centralized_server.wire import (
    CHALLENGE_BYTES,
    MAX_CLIENT_FRAME,
    Challenge,
    Hello,
    decode_message,
    encode_message,
    hello_message,
    read_frame,
    write_frame,
)

__all__ = ["authenticate"]


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

"""A payload signed with a client's ed25519 key, as every gossip message is (the reference's ``SignedMessage``).

The wire form is JSON: ``{"from": base58 pubkey, "data": base64 payload, "signature": base58}``. A message
is only ever handed on after :meth:`SignedMessage.from_wire` has checked its signature.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from client.errors import ClientError

__all__ = ["SignedMessage", "InvalidSignature"]


class InvalidSignature(ClientError, ValueError):
    """The message is malformed or its signature does not verify against its sender."""


@dataclass(frozen=True)
class SignedMessage:
    sender: Pubkey
    data: bytes
    signature: Signature

    @classmethod
    def sign(cls, keypair: Keypair, data: bytes) -> SignedMessage:
        return cls(keypair.pubkey(), data, keypair.sign_message(data))

    def to_wire(self) -> bytes:
        return json.dumps(
            {"from": str(self.sender), "data": base64.b64encode(self.data).decode(), "signature": str(self.signature)}
        ).encode()

    @classmethod
    def from_wire(cls, raw: bytes) -> SignedMessage:
        """Parse and verify; raises InvalidSignature for anything that is not a correctly signed message.

        >>> key = Keypair()
        >>> SignedMessage.from_wire(SignedMessage.sign(key, b"hi").to_wire()).data
        b'hi'
        >>> SignedMessage.from_wire(b'{"data": ""}')
        Traceback (most recent call last):
        ...
        client.p2p.signed.InvalidSignature: malformed signed message: 'from'
        """
        try:
            fields = json.loads(raw)
            message = cls(
                Pubkey.from_string(fields["from"]),
                base64.b64decode(fields["data"], validate=True),
                Signature.from_string(fields["signature"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise InvalidSignature(f"malformed signed message: {exc}") from exc
        if not message.signature.verify(message.sender, message.data):
            raise InvalidSignature(f"signature of {message.sender} does not verify")
        return message

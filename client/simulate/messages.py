"""The simulated clients' unsigned transactions, compiled once per client and instruction, then patched.

A simulated client sends the same instruction to the same accounts thousands of times a week; only the recent
blockhash and the instruction's data change. A legacy message is its header, its account keys, the recent
blockhash, then the compiled instructions, and with a single instruction the data are the message's last bytes. So
the message solders compiles for a client's first send of an instruction is kept cut around the blockhash and the
data, and every later send of the same shape joins its own blockhash and data in: the same bytes solders would
compile (``tests/client/simulate/test_messages.py``), without compiling the message again.

The signatures are the simulator's stand-ins (:func:`stand_in_signatures`, see :mod:`client.simulate.chain`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from solders.hash import Hash
from solders.instruction import Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction

__all__ = ["InstructionOf", "StandInTransactions", "stand_in_signatures", "stand_in_transaction"]

_HEADER_BYTES = 3
_KEY_BYTES = 32
_SHORT_VEC_ONE_BYTE = 0x80  # a compact-u16 below this is one byte
_PADDING = bytes(32)  # a signature is 64 bytes


def stand_in_signatures(message: bytes, count: int) -> list[bytes]:
    """The stand-in signatures of an unsigned message's ``count`` signers: ``sha256(message, signer number)`` and 32
    zero bytes. Deterministic, like ed25519's, so a resent message meets the status cache as a signed one would, and
    distinct for distinct messages; SHA-256 as it costs half of SHA-512 (one in every transaction of a simulation)."""
    if count == 1:  # a client's own transaction: one hash, no copy of its state
        return [hashlib.sha256(message + b"\0").digest() + _PADDING]
    digest = hashlib.sha256(message)
    signatures = []
    for number in range(count):
        signer = digest.copy()
        signer.update(bytes((number,)))
        signatures.append(signer.digest() + _PADDING)
    return signatures


@dataclass(frozen=True, slots=True)
class _Template:
    """A compiled one-instruction message cut around its recent blockhash and its instruction data."""

    head: bytes
    middle: bytes
    signers: int

    @classmethod
    def compile(cls, instruction: Instruction, payer: Pubkey) -> _Template:
        message = Message.new_with_blockhash([instruction], payer, Hash.default())
        encoded = bytes(message)
        keys = len(message.account_keys)
        signers = message.header.num_required_signatures
        if keys >= _SHORT_VEC_ONE_BYTE or signers >= _SHORT_VEC_ONE_BYTE:
            raise ValueError(f"a template needs fewer than {_SHORT_VEC_ONE_BYTE} keys and signers")
        at = _HEADER_BYTES + 1 + keys * _KEY_BYTES
        data = instruction.data
        if encoded[at : at + _KEY_BYTES] != bytes(Hash.default()) or not encoded.endswith(data):
            raise ValueError("the compiled message is not laid out as a legacy one-instruction message")
        return cls(encoded[:at], encoded[at + _KEY_BYTES : len(encoded) - len(data)], signers)


InstructionOf = Callable[[str, Pubkey, bytes], Instruction]
"""``(name, payer, data)`` to the instruction: how a template's first message is compiled."""


class StandInTransactions:
    """Unsigned transactions with stand-in signatures for one-instruction messages, from a template per payer,
    instruction name and data length (an instruction of a name has the same accounts for a payer throughout a run)."""

    def __init__(self, instruction_of: InstructionOf) -> None:
        self._instruction_of = instruction_of
        self._templates: dict[tuple[Pubkey, str, int], _Template] = {}

    def transaction(self, name: str, payer: Pubkey, data: bytes, blockhash: Hash) -> Transaction:
        """Instruction ``name`` with ``data``, paid by ``payer`` at ``blockhash``, with stand-in signatures."""
        key = (payer, name, len(data))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = _Template.compile(self._instruction_of(name, payer, data), payer)
        message = b"".join((template.head, bytes(blockhash), template.middle, data))
        signatures = stand_in_signatures(message, template.signers)
        return Transaction.from_bytes(b"".join((bytes((len(signatures),)), *signatures, message)))


def stand_in_transaction(message: Message) -> Transaction:
    """Any unsigned message with its stand-in signatures."""
    encoded = bytes(message)
    signatures = stand_in_signatures(encoded, message.header.num_required_signatures)
    return Transaction.populate(message, [Signature(signature) for signature in signatures])

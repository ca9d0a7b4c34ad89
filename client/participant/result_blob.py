"""The bytes of a training result blob: one client's DisTrO result for one batch, as peers download it.

Layout (our own; a Python-only network need not speak postcard, spec client-training.md §9): a 4-byte big-endian
header length, a JSON header — the trainer's nonce and each tensor's shapes and byte lengths in parameter order —
then every tensor's ``index_bytes ‖ value_bytes``. The commitment hash covers the whole blob
(:func:`client.participant.messages.result_commitment_hash`), so a peer verifies exactly what it applies, nonce
included.

The trainer nonce (the reference's ``TransmittableDistroResult.trainer_nonce``) counts the batches the trainer's
process has trained before this one; at apply time results of freshly started trainers are skipped while the
model comes from peers (§4.5).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from client.train.compression import PackedTensor, ValueKind
from client.train.distro import DistroResult
from client.train.errors import IncompatibleResultError

__all__ = ["TensorLayout", "encode_result", "decode_result", "framed_header", "read_trainer_nonce"]

HEADER_LENGTH_BYTES = 4


def encode_result(result: DistroResult, trainer_nonce: int) -> bytes:
    """The blob of a (transmission-ready) result trained by a trainer at ``trainer_nonce``."""
    packed = result.pack()
    layouts = [
        TensorLayout(p.value_kind, p.value_shape, p.xshape, p.totalk, len(p.index_bytes), len(p.value_bytes))
        for p in packed
    ]
    body = b"".join(p.index_bytes + p.value_bytes for p in packed)
    return framed_header(layouts, trainer_nonce) + body


@dataclass(frozen=True)
class TensorLayout:
    """What the header says of one tensor: its value kind and shape, encoded shape, and byte lengths."""

    value_kind: ValueKind
    value_shape: tuple[int, ...]
    xshape: tuple[int, ...]
    totalk: int
    index_len: int
    value_len: int


def framed_header(layouts: Sequence[TensorLayout], trainer_nonce: int) -> bytes:
    """The blob's length-prefixed JSON header (so a receiver can compute an honest blob's size without one)."""
    tensors = [
        {
            "kind": t.value_kind.value,
            "value_shape": list(t.value_shape),
            "xshape": list(t.xshape),
            "totalk": t.totalk,
            "index_len": t.index_len,
            "value_len": t.value_len,
        }
        for t in layouts
    ]
    header = {"trainer_nonce": trainer_nonce, "tensors": tensors}
    raw_header = json.dumps(header, separators=(",", ":")).encode()
    return len(raw_header).to_bytes(HEADER_LENGTH_BYTES, "big") + raw_header


def _header(blob: bytes) -> tuple[dict[str, Any], int]:
    """The parsed header and the offset of the first tensor's bytes."""
    try:
        length = int.from_bytes(blob[:HEADER_LENGTH_BYTES], "big")
        header = json.loads(blob[HEADER_LENGTH_BYTES : HEADER_LENGTH_BYTES + length])
    except ValueError as exc:
        raise IncompatibleResultError(f"malformed result blob: {exc}") from exc
    if not isinstance(header, dict):
        raise IncompatibleResultError("malformed result blob: its header is not an object")
    return header, HEADER_LENGTH_BYTES + length


def read_trainer_nonce(blob: bytes) -> int:
    """The nonce of the trainer that made ``blob``, read from the header alone (the tensors stay packed)."""
    header, _ = _header(blob)
    nonce = header.get("trainer_nonce")
    if not isinstance(nonce, int) or nonce < 0:
        raise IncompatibleResultError(f"malformed result blob: trainer nonce {nonce!r}")
    return nonce


def decode_result(blob: bytes, device: torch.device | str = "cpu") -> DistroResult:
    """Parse and bounds-check a peer's blob; :class:`IncompatibleResultError` when it is malformed."""
    header, offset = _header(blob)
    try:
        packed = []
        for entry in header["tensors"]:
            index_end = offset + int(entry["index_len"])
            value_end = index_end + int(entry["value_len"])
            if value_end > len(blob):
                raise IncompatibleResultError("result blob is shorter than its header says")
            packed.append(
                PackedTensor(
                    index_bytes=blob[offset:index_end],
                    value_bytes=blob[index_end:value_end],
                    value_kind=ValueKind(entry["kind"]),
                    value_shape=tuple(int(d) for d in entry["value_shape"]),
                    xshape=tuple(int(d) for d in entry["xshape"]),
                    totalk=int(entry["totalk"]),
                )
            )
            offset = value_end
    except (ValueError, KeyError, TypeError) as exc:
        raise IncompatibleResultError(f"malformed result blob: {exc}") from exc
    if offset != len(blob):
        raise IncompatibleResultError(f"result blob has {len(blob) - offset} trailing bytes")
    return DistroResult.unpack(packed, device)

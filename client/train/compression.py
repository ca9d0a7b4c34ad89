"""Top-k selection of DCT coefficients, their byte packing, and the scatter-mean that aggregates peers (spec §3.5).

A compressed tensor keeps, per chunk, the ``k`` coefficients of largest magnitude: their positions inside the chunk
(``sparse_idx``, packed little-endian into as few bytes as ``totalk`` needs) and their values (``sparse_val``: the
values themselves, or after 1-bit quantization the sign bits, True = negative). Everything runs on whole tensors,
on whatever device the input lives on.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

import torch

from client.train.errors import IncompatibleResultError

__all__ = [
    "CompressedTensor",
    "PackedTensor",
    "ValueKind",
    "compress",
    "decompress",
    "sign_votes",
    "flat_positions",
    "scatter_mean",
    "index_width",
    "pack_indices",
    "unpack_indices",
    "pack_signs",
    "unpack_signs",
    "tensor_bytes",
    "bytes_tensor",
]


def index_width(totalk: int) -> int:
    """Bytes per packed index: 1 up to 256 coefficients per chunk, 2 up to 65536, 4 up to 2**32, else 8.

    >>> [index_width(n) for n in (64, 256, 257, 4096, 65536, 65537)]
    [1, 1, 2, 2, 2, 4]
    """
    if totalk <= 1 << 8:
        return 1
    if totalk <= 1 << 16:
        return 2
    if totalk <= 1 << 32:
        return 4
    return 8


def pack_indices(idx: torch.Tensor, totalk: int) -> torch.Tensor:
    """Int64 indices [..., k] -> uint8 [..., k * width], each index little-endian (the reference's u16/u32 view)."""
    width = index_width(totalk)
    shifts = torch.arange(0, 8 * width, 8, device=idx.device)
    packed = (idx.unsqueeze(-1) >> shifts) & 0xFF  # [..., k, width], least significant byte first
    return packed.to(torch.uint8).flatten(-2)


def unpack_indices(packed: torch.Tensor, totalk: int) -> torch.Tensor:
    """Inverse of :func:`pack_indices`: uint8 [..., k * width] -> int64 [..., k]."""
    width = index_width(totalk)
    if packed.shape[-1] % width:
        raise IncompatibleResultError(f"{packed.shape[-1]} index bytes per chunk is not a multiple of {width}")
    shifts = torch.arange(0, 8 * width, 8, device=packed.device)
    by_byte = torch.unflatten(packed.to(torch.int64), -1, (-1, width))
    return (by_byte << shifts).sum(-1)


_BIT_WEIGHTS = (1, 2, 4, 8, 16, 32, 64, 128)


def pack_signs(bits: torch.Tensor) -> torch.Tensor:
    """Booleans (any shape) -> uint8 [ceil(n / 8)], flattened in row-major order, LSB first, zero-padded."""
    flat = bits.reshape(-1).to(torch.uint8)
    padded = torch.nn.functional.pad(flat, (0, (-flat.numel()) % 8))
    weights = torch.tensor(_BIT_WEIGHTS, dtype=torch.uint8, device=bits.device)
    return (padded.view(-1, 8) * weights).sum(-1, dtype=torch.uint8)


def unpack_signs(packed: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """Inverse of :func:`pack_signs`: the first ``prod(shape)`` bits, as a bool tensor of ``shape``."""
    count = math.prod(shape)
    if packed.numel() != (count + 7) // 8:
        raise IncompatibleResultError(f"{packed.numel()} sign bytes cannot hold exactly {count} signs")
    weights = torch.tensor(_BIT_WEIGHTS, dtype=torch.uint8, device=packed.device)
    bits = (packed.reshape(-1, 1) & weights) != 0
    return bits.reshape(-1)[:count].reshape(tuple(shape))


class ValueKind(Enum):
    """How ``sparse_val`` travels: sign bits, or raw little-endian floats of one dtype."""

    OneBit = "1bit"
    BFloat16 = "bf16"
    Float16 = "f16"
    Float32 = "f32"

    @property
    def dtype(self) -> torch.dtype:
        """The tensor dtype of an unpacked value of this kind."""
        return _KIND_DTYPES[self]

    @classmethod
    def of(cls, dtype: torch.dtype) -> ValueKind:
        """The kind that carries tensors of ``dtype``; :class:`IncompatibleResultError` if none does."""
        for kind, kind_dtype in _KIND_DTYPES.items():
            if kind_dtype == dtype:
                return kind
        raise IncompatibleResultError(f"no wire value kind for dtype {dtype}")


_KIND_DTYPES = {
    ValueKind.OneBit: torch.bool,
    ValueKind.BFloat16: torch.bfloat16,
    ValueKind.Float16: torch.float16,
    ValueKind.Float32: torch.float32,
}


@dataclass(frozen=True)
class CompressedTensor:
    """One parameter's top-k DCT coefficients: what a peer sends for it and what aggregation consumes.

    ``sparse_idx`` is uint8 [..., k * index_width(totalk)]; ``sparse_val`` is [..., k] of a float dtype, or bool
    after :meth:`quantized` (True = negative). ``xshape`` is the encoded shape and ``totalk`` the coefficients per
    chunk (the size of the merged last dimension).
    """

    sparse_idx: torch.Tensor
    sparse_val: torch.Tensor
    xshape: tuple[int, ...]
    totalk: int

    @property
    def is_quantized(self) -> bool:
        """True once values are sign bits."""
        return self.sparse_val.dtype == torch.bool

    def quantized(self) -> CompressedTensor:
        """Values replaced by their sign bits (``signbit``: +0 -> +1, -0 -> -1 on unpacking)."""
        return replace(self, sparse_val=torch.signbit(self.sparse_val))

    def with_values_as(self, dtype: torch.dtype) -> CompressedTensor:
        """Values cast to ``dtype`` (bf16 halves the bytes of unquantized values, as the reference's bf16 params)."""
        return self if self.is_quantized else replace(self, sparse_val=self.sparse_val.to(dtype))

    def values(self, dtype: torch.dtype) -> torch.Tensor:
        """The values as numbers of ``dtype``: sign bits become -1 / +1."""
        if self.is_quantized:
            return 1 - 2 * self.sparse_val.to(dtype)
        return self.sparse_val.to(dtype)

    def indices(self) -> torch.Tensor:
        """The chunk-local coefficient indices, int64 [..., k]."""
        return unpack_indices(self.sparse_idx, self.totalk)

    @property
    def index_bytes(self) -> int:
        """Bytes of packed indices."""
        return self.sparse_idx.numel()

    @property
    def value_bytes(self) -> int:
        """Bytes of values: packed sign bits, or the raw floats."""
        if self.is_quantized:
            return (self.sparse_val.numel() + 7) // 8
        return self.sparse_val.numel() * self.sparse_val.element_size()

    @property
    def num_bytes(self) -> int:
        """Payload bytes on the wire for this tensor (indices + values, no framing)."""
        return self.index_bytes + self.value_bytes

    def pack(self) -> PackedTensor:
        """The wire form: raw bytes of indices and values, with the shapes needed to rebuild them."""
        values = pack_signs(self.sparse_val) if self.is_quantized else self.sparse_val.contiguous().view(torch.uint8)
        return PackedTensor(
            index_bytes=tensor_bytes(self.sparse_idx),
            value_bytes=tensor_bytes(values),
            value_kind=ValueKind.of(self.sparse_val.dtype),
            value_shape=tuple(self.sparse_val.shape),
            xshape=self.xshape,
            totalk=self.totalk,
        )


@dataclass(frozen=True)
class PackedTensor:
    """A :class:`CompressedTensor` as bytes: ``index_bytes ‖ value_bytes`` is what the commitment hash covers.

    Values are little-endian (bf16/f16/f32 raw bytes) or sign bits packed LSB first and zero-padded to a byte.
    """

    index_bytes: bytes
    value_bytes: bytes
    value_kind: ValueKind
    value_shape: tuple[int, ...]
    xshape: tuple[int, ...]
    totalk: int

    @property
    def num_bytes(self) -> int:
        """Payload bytes (indices + values)."""
        return len(self.index_bytes) + len(self.value_bytes)

    def unpack(self, device: torch.device | str = "cpu") -> CompressedTensor:
        """Rebuild and bounds-check the tensor; :class:`IncompatibleResultError` if the bytes are inconsistent."""
        if not self.value_shape or self.totalk < 1:
            raise IncompatibleResultError(f"bad result header: values {self.value_shape}, totalk {self.totalk}")
        *lead, k = self.value_shape
        if not 1 <= k <= self.totalk:
            raise IncompatibleResultError(f"{k} values per chunk with only {self.totalk} coefficients")
        if tuple(lead) != _chunk_grid(self.xshape, self.totalk):
            raise IncompatibleResultError(f"values {self.value_shape} do not fit the encoded shape {self.xshape}")
        width = index_width(self.totalk)
        if len(self.index_bytes) != math.prod(self.value_shape) * width:
            raise IncompatibleResultError(f"{len(self.index_bytes)} index bytes for values {self.value_shape}")
        sparse_idx = bytes_tensor(self.index_bytes).reshape(*lead, k * width)
        if bool((unpack_indices(sparse_idx, self.totalk) >= self.totalk).any()):
            raise IncompatibleResultError(f"an index is out of range for {self.totalk} coefficients per chunk")
        raw_val = bytes_tensor(self.value_bytes)
        if self.value_kind is ValueKind.OneBit:
            sparse_val = unpack_signs(raw_val, self.value_shape)
        else:
            dtype = self.value_kind.dtype
            expected = math.prod(self.value_shape) * torch.empty(0, dtype=dtype).element_size()
            if raw_val.numel() != expected:
                raise IncompatibleResultError(f"{raw_val.numel()} value bytes, expected {expected}")
            sparse_val = raw_val.view(dtype).reshape(self.value_shape)
            if not bool(torch.isfinite(sparse_val).all()):
                raise IncompatibleResultError("a value is NaN or infinite")  # one would poison every replica
        return CompressedTensor(sparse_idx.to(device), sparse_val.to(device), self.xshape, self.totalk)


def tensor_bytes(tensor: torch.Tensor) -> bytes:
    """The raw bytes of a tensor in memory order (little-endian on every platform torch supports).

    One ``memcpy`` through ctypes: the package does not depend on numpy, and iterating a storage is very slow.
    """
    tensor = tensor.detach().contiguous().cpu()
    return ctypes.string_at(tensor.data_ptr(), tensor.numel() * tensor.element_size()) if tensor.numel() else b""


def bytes_tensor(data: bytes) -> torch.Tensor:
    """A fresh uint8 tensor holding a copy of ``data`` (the inverse of :func:`tensor_bytes` for uint8)."""
    return torch.frombuffer(bytearray(data), dtype=torch.uint8) if data else torch.empty(0, dtype=torch.uint8)


def _chunk_grid(xshape: tuple[int, ...], totalk: int) -> tuple[int, ...]:
    """The leading (per-chunk) dims of values for an encoded shape: blocks of a matrix merge their last two dims."""
    if len(xshape) > 2:
        if xshape[-2] * xshape[-1] != totalk:
            raise IncompatibleResultError(f"encoded shape {xshape} has no {totalk}-coefficient chunks")
        return xshape[:-2]
    if len(xshape) != 2 or xshape[-1] != totalk:
        raise IncompatibleResultError(f"encoded shape {xshape} has no {totalk}-coefficient chunks")
    return xshape[:-1]


def compress(encoded: torch.Tensor, topk: int) -> CompressedTensor:
    """Keep the ``topk`` largest-magnitude coefficients of every chunk of a DCT-encoded tensor.

    Blocks [..., n1, n2] are merged into [..., n1*n2] first; ``topk`` is clamped to [1, totalk]. Selection order
    inside a chunk is whatever ``torch.topk(sorted=False)`` gives (it does not matter to aggregation).
    """
    xshape = tuple(encoded.shape)
    chunks = encoded.flatten(-2) if encoded.dim() > 2 else encoded
    totalk = chunks.shape[-1]
    k = min(max(topk, 1), totalk)
    idx = torch.topk(chunks.abs(), k, dim=-1, largest=True, sorted=False).indices
    return CompressedTensor(pack_indices(idx, totalk), torch.gather(chunks, -1, idx), xshape, totalk)


def decompress(results: Sequence[CompressedTensor], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Scatter-mean of several results of one parameter into a dense encoded tensor of shape ``xshape``.

    Every coefficient becomes the mean of the values of the results that selected it, 0 where none did. All
    results must share ``xshape`` and ``totalk``.
    """
    flat = flat_positions(results, device)
    val = torch.cat([r.values(dtype).to(device) for r in results], dim=-1)
    return scatter_mean(flat, val.reshape(-1), results[0].xshape)


def scatter_mean(flat: torch.Tensor, values: torch.Tensor, xshape: tuple[int, ...]) -> torch.Tensor:
    """The dense ``xshape`` tensor whose every coefficient is the mean of the ``values`` at its flat position (0
    where none is): :func:`decompress` once the results' positions and values are laid out.

    Sums and counts over flat positions (chunk * totalk + index): one index_add each, then one division. Same result
    as scatter_reduce_("mean", include_self=False) over zeros, at a fraction of its cost on the CPU.
    """
    size = math.prod(xshape)
    sums = torch.zeros(size, dtype=values.dtype, device=values.device).index_add_(0, flat, values)
    counts = torch.zeros(size, dtype=torch.float32, device=values.device)
    counts.index_add_(0, flat, torch.ones(flat.numel(), dtype=torch.float32, device=values.device))
    return sums.div_(counts.clamp_min_(1.0)).reshape(xshape)


def sign_votes(results: Sequence[CompressedTensor], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Per coefficient, the sum of the signs of the values of the results that selected it (0 where none did).

    The sums are small integers, exact whatever order the additions run in, so replicas agree bit for bit.
    """
    flat = flat_positions(results, device)
    signs = torch.cat([r.values(dtype).to(device).sign() for r in results], dim=-1)
    votes = torch.zeros(math.prod(results[0].xshape), dtype=dtype, device=device)
    return votes.index_add_(0, flat, signs.reshape(-1)).reshape(results[0].xshape)


def flat_positions(results: Sequence[CompressedTensor], device: torch.device) -> torch.Tensor:
    """Every selected coefficient of ``results`` as a flat position ``chunk * totalk + index`` (they must agree on
    ``xshape`` and ``totalk``)."""
    if not results:
        raise ValueError("decompress needs at least one result")
    xshape, totalk = results[0].xshape, results[0].totalk
    for result in results[1:]:
        if (result.xshape, result.totalk) != (xshape, totalk):
            raise IncompatibleResultError(
                f"results disagree on shape: {result.xshape}/{result.totalk} vs {xshape}/{totalk}"
            )
    idx = torch.cat([r.indices().to(device) for r in results], dim=-1)  # [..., K]
    grid = _chunk_grid(xshape, totalk)
    chunks = math.prod(grid)
    return (idx + torch.arange(0, chunks * totalk, totalk, device=device).view(*grid, 1)).reshape(-1)

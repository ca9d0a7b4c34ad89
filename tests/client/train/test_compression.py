"""Top-k compression, index and sign packing, the packed sizes of spec §3.8, and scatter-mean aggregation."""

from __future__ import annotations

import dataclasses
import struct

import pytest
import torch

from client.train.compression import (
    CompressedTensor,
    PackedTensor,
    ValueKind,
    compress,
    decompress,
    pack_indices,
    pack_signs,
    unpack_indices,
    unpack_signs,
)
from client.train.dct import ChunkedDCT
from client.train.errors import IncompatibleResultError
from tests.client.train.reference import slow_scatter_mean

CPU = torch.device("cpu")


def test_compress_keeps_the_largest_magnitudes_of_every_chunk() -> None:
    rows = torch.tensor([[0.1, -0.9, 0.3, 0.05], [0.7, 0.2, -0.8, 0.0]])  # 1-D param encoded as 2 chunks of 4
    result = compress(rows, 2)
    assert result.xshape == (2, 4) and result.totalk == 4
    idx, val = result.indices(), result.sparse_val
    assert [sorted(r) for r in idx.tolist()] == [[1, 2], [0, 2]]
    assert sorted(val[0].tolist()) == pytest.approx([-0.9, 0.3])
    assert sorted(val[1].tolist()) == pytest.approx([-0.8, 0.7])
    torch.testing.assert_close(torch.gather(rows, -1, idx), val)


def test_compress_merges_blocks_and_clamps_k() -> None:
    blocks = torch.randn(2, 3, 4, 4)
    result = compress(blocks, 100)
    assert result.totalk == 16 and result.xshape == (2, 3, 4, 4)
    assert result.sparse_val.shape == (2, 3, 16)
    assert compress(blocks, 0).sparse_val.shape == (2, 3, 1)


@pytest.mark.parametrize(("totalk", "width"), [(64, 1), (256, 1), (257, 2), (4096, 2), (65536, 2), (65537, 4)])
def test_indices_pack_little_endian_in_the_narrowest_width(totalk: int, width: int) -> None:
    idx = torch.tensor([[0, totalk - 1], [totalk // 3, 1]])
    packed = pack_indices(idx, totalk)
    assert packed.dtype == torch.uint8 and packed.shape == (2, 2 * width)
    assert torch.equal(unpack_indices(packed, totalk), idx)


def test_a_u16_index_is_low_byte_first() -> None:
    assert pack_indices(torch.tensor([0x1234]), 4096).tolist() == [0x34, 0x12]


def test_signs_pack_lsb_first_and_pad_with_zeros() -> None:
    bits = torch.tensor([True, False, False, False, False, False, False, False, False, True])
    packed = pack_signs(bits)
    assert packed.tolist() == [0b0000_0001, 0b0000_0010]
    assert torch.equal(unpack_signs(packed, (10,)), bits)
    grid = torch.rand(3, 7) > 0.5
    assert torch.equal(unpack_signs(pack_signs(grid), (3, 7)), grid)


def test_quantized_values_are_sign_bits_with_negative_zero_negative() -> None:
    result = CompressedTensor(
        pack_indices(torch.tensor([[0, 1, 2, 3]]), 4), torch.tensor([[1.5, -2.0, 0.0, -0.0]]), (1, 4), 4
    )
    quantized = result.quantized()
    assert quantized.sparse_val.tolist() == [[False, True, False, True]]
    assert quantized.values(torch.float32).tolist() == [[1.0, -1.0, 1.0, -1.0]]


@pytest.mark.parametrize("shape", [(96,), (40, 24)])
def test_decompress_is_the_scatter_mean_of_all_peers(shape: tuple[int, ...]) -> None:
    torch.manual_seed(2)
    dct = ChunkedDCT(8)
    peers = [compress(dct.encode(torch.randn(shape)), 5) for _ in range(3)]
    peers[1] = peers[1].quantized()  # peers may mix sign bits and values
    peers.append(peers[0])  # a duplicate agrees with itself: the mean is unchanged there
    dense = decompress(peers, torch.float64, CPU)
    torch.testing.assert_close(dense, slow_scatter_mean(peers))


def test_decompress_refuses_results_of_different_shapes() -> None:
    a = compress(torch.randn(2, 8), 2)
    b = compress(torch.randn(4, 4), 2)
    with pytest.raises(IncompatibleResultError, match="disagree"):
        decompress([a, b], torch.float32, CPU)


def test_keeping_every_coefficient_reconstructs_exactly() -> None:
    torch.manual_seed(3)
    x = torch.randn(128, 192)
    dct = ChunkedDCT(64)
    full = compress(dct.encode(x), 64 * 64)
    torch.testing.assert_close(dct.decode(decompress([full], torch.float32, CPU)), x, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    ("shape", "chunk", "k", "quantize", "index_bytes", "value_bytes"),
    [
        # 2-D [256, 512], c = 64, k = 8: 32 chunks of 4096 coefficients -> u16 indices.
        ((256, 512), 64, 8, True, 32 * 8 * 2, 32 * 8 // 8),  # 17 B per 4096 params
        ((256, 512), 64, 8, False, 32 * 8 * 2, 32 * 8 * 2),  # 32 B per 4096 params (bf16 values)
        ((256, 512), 64, 4, True, 32 * 4 * 2, 32 * 4 // 8),  # 8.5 B per 4096 params
        ((256, 512), 16, 4, False, 512 * 4 * 1, 512 * 4 * 2),  # c = 16: u8 indices, 12 B per 256 params
        ((512,), 64, 8, True, 8 * 8 * 1, 8),  # a norm: 8 rows of 64, u8 indices
        ((100,), 64, 8, True, 2 * 8 * 1, 2),  # 100 = 2 rows of 50 (largest divisor <= 64)
    ],
)
def test_packed_sizes_of_spec_section_3_8(
    shape: tuple[int, ...], chunk: int, k: int, quantize: bool, index_bytes: int, value_bytes: int
) -> None:
    result = compress(ChunkedDCT(chunk).encode(torch.randn(shape)), k)
    sent = result.quantized() if quantize else result.with_values_as(torch.bfloat16)
    assert (sent.index_bytes, sent.value_bytes) == (index_bytes, value_bytes)
    packed = sent.pack()
    assert (len(packed.index_bytes), len(packed.value_bytes)) == (index_bytes, value_bytes)
    assert packed.num_bytes == sent.num_bytes == index_bytes + value_bytes


@pytest.mark.parametrize("dtype", [torch.bool, torch.bfloat16, torch.float16, torch.float32])
def test_pack_then_unpack_gives_the_same_tensor(dtype: torch.dtype) -> None:
    torch.manual_seed(4)
    result = compress(ChunkedDCT(16).encode(torch.randn(48, 80)), 7)
    sent = result.quantized() if dtype == torch.bool else result.with_values_as(dtype)
    packed = sent.pack()
    assert packed.value_kind is ValueKind.of(dtype)
    back = packed.unpack()
    assert torch.equal(back.sparse_idx, sent.sparse_idx)
    assert torch.equal(back.sparse_val, sent.sparse_val)
    assert (back.xshape, back.totalk) == (sent.xshape, sent.totalk)


def _packed_example() -> PackedTensor:
    return compress(ChunkedDCT(4).encode(torch.randn(8, 8)), 3).quantized().pack()


def test_unpack_rejects_an_index_out_of_range() -> None:
    packed = _packed_example()  # totalk 16, u8 indices
    bad = dataclasses.replace(packed, index_bytes=bytes([16]) + packed.index_bytes[1:])
    with pytest.raises(IncompatibleResultError, match="out of range"):
        bad.unpack()


def test_unpack_rejects_non_finite_values() -> None:
    packed = compress(torch.randn(2, 8), 2).pack()  # float32 values
    nan = struct.pack("<f", float("nan"))
    with pytest.raises(IncompatibleResultError, match="NaN"):
        dataclasses.replace(packed, value_bytes=nan + packed.value_bytes[4:]).unpack()


@pytest.mark.parametrize(
    "change",
    [
        {"index_bytes": b"\x00"},
        {"value_bytes": b""},
        {"value_shape": (2, 2, 17)},
        {"value_shape": (3, 2, 3)},
        {"xshape": (2, 2, 4, 5)},
        {"totalk": 0},
    ],
)
def test_unpack_rejects_inconsistent_bytes_and_shapes(change: dict[str, object]) -> None:
    with pytest.raises(IncompatibleResultError):
        dataclasses.replace(_packed_example(), **change).unpack()  # type: ignore[arg-type]

"""The chunked DCT of DisTrO: the chunking rule, the basis, and encode/decode on known tensors."""

from __future__ import annotations

import math

import pytest
import torch

from client.train.dct import ChunkedDCT, chunk_size, dct_basis


@pytest.mark.parametrize(
    ("size", "target", "expected"),
    [
        (12, 5, 4),  # largest divisor below the target
        (12, 4, 4),  # the target itself when it divides
        (100, 7, 5),
        (100, 26, 25),
        (100, 101, 100),  # smaller than the target: the whole dimension
        (1000000007, 500000000, 1),  # a prime: chunks of 1
        (1, 1, 1),
        (0, 1, 0),
        (688, 64, 43),  # LLaMA's 8/3 * 256 rounded to 16: 43-wide chunks
        (512, 64, 64),
    ],
)
def test_chunk_size_follows_the_divisor_rule(size: int, target: int, expected: int) -> None:
    assert chunk_size(size, target) == expected


def test_basis_is_the_orthonormal_dct_ii() -> None:
    c4 = dct_basis(4, torch.float64)
    a, b = math.cos(math.pi / 8) / math.sqrt(2), math.sin(math.pi / 8) / math.sqrt(2)  # 0.6533, 0.2706
    expected = torch.tensor(
        [[0.5, 0.5, 0.5, 0.5], [a, b, -b, -a], [0.5, -0.5, -0.5, 0.5], [b, -a, a, -b]], dtype=torch.float64
    )
    torch.testing.assert_close(c4, expected)
    c64 = dct_basis(64, torch.float64)
    torch.testing.assert_close(c64 @ c64.T, torch.eye(64, dtype=torch.float64))


def test_encode_of_a_ramp_matches_the_closed_form() -> None:
    # DCT-II of 0..7: X_0 = sum / sqrt(8); odd k: sqrt(2/8) * sum_j j cos(pi (2j+1) k / 16); even k > 0 vanish.
    n = 8
    ramp = torch.arange(n, dtype=torch.float32)
    expected = [sum(range(n)) / math.sqrt(n)]
    for k in range(1, n):
        expected.append(math.sqrt(2 / n) * sum(j * math.cos(math.pi * (2 * j + 1) * k / (2 * n)) for j in range(n)))
    encoded = ChunkedDCT(64).encode(ramp)
    assert encoded.shape == (1, 8)
    torch.testing.assert_close(encoded[0], torch.tensor(expected, dtype=torch.float32), atol=1e-5, rtol=1e-5)
    assert encoded[0, 0].item() == pytest.approx(9.8995, abs=1e-4)
    assert encoded[0, 1].item() == pytest.approx(-6.4423, abs=1e-4)


def test_encode_of_a_matrix_is_the_2d_dct_of_every_block() -> None:
    torch.manual_seed(0)
    x = torch.randn(12, 20, dtype=torch.float64)
    dct = ChunkedDCT(4)  # blocks of 4 x 4: a 3 x 5 grid
    encoded = dct.encode(x)
    assert encoded.shape == (3, 5, 4, 4)
    c = dct_basis(4, torch.float64)
    for row in range(3):
        for col in range(5):
            block = x[4 * row : 4 * row + 4, 4 * col : 4 * col + 4]
            torch.testing.assert_close(encoded[row, col], c @ block @ c.T)


@pytest.mark.parametrize("shape", [(8,), (513,), (64, 64), (256, 688), (100, 37), (3, 40, 50)])
def test_decode_inverts_encode(shape: tuple[int, ...]) -> None:
    torch.manual_seed(1)
    x = torch.randn(shape)
    dct = ChunkedDCT(64)
    encoded = dct.encode(x)
    assert tuple(encoded.shape) == dct.encoded_shape(x.shape)
    torch.testing.assert_close(dct.decode(encoded), x, atol=1e-5, rtol=1e-5)


def test_encoded_shapes_of_llama_weights() -> None:
    dct = ChunkedDCT(64)
    assert dct.encoded_shape((512,)) == (8, 64)
    assert dct.encoded_shape((256, 688)) == (4, 16, 64, 43)
    assert dct.encoded_shape((8192, 512)) == (128, 8, 64, 64)


def test_a_scalar_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="0-d"):
        ChunkedDCT(64).encoded_shape(())

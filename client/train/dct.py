"""The chunked 2-D DCT that DisTrO compresses in (spec client-training.md §3.3).

Every dimension of a parameter is cut into equal chunks (``chunk_size``); a matrix becomes a grid of n1 x n2
blocks and each block is replaced by its orthonormal 2-D DCT-II, a vector becomes rows of n values and each row by
its 1-D DCT. All blocks of a tensor go through two batched matrix products, never a Python loop over chunks.

Shapes (R x C matrix, chunk edges n1 = chunk_size(R), n2 = chunk_size(C)):
``encode``: [..., R, C] -> [..., R/n1, C/n2, n1, n2];   [L] -> [L/n, n]
``decode``: the inverse, chosen by the encoded rank (> 2: blocks, 2: rows).
"""

from __future__ import annotations

import math

import torch

__all__ = ["chunk_size", "dct_basis", "ChunkedDCT"]


def chunk_size(size: int, target: int) -> int:
    """The chunk edge for a dimension of ``size``: the largest divisor of ``size`` that is at most ``target``.

    That is ``target`` when it divides ``size``, ``size`` itself when ``size < target``, and 1 when nothing else
    divides (a prime). The reference computes it from a sorted divisor list; a ``target`` below 1 gives the
    smallest divisor (1) and a ``size`` of 0 gives 0, as there.

    >>> [chunk_size(12, 5), chunk_size(100, 26), chunk_size(100, 101), chunk_size(1000000007, 500000000)]
    [4, 25, 100, 1]
    >>> [chunk_size(512, 64), chunk_size(688, 64), chunk_size(1408, 64)]
    [64, 43, 64]
    """
    if size <= 0:
        return 0
    best = 1
    for low in range(1, math.isqrt(size) + 1):
        if size % low == 0:
            for divisor in (low, size // low):
                if best < divisor <= target:
                    best = divisor
    return best


def dct_basis(n: int, dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu") -> torch.Tensor:
    """The orthonormal DCT-II matrix C_n: ``C[k, j] = sqrt(2/n) cos(pi (2j+1) k / 2n)``, row 0 scaled by 1/sqrt(2).

    Built in float64 from the closed form, then cast, so every device and dtype starts from the same numbers.
    ``C @ x`` is the DCT of a column vector ``x`` and ``C.T @ y`` its inverse.
    """
    k = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(n, dtype=torch.float64).unsqueeze(0)
    basis = math.sqrt(2.0 / n) * torch.cos(math.pi * (2.0 * j + 1.0) * k / (2.0 * n))
    basis[0] /= math.sqrt(2.0)
    return basis.to(dtype=dtype, device=device)


class ChunkedDCT:
    """Encodes and decodes tensors chunk by chunk; caches one basis per (edge, dtype, device)."""

    def __init__(self, target_chunk: int) -> None:
        if target_chunk < 1:
            raise ValueError(f"the DCT chunk target must be at least 1, got {target_chunk}")
        self.target_chunk = target_chunk
        self._bases: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}

    def basis(self, n: int, like: torch.Tensor) -> torch.Tensor:
        """C_n in the dtype and on the device of ``like``."""
        key = (n, like.dtype, like.device)
        if key not in self._bases:
            self._bases[key] = dct_basis(n, like.dtype, like.device)
        return self._bases[key]

    def encoded_shape(self, shape: torch.Size | tuple[int, ...]) -> tuple[int, ...]:
        """The shape ``encode`` gives a tensor of ``shape`` (the ``xshape`` of its compressed result)."""
        if len(shape) == 0:
            raise ValueError("DisTrO cannot encode a 0-d tensor")
        if len(shape) == 1:
            n = chunk_size(shape[0], self.target_chunk)
            return (shape[0] // n, n)
        *lead, rows, cols = shape
        n1, n2 = chunk_size(rows, self.target_chunk), chunk_size(cols, self.target_chunk)
        return (*lead, rows // n1, cols // n2, n1, n2)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Chunk ``x`` and take the orthonormal DCT of every chunk (see the module docstring for shapes)."""
        encoded = self.encoded_shape(x.shape)
        if x.dim() == 1:
            rows = x.reshape(encoded)  # [L/n, n]
            return rows @ self.basis(encoded[1], x).T
        *lead, row_blocks, col_blocks, n1, n2 = encoded
        blocks = x.reshape(*lead, row_blocks, n1, col_blocks, n2).transpose(-3, -2)  # [..., R/n1, C/n2, n1, n2]
        return self.basis(n1, x) @ blocks @ self.basis(n2, x).T

    def decode(self, y: torch.Tensor) -> torch.Tensor:
        """Invert ``encode``: an encoded rank of 2 means rows of a vector, more means blocks of a matrix."""
        if y.dim() == 2:
            return (y @ self.basis(y.shape[1], y)).reshape(-1)
        if y.dim() < 2:
            raise ValueError(f"an encoded tensor has rank >= 2, got shape {tuple(y.shape)}")
        *lead, row_blocks, col_blocks, n1, n2 = y.shape
        blocks = self.basis(n1, y).T @ y @ self.basis(n2, y)  # [..., R/n1, C/n2, n1, n2]
        return blocks.transpose(-3, -2).reshape(*lead, row_blocks * n1, col_blocks * n2)

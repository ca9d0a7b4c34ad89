"""Slow, loop-by-loop versions of DisTrO's aggregation and decoding, written for the tests to compare against."""

from __future__ import annotations

import math

import torch

from client.train.compression import CompressedTensor
from client.train.dct import dct_basis


def slow_scatter_mean(results: list[CompressedTensor]) -> torch.Tensor:
    """Each coefficient of each chunk is the mean of the values of the results that chose it, else 0 (float64)."""
    xshape, totalk = results[0].xshape, results[0].totalk
    chunks = math.prod(xshape[:-2] if len(xshape) > 2 else xshape[:-1])
    chosen: dict[tuple[int, int], list[float]] = {}
    for result in results:
        k = result.sparse_val.shape[-1]
        idx = result.indices().reshape(chunks, k)
        val = result.values(torch.float64).reshape(chunks, k)
        for chunk in range(chunks):
            for j in range(k):
                chosen.setdefault((chunk, int(idx[chunk, j])), []).append(float(val[chunk, j]))
    dense = torch.zeros(chunks, totalk, dtype=torch.float64)
    for (chunk, coefficient), values in chosen.items():
        dense[chunk, coefficient] = sum(values) / len(values)
    return dense.reshape(xshape)


def slow_decode(encoded: torch.Tensor) -> torch.Tensor:
    """Inverse DCT block by block (rank 4: a matrix of n1 x n2 blocks; rank 2: rows of a vector), float64."""
    encoded = encoded.to(torch.float64)
    if encoded.dim() == 2:
        basis = dct_basis(encoded.shape[1], torch.float64)
        return torch.cat([basis.T @ row for row in encoded])
    row_blocks, col_blocks, n1, n2 = encoded.shape
    c1, c2 = dct_basis(n1, torch.float64), dct_basis(n2, torch.float64)
    out = torch.zeros(row_blocks * n1, col_blocks * n2, dtype=torch.float64)
    for r in range(row_blocks):
        for c in range(col_blocks):
            out[r * n1 : (r + 1) * n1, c * n2 : (c + 1) * n2] = c1.T @ encoded[r, c] @ c2
    return out

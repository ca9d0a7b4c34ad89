"""The same DisTrO and training code on a CUDA device (skipped where there is none)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from client.train.compression import compress, decompress
from client.train.data import SyntheticDataProvider
from client.train.dct import ChunkedDCT
from client.train.distro import DistroResult
from client.train.model import build_model
from client.train.optim_config import DistroConfig
from client.train.schedule import ConstantLR
from client.train.trainer import Trainer
from coordinator_program.core.data_assignment import BatchId

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

CUDA = torch.device("cuda")


def test_compression_on_cuda_matches_the_cpu() -> None:
    torch.manual_seed(0)
    x = torch.randn(256, 688)
    dct = ChunkedDCT(64)
    on_cpu = compress(dct.encode(x), 8)
    on_gpu = compress(dct.encode(x.to(CUDA)), 8)
    torch.testing.assert_close(dct.encode(x.to(CUDA)).cpu(), dct.encode(x), atol=1e-4, rtol=1e-4)
    dense_cpu = decompress([on_cpu.quantized()], torch.float32, torch.device("cpu"))
    dense_gpu = decompress([on_gpu.quantized()], torch.float32, CUDA)
    agree = (dense_cpu == dense_gpu.cpu()).float().mean()
    assert agree > 0.999  # top-k ties may break differently between kernels
    packed = on_gpu.quantized().pack()
    assert packed.num_bytes == on_cpu.quantized().pack().num_bytes


def test_distro_trains_in_bf16_autocast_on_cuda(small_config: dict[str, Any]) -> None:
    config = DistroConfig(compression_decay=0.999, compression_topk=8, compression_chunk=16, quantize_1bit=True)
    trainer = Trainer(
        build_model(small_config, seed=0, device=CUDA), config, ConstantLR(3e-3, 3e-3, 0), micro_batch_size=8
    )
    assert trainer.autocast
    data = SyntheticDataProvider(64, 32, seed=0)
    held_out = data.get_samples(BatchId(10_000, 10_015))
    before = trainer.evaluate(held_out)
    own: list[DistroResult] = []
    pending: list[DistroResult] = []
    for step in range(1, 21):
        if step > 2:  # step s applies the result of step s - 2
            trainer.optimize(step, [pending.pop(0)])
        output = trainer.train(step, data.get_samples(BatchId(8 * step, 8 * step + 7)), prev_self=own)
        assert output.result is not None
        own = [output.result]
        pending.append(output.result.for_transmission(quantize_1bit=True))
    assert trainer.evaluate(held_out) < before - 0.3

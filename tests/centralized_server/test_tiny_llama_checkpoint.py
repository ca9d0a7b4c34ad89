"""``scripts/make_tiny_llama_checkpoint.py`` writes a checkpoint that ``config/test-tiny-llama`` trains from, on a
centralized server and on a chain alike."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from client.participant.checkpoints import read_parameters_blob
from client.participant.runner import ExitReason, TrainingClient
from client.train.model import LlamaConfig, LlamaForCausalLM
from client.train.tiny_llama_checkpoint import main
from tests.centralized_server.server_harness import ServerRun
from tests.client.participant.train_harness import TrainRun, capturing_events

REPO = Path(__file__).resolve().parents[2]


def test_the_script_writes_a_hugging_face_layout_that_the_model_loads(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "ckpt"), "--seed", "3"]) == 0

    config = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    model = LlamaForCausalLM(LlamaConfig.from_dict(config))
    tensors = read_parameters_blob((tmp_path / "ckpt" / "model.safetensors").read_bytes())
    assert set(tensors) == {name for name, _ in model.named_parameters()}
    assert "model.layers.0.self_attn.q_proj.weight" in tensors  # the Hugging Face LLaMA names
    main(["--out", str(tmp_path / "again"), "--seed", "3"])
    assert (tmp_path / "again" / "model.safetensors").read_bytes() == (
        tmp_path / "ckpt" / "model.safetensors"
    ).read_bytes()


async def _train_two(toml: str, on_chain: bool) -> tuple[list[ExitReason], list[TrainingClient]]:
    """Two clients train the run ``toml`` describes to its end, on an embedded chain or a centralized server."""
    if on_chain:
        chain = TrainRun(toml)
        on_bank = [chain.client(i) for i in range(2)]
        return await chain.run_all(on_bank, timeout=120), on_bank
    server = ServerRun(toml)
    served: list[TrainingClient] = []

    def make() -> list[TrainingClient]:
        served.extend(server.client(i) for i in range(2))
        return served

    return [ExitReason(e) for e in await server.run_all(make, timeout=120)], served


@pytest.mark.integration
@pytest.mark.parametrize("on_chain", [False, True], ids=["centralized", "chain"])
def test_two_clients_train_config_test_tiny_llama_from_the_written_checkpoint(on_chain: bool) -> None:
    checkpoint = Path(tempfile.mkdtemp(prefix="tl-"))  # short: the repo_id holds 64 bytes
    try:
        main(["--out", str(checkpoint)])
        toml = (REPO / "config" / "test-tiny-llama" / "state.toml").read_text()
        toml = toml.replace('"checkpoints/tiny-llama-local"', f'"{checkpoint}"').replace(
            "total_steps = 10", "total_steps = 4"
        )
        with capturing_events() as events:
            exits, clients = asyncio.run(_train_two(toml, on_chain))
    finally:
        shutil.rmtree(checkpoint)

    assert exits == [ExitReason.Finished] * 2
    assert all(str(checkpoint) in str(e["checkpoint"]) for e in events.named("loaded_model"))
    assert clients[0].rounds[-1].parameter_hash == clients[1].rounds[-1].parameter_hash

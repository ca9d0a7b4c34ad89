"""What the testnet forwards to every client's ``train``: evaluation, one W&B run per client in one group, and a
TensorBoard directory per client."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from client.cli.train import train
from client.testnet.client_flags import ClientFlags
from client.testnet.clients import ClientSpec


def _spec(flags: ClientFlags, index: int) -> ClientSpec:
    name = f"client-{index + 1}"
    return ClientSpec(
        index=index,
        key_file=Path("k.json"),
        authorizer="A",
        p2p_port=9000,
        log_file=Path("c.jsonl"),
        rpc_url="http://rpc",
        ws_url="ws://rpc",
        run_id="run",
        device="cpu",
        checkpoint_dir=Path("checkpoints") / name,
        extra_args=flags.train_args(name),
    )


def test_each_client_gets_its_own_run_and_directory_in_the_sessions_group(tmp_path: Path) -> None:
    flags = ClientFlags(eval_steps=10, wandb_project="mnist", wandb_group="testnet-1", tensorboard_dir=tmp_path)

    first, second = (_spec(flags, index).command() for index in (0, 1))

    assert (
        first[first.index("--wandb-run") + 1] == "client-1" and second[second.index("--wandb-run") + 1] == "client-2"
    )
    assert first[first.index("--wandb-group") + 1] == second[second.index("--wandb-group") + 1] == "testnet-1"
    assert first[first.index("--tensorboard-dir") + 1] == str(tmp_path / "client-1")
    assert first[first.index("--eval-steps") + 1] == "10"


def test_every_forwarded_flag_is_one_train_accepts() -> None:
    flags = ClientFlags(3, True, "p", "g", "team", "offline", Path("tb"))
    command = _spec(flags, 0).command()
    train_args = command[command.index("train") + 1 :]

    result = CliRunner().invoke(train, [*train_args, "--help"])

    assert result.exit_code == 0, result.output

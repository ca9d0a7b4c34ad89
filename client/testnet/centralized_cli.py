"""``psyche-centralized-local-testnet``: the local testnet with a centralized server in place of the chain.

``start`` takes ``psyche-local-testnet start``'s flags (the same options objects, less the chain's), plus the
reference's centralized names: ``--server-port``, ``--tui true|false`` (false is ``--headless``),
``--random-kill-interval`` and ``--first-client-checkpoint``; ``--write-log [DIR]`` puts each session in
``DIR/<time>/``. A ``data.toml`` beside the config's ``state.toml`` is the data the server hosts, as
``psyche-centralized-server run --data-config`` takes it.
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from centralized_server.data_server import DataConfig, load_data_config
from centralized_server.errors import DataConfigError
from client.participant.local_hub import HubRepoError, valid_repo_id
from client.testnet.centralized import run_centralized_testnet
from client.testnet.cli import check_start_options, run_session, start
from client.testnet.client_flags import ClientFlags
from client.testnet.launcher import TestnetOptions
from client.testnet.summary import EndReason

__all__ = ["cli", "main"]

CHAIN_ONLY = {"validator", "hardened", "kill_validator_after_secs", "run_id", "write_log", "kill_interval_secs"}
"""``psyche-local-testnet start`` flags that concern the chain, or that the centralized testnet names differently."""
BYZANTINE = {"byzantine_clients", "attack", "attack_scale"}
"""The byzantine-client research flags: offered by the chain's testnet only (README "Byzantine peers")."""
DATA_CONFIG_FILE = "data.toml"
"""Beside a config directory's state.toml: the training data the server hosts for a ``Server`` data location."""


def _data_config(config_path: Path) -> DataConfig | None:
    """The config directory's ``data.toml``, if it has one: the data the server hosts (``run --data-config``)."""
    path = config_path / DATA_CONFIG_FILE
    if not (config_path.is_dir() and path.is_file()):
        return None
    try:
        return load_data_config(path)
    except DataConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--config-path") from None


def _repo(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        valid_repo_id(value)
    except HubRepoError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.group(
    "psyche-centralized-local-testnet",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 119},
)
def cli() -> None:
    """Run a local centralized Psyche testnet: a server and its training clients, all on this machine."""


@cli.command(
    "start",
    params=[param for param in start.params if param.name not in CHAIN_ONLY | BYZANTINE],
    help="Start a centralized server on the config's run and its clients; follow the run until it finishes, the "
    "time limit passes, or Ctrl-C.",
)
@click.option("--server-port", type=click.IntRange(0, 65535), default=20000, show_default=True)
@click.option(
    "--tui",
    type=click.Choice(["true", "false"]),
    default="true",
    show_default=True,
    help="true: the live status line; false: JSON lines, as --headless",
)
@click.option(
    "--random-kill-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="seconds between kills of --random-kill-num clients (each restarted at once with its key)",
)
@click.option(
    "--first-client-checkpoint",
    callback=_repo,
    help="client 1 uploads each Cooldown checkpoint to this repo (a local hub directory, or a Hub repo with "
    "HF_TOKEN) and announces it",
)
@click.option(
    "--write-log",
    type=click.Path(file_okay=False, path_type=Path),
    is_flag=False,
    flag_value="logs",
    help="keep this session's logs in DIR/<time>/ (client-N.jsonl, server.jsonl, testnet.jsonl, summary.json, "
    "loss.png, keypairs); the flag alone is ./logs  [default: a new temporary directory]",
)
def centralized_start(
    num_clients: int,
    config_path: Path,
    headless: bool,
    headless_exit_after_secs: float | None,
    random_kill_num: int,
    allowed_to_kill: tuple[int, ...] | None,
    max_kills: int | None,
    client_device: str,
    client_matformer_tiers: tuple[int, ...],
    seed: int | None,
    server_port: int,
    tui: str,
    random_kill_interval: float,
    first_client_checkpoint: str | None,
    write_log: Path | None,
    **unknown: Any,
) -> None:
    client_flags = ClientFlags.pop_from(unknown, "centralized")
    if unknown:  # a flag added to psyche-local-testnet start: it needs a meaning here before it is offered
        raise click.UsageError(f"not supported by the centralized testnet: {', '.join(sorted(unknown))}")
    state_file = check_start_options(num_clients, config_path, allowed_to_kill, client_matformer_tiers)
    data_config = _data_config(config_path)
    log_dir = (
        write_log / time.strftime("%Y%m%d-%H%M%S")
        if write_log is not None
        else Path(tempfile.mkdtemp(prefix="psyche-centralized-testnet-"))
    )
    options = TestnetOptions(
        num_clients=num_clients,
        config_path=state_file,
        work_dir=log_dir / "clients",
        log_dir=log_dir,
        headless=headless or tui == "false",
        exit_after_s=headless_exit_after_secs,
        random_kill_num=random_kill_num,
        allowed_to_kill=allowed_to_kill,
        kill_interval_s=random_kill_interval,
        max_kills=max_kills,
        device=client_device,
        seed=seed,
        client_flags=client_flags,
        matformer_tiers=client_matformer_tiers,
    )
    session = functools.partial(
        run_centralized_testnet,
        server_port=server_port,
        first_client_hub_repo=first_client_checkpoint,
        data_config=data_config,
    )
    try:
        summary = asyncio.run(run_session(options, session))
    except DataConfigError as exc:  # a run on Server data without a data.toml beside its state.toml
        raise click.ClickException(f"{exc} (here: a {DATA_CONFIG_FILE} in --config-path)") from None
    if summary.reason is EndReason.ClientsExited:
        raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="psyche-centralized-local-testnet")


if __name__ == "__main__":
    main()

"""``psyche-local-testnet``: a whole Psyche network on this machine, one command (the reference's local-testnet).

``start`` brings up a chain, creates and funds keypairs, creates the run from a config, authorizes the clients,
launches them as ``train`` processes and watches the run until it ends; see :mod:`client.testnet.launcher`.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import click

from client.participant.attack_names import InvalidAttack, attack_spec
from client.participant.tracking import WandbMode
from client.testnet.chain import EMBEDDED, PROCESS, check_chain_choice
from client.testnet.client_flags import DEFAULT_EVAL_STEPS, ClientFlags
from client.testnet.display import Display
from client.testnet.launcher import TestnetOptions, run_testnet
from client.testnet.summary import EndReason, Summary
from client.testnet.tiers import BadTierList, parse_tiers
from coordinator_program.mode import ProgramMode
from formats.run_config import RunConfig, RunConfigError, load_run_config

__all__ = ["check_start_options", "cli", "main", "run_session"]

STATE_FILE = "state.toml"


def _client_numbers(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        numbers = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"must be comma-separated client numbers such as 2,3, got {value!r}") from None
    if not numbers:
        raise click.BadParameter("names no client")
    return numbers


def _tiers(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        return parse_tiers(value)
    except BadTierList as exc:
        raise click.BadParameter(str(exc)) from None


def _chain_choice(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return check_chain_choice(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _state_file(config_path: Path) -> Path:
    """A config directory (``config/NAME``) holds its run config as ``state.toml``; a file is taken as it is."""
    return config_path / STATE_FILE if config_path.is_dir() else config_path


def _check_enough_clients(run_config: RunConfig, num_clients: int) -> None:
    """Refuse a run that could never start: its first epoch waits for ``init_min_clients`` joins."""
    needed = int(run_config.config.init_min_clients)
    if num_clients < needed:
        raise click.BadParameter(
            f"the config's init_min_clients is {needed}, so {num_clients} client(s) could never start an epoch; "
            f"launch at least {needed}",
            param_hint="--num-clients",
        )


def _check_tiers(run_config: RunConfig, matformer_tiers: tuple[int, ...]) -> None:
    """Refuse tiers the run's model cannot be cut to now, rather than when each client checks its own at start-up.

    The deepest tier decides (a model that allows tier t allows every shallower one). Only then is torch imported:
    the launcher of a run without tiers never needs it.
    """
    if not any(matformer_tiers):
        return
    from client.participant.model_setup import check_tier_fits
    from client.train.errors import TrainError

    try:
        check_tier_fits(run_config.model, max(matformer_tiers))
    except TrainError as exc:
        raise click.BadParameter(str(exc), param_hint="--client-matformer-tiers") from None


def check_start_options(
    num_clients: int,
    config_path: Path,
    allowed_to_kill: tuple[int, ...] | None,
    matformer_tiers: tuple[int, ...] = (),
) -> Path:
    """The checks every testnet makes of its clients and config before starting; returns the state file."""
    if allowed_to_kill is not None and not all(1 <= n <= num_clients for n in allowed_to_kill):
        raise click.BadParameter(f"client numbers run from 1 to {num_clients}", param_hint="--allowed-to-kill")
    state_file = _state_file(config_path)
    try:
        run_config = load_run_config(state_file)
    except RunConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--config-path") from None
    _check_enough_clients(run_config, num_clients)
    _check_tiers(run_config, matformer_tiers)
    return state_file


@click.group(
    "psyche-local-testnet", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 119}
)
def cli() -> None:
    """Run a local Psyche testnet: a chain, a run and its training clients, all on this machine."""


@cli.command("start")
@click.option("--num-clients", type=click.IntRange(1), required=True, help="how many training clients to launch")
@click.option(
    "--config-path",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help=f"a config directory holding {STATE_FILE} (config/NAME), or the run config file itself",
)
@click.option("--headless", is_flag=True, help="print JSON lines instead of the live status line")
@click.option(
    "--headless-exit-after-secs",
    type=click.FloatRange(min=0, min_open=True),
    help="end the testnet after this many seconds even if the run has not finished",
)
@click.option(
    "--validator",
    default="embedded",
    callback=_chain_choice,
    show_default=True,
    help="embedded (in this process), process (a psyche-validator child) or the URL of a running one",
)
@click.option(
    "--hardened",
    is_flag=True,
    help="the chain the testnet starts runs the hardened coordinator (warmup_witness checks membership, epoch-end "
    "points saturate; see coordinator_program/QUIRKS.md); not with a --validator URL, whose validator chose its own",
)
@click.option(
    "--random-kill-num", type=click.IntRange(0), default=0, show_default=True, help="clients to kill each interval"
)
@click.option(
    "--allowed-to-kill", callback=_client_numbers, help="client numbers (1-based) that may be killed, e.g. 2,3"
)
@click.option(
    "--kill-interval-secs",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="seconds between kills",
)
@click.option(
    "--max-kills",
    type=click.IntRange(0),
    help="stop killing after this many kills in all  [default: no limit, kill every interval to the end]",
)
@click.option(
    "--kill-validator-after-secs",
    type=click.FloatRange(min=0, min_open=True),
    help="with --validator process: SIGKILL the validator in the first round this many seconds in, and restart it "
    "on the same ports 3 s later (the clients wait it out: train --rpc-outage-timeout)",
)
@click.option(
    "--write-log",
    type=click.Path(file_okay=False, path_type=Path),
    help="directory for the client logs, testnet.jsonl, summary.json, loss.png, and chain/ (ledger, keypairs)"
    "  [default: a new temporary directory]",
)
@click.option(
    "--client-device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True, help="where clients train"
)
@click.option(
    "--client-matformer-tiers",
    default="",
    callback=_tiers,
    help="the MatFormer tier of each client, e.g. 0,1,2: client i trains at tiers[i % len] (train --matformer-tier; "
    "tier t keeps the first intermediate_size/2^t FFN channels), one value applies to all  [default: every "
    "client at tier 0, the full model]",
)
@click.option(
    "--byzantine-clients",
    callback=_client_numbers,
    help="RESEARCH: client numbers (1-based) that follow the protocol but send crafted results (--attack), e.g. 2,3",
)
@click.option(
    "--attack",
    default="sign-flip",
    show_default=True,
    help="what the byzantine clients send: sign-flip, scaled, ipm, alie, gaussian, sparse-spray or free-ride "
    "(README 'Byzantine peers')",
)
@click.option("--attack-scale", type=float, help="the attack's scale (or alie's z)  [default: the attack's own]")
@click.option("--run-id", default="testnet", show_default=True, help="the run's id on chain")
@click.option("--seed", type=int, help="seed for choosing which clients to kill")
@click.option(
    "--eval-steps",
    type=click.IntRange(min=0),
    default=DEFAULT_EVAL_STEPS,
    show_default=True,
    help="each client evaluates the held-out data every this many steps (train --eval-steps); 0: never",
)
@click.option("--track-gradients", is_flag=True, help="clients log each parameter's gradient norm")
@click.option("--wandb-project", help="clients log to this W&B project, one run per client (client-N)")
@click.option("--wandb-group", help="the W&B group of this session's runs  [default: <run id>-<UTC time>]")
@click.option("--wandb-entity", help="the W&B team or user")
@click.option(
    "--wandb-mode",
    type=click.Choice([mode.value for mode in WandbMode]),
    help="online, offline or disabled  [default: online with WANDB_API_KEY, else offline to ./wandb]",
)
@click.option(
    "--tensorboard-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="clients write TensorBoard event files to DIR/client-N",
)
@click.option(
    "--write-distro-data",
    type=click.Path(file_okay=False, path_type=Path),
    help="every client writes the DisTrO results it publishes to DIR, one safetensors file per client per step "
    "(train --write-gradients-dir; the format is in docs/distro-data.md)",
)
def start(
    num_clients: int,
    config_path: Path,
    headless: bool,
    headless_exit_after_secs: float | None,
    validator: str,
    hardened: bool,
    random_kill_num: int,
    allowed_to_kill: tuple[int, ...] | None,
    kill_interval_secs: float,
    max_kills: int | None,
    kill_validator_after_secs: float | None,
    write_log: Path | None,
    client_device: str,
    client_matformer_tiers: tuple[int, ...],
    byzantine_clients: tuple[int, ...] | None,
    attack: str,
    attack_scale: float | None,
    run_id: str,
    seed: int | None,
    **client_flags: Any,
) -> None:
    """Start the testnet and follow the run until it finishes, the time limit passes, or Ctrl-C."""
    check_start_options(num_clients, config_path, allowed_to_kill, client_matformer_tiers)
    if byzantine_clients is not None and not all(1 <= n <= num_clients for n in byzantine_clients):
        raise click.BadParameter(f"client numbers run from 1 to {num_clients}", param_hint="--byzantine-clients")
    attack_with_scale = attack if attack_scale is None else f"{attack}:{attack_scale!r}"
    try:
        attack_spec(attack_with_scale)
    except InvalidAttack as exc:
        raise click.BadParameter(str(exc), param_hint="--attack") from None
    if kill_validator_after_secs is not None and validator != "process":
        raise click.BadParameter("only a validator the testnet starts can be killed", param_hint="--validator process")
    if hardened and validator not in (EMBEDDED, PROCESS):
        raise click.BadParameter("a validator given by URL chose its coordinator at genesis", param_hint="--hardened")
    # The ledger and keypairs go with the logs when there is a log directory, else in a fresh temporary one.
    work_dir = write_log / "chain" if write_log is not None else Path(tempfile.mkdtemp(prefix="psyche-testnet-"))
    options = TestnetOptions(
        num_clients=num_clients,
        config_path=_state_file(config_path),
        work_dir=work_dir,
        log_dir=write_log if write_log is not None else work_dir,
        validator=validator,
        mode=ProgramMode.HARDENED if hardened else ProgramMode.FAITHFUL,
        headless=headless,
        exit_after_s=headless_exit_after_secs,
        random_kill_num=random_kill_num,
        allowed_to_kill=allowed_to_kill,
        kill_interval_s=kill_interval_secs,
        max_kills=max_kills,
        kill_validator_after_s=kill_validator_after_secs,
        device=client_device,
        run_id=run_id,
        seed=seed,
        byzantine_clients=byzantine_clients or (),
        attack=attack_with_scale,
        client_flags=ClientFlags.pop_from(client_flags, run_id),
        matformer_tiers=client_matformer_tiers,
    )
    summary = asyncio.run(run_session(options, run_testnet))
    if summary.reason is EndReason.ClientsExited:
        raise SystemExit(1)


async def run_session(
    options: TestnetOptions, session: Callable[[TestnetOptions, Display, asyncio.Event], Awaitable[Summary]]
) -> Summary:
    """Run a testnet ``session`` with its display, until it ends or Ctrl-C (SIGINT, SIGTERM) stops it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    options.log_dir.mkdir(parents=True, exist_ok=True)
    display = Display(options.headless, options.log_dir / "testnet.jsonl")
    try:
        return await session(options, display, stop)
    finally:
        display.close()


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="psyche-local-testnet")


if __name__ == "__main__":
    main()

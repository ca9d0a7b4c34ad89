"""``psyche-centralized-server``: host a run's coordinator for training clients, without a chain.

``run --state state.toml`` serves the run on ``--server-port`` until Ctrl-C; ``validate-config`` checks the file
with the coordinator's own rules and exits. Clients connect with ``psyche-centralized-client train``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path

import click

from centralized_server.data_server import load_data_config
from centralized_server.errors import DataConfigError, StateFileError
from centralized_server.server import CentralizedServer, ServerSettings, wall_clock
from centralized_server.state_file import load_state
from coordinator_program.core.types import Coordinator, RunState
from formats.event_log import LogFormat, configure_logging

__all__ = ["cli", "main"]

STATUS_INTERVAL_S = 2.0


def _load(path: Path) -> Coordinator:
    try:
        return load_state(path, wall_clock())
    except StateFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--state") from None


STATE_OPTION = click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="the run's state.toml: [config] and [model] as update-config takes them, plus optional run_id (default: "
    "the file's folder name) and [progress]",
)


@click.group()
def cli() -> None:
    """Host a Psyche run's coordinator for training clients over TCP (the centralized mode: no chain)."""


@cli.command("validate-config")
@STATE_OPTION
def validate_config(state_path: Path) -> None:
    """Check the state file with the coordinator's rules and say what run it describes."""
    coordinator = _load(state_path)
    config = coordinator.config
    click.echo(
        f"{state_path}: run {coordinator.run_id.value!r} is valid: {int(config.total_steps)} steps, "
        f"{int(config.init_min_clients)}..{int(config.global_batch_size_end)} clients"
    )


def _bool(ctx: click.Context, param: click.Parameter, value: str) -> bool:
    return value == "true"


@cli.command("run")
@STATE_OPTION
@click.option(
    "--data-config",
    "data_config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="data.toml (dir, token_size, seq_len, optional shuffle_seed): the token files this server hosts for a run "
    'whose data location is Server = "HOST:PORT", on that port',
)
@click.option("--server-port", type=click.IntRange(0, 65535), default=20000, show_default=True)
@click.option("--server-host", default="0.0.0.0", show_default=True, help="the address to listen on")
@click.option(
    "--tui",
    type=click.Choice(["true", "false"]),
    default="true",
    show_default=True,
    callback=_bool,
    help="true: a status line (state, epoch, step, clients, last losses) every few seconds besides the events; "
    "false: only the event lines",
)
@click.option(
    "--logs",
    "log_format",
    type=click.Choice([LogFormat.Console.value, LogFormat.Json.value]),
    default=LogFormat.Console.value,
    show_default=True,
    help="event lines as text or as JSON lines",
)
@click.option("--write-log", type=click.Path(dir_okay=False, path_type=Path), help="also write JSON lines here")
@click.option(
    "--save-state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="after each successful epoch, save the run as <dir>/<run_id>-step<N>.toml (a --state to resume from)",
)
@click.option(
    "--init-warmup-time",
    type=click.IntRange(min=0),
    help="unix time before which the first epoch does not start, so clients started one by one begin together",
)
@click.option(
    "--withdraw-on-disconnect",
    type=click.Choice(["true", "false"]),
    default="true",
    show_default=True,
    callback=_bool,
    help="withdraw a client from the epoch when its connection closes (false: the health checks find it)",
)
def run(
    state_path: Path,
    data_config_path: Path | None,
    server_port: int,
    server_host: str,
    tui: bool,
    log_format: str,
    write_log: Path | None,
    save_state_dir: Path | None,
    init_warmup_time: int | None,
    withdraw_on_disconnect: bool,
) -> None:
    """Serve the run until Ctrl-C (or until it is Finished and every client left)."""
    configure_logging(LogFormat(log_format), write_log)
    coordinator = _load(state_path)
    try:
        data_config = load_data_config(data_config_path) if data_config_path is not None else None
    except DataConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--data-config") from None
    settings = ServerSettings(
        save_state_dir=save_state_dir,
        withdraw_on_disconnect=withdraw_on_disconnect,
        init_warmup_time=init_warmup_time,
        data_config=data_config,
    )
    server = CentralizedServer(coordinator, settings)
    try:
        asyncio.run(_serve(server, server_host, server_port, tui))
    except DataConfigError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {server_host}:{server_port}: {exc.strerror or exc}") from None


async def _serve(server: CentralizedServer, host: str, port: int, tui: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.start(host, port)
    status = asyncio.create_task(_show_status(server)) if tui else None
    try:
        await stop.wait()
    finally:
        if status is not None:
            status.cancel()
        await server.stop()


def status_line(server: CentralizedServer) -> str:
    """``state, epoch, step, clients, last losses`` in one line."""
    coordinator = server.coordinator
    progress = coordinator.progress
    losses = ", ".join(f"{key[:8]} {loss:.3f}" for key, loss in sorted(server.status.losses.items()))
    return (
        f"[{time.strftime('%H:%M:%S')}] {server.run_id}: {RunState(coordinator.run_state).name}, epoch "
        f"{int(progress.epoch)} step {int(progress.step)}/{int(coordinator.config.total_steps)}"
        f", {len(coordinator.epoch_state.clients)} clients ({len(server.pending())} pending), "
        f"last losses: {losses or '-'}"
    )


async def _show_status(server: CentralizedServer) -> None:
    shown = ""
    while True:
        line = status_line(server)
        if line.split("] ", 1)[1] != shown:
            shown = line.split("] ", 1)[1]
            print(line, file=sys.stderr, flush=True)
        await asyncio.sleep(STATUS_INTERVAL_S)


def main() -> None:
    """``psyche-centralized-server``."""
    with contextlib.suppress(KeyboardInterrupt):
        cli(prog_name="psyche-centralized-server")

"""``psyche-centralized-client train``: train a run hosted by a ``psyche-centralized-server`` instead of a chain.

The command is ``psyche-solana-client train`` with its chain flags replaced by ``--server-addr``: the training
flags are that command's own (taken from it, so both always offer the same), and the client is the same
:class:`~client.participant.runner.TrainingClient` on a :class:`~client.participant.server_link.ServerLink`.
The identity is the ``--wallet-private-key-path`` keypair: the server checks its signature at connect.

``--iroh-discovery`` and ``--iroh-relay`` are accepted so the reference's invocations run unchanged. Here peers
find each other through ``--bootstrap-peer`` and the coordinator's client list (HTTP on ``--p2p-host``), which
is what ``--iroh-discovery local --iroh-relay disabled`` means in the reference: no discovery service, no relay.
``n0`` and ``default`` (the reference's public discovery and relay servers) cannot be reached from a simulator
and are refused with that reason.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from centralized_server.wire import ClientCapabilities
from client.cli.command_error import CommandError
from client.cli.options import WalletSource, chain_options
from client.cli.tracking_options import pop_tracking_options, tracking
from client.cli.train import client_options, start_logging, stop_on_signals, train, train_until_done
from client.participant.model_setup import pick_device
from client.participant.server_link import ServerLink, ServerLost

__all__ = ["cli", "main"]


def _names_added_by(decorator: Any) -> set[str]:
    """The parameter names a click option decorator adds (to leave a command's chain flags out)."""

    def probe() -> None: ...

    decorated = decorator(probe)
    return {param.name for param in getattr(decorated, "__click_params__", []) if param.name is not None}


CHAIN_ONLY = _names_added_by(chain_options) | {"authorizer", "outage_timeout_s"}
"""``train`` flags that name or wait for a chain; everything else of ``train`` is a training flag."""


def _server_addr(ctx: click.Context, param: click.Parameter, value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"must be HOST:PORT, got {value!r}")
    return value


def _compatible(allowed: str, unreachable: str) -> Any:
    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        if value == unreachable:
            raise click.BadParameter(
                f"{unreachable!r} needs the reference's public servers, which this simulator does not reach; "
                f"use {allowed!r} (peers meet through --bootstrap-peer and the run's client list)"
            )
        return value

    return check


@click.group()
def cli() -> None:
    """Train a run hosted by a psyche-centralized-server (the centralized mode: no chain)."""


@cli.command(
    "train",
    params=[param for param in train.params if param.name not in CHAIN_ONLY],
    help="Connect to the server, join its run and train until it is Finished; Ctrl-C leaves it cleanly. "
    "The training flags are psyche-solana-client train's.",
)
@click.option("--server-addr", required=True, callback=_server_addr, help="HOST:PORT of the psyche-centralized-server")
@click.option(
    "--iroh-discovery",
    type=click.Choice(["local", "n0"]),
    default="local",
    show_default=True,
    callback=_compatible("local", "n0"),
    help="accepted for the reference's invocations: peers are found through --bootstrap-peer and the run's "
    "client list, as 'local' (no discovery service) means",
)
@click.option(
    "--iroh-relay",
    type=click.Choice(["disabled", "default"]),
    default="disabled",
    show_default=True,
    callback=_compatible("disabled", "default"),
    help="accepted for the reference's invocations: peers connect directly over HTTP, as 'disabled' means",
)
def centralized_train(
    run_id: str,
    server_addr: str,
    iroh_discovery: str,
    iroh_relay: str,
    wallet_private_key_path: Path | None,
    log_format: str,
    write_log: Path | None,
    progress: bool | None,
    **training: Any,
) -> None:
    signer = WalletSource(wallet_private_key_path).load()
    start_logging(log_format, write_log, progress)
    tracked = pop_tracking_options(training)
    options = client_options(**training)
    stopped_by: list[int] = []

    # The server logs the device and tier beside each witness's loss (the reference's ClientCapabilities).
    capabilities = ClientCapabilities(device=str(pick_device(options.device)), matformer_tier=options.matformer_tier)

    async def follow() -> None:
        link = ServerLink(server_addr, run_id, signer, capabilities=capabilities)
        await train_until_done(link, options, stop_on_signals(stopped_by))

    try:
        with tracking(tracked, {"run_id": run_id, "device": options.device, "eval_steps": options.eval_steps}):
            asyncio.run(follow())
    except ServerLost as exc:
        raise CommandError(str(exc)) from exc
    if stopped_by:
        raise SystemExit(128 + stopped_by[0])


def main() -> None:
    """``psyche-centralized-client``."""
    cli(prog_name="psyche-centralized-client")


if __name__ == "__main__":
    main()

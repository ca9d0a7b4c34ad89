"""``psyche-solana-client train``: join a run and train until it finishes or the user stops it (Ctrl-C)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import click
from solders.pubkey import Pubkey

from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.chain.outage import DEFAULT_OUTAGE_TIMEOUT_S, OutagePolicy
from client.cli.options import (
    PUBKEY,
    U8,
    WalletSource,
    chain_options,
    run_id_option,
    wallet_option,
)
from client.cli.p2p_options import p2p_client_options, p2p_limit_options
from client.cli.runner import CommandError, run_on_chain
from client.cli.tracking_options import pop_tracking_options, tracking, tracking_options
from client.data.errors import DataError
from client.join_authorization import NotAuthorizedToJoin
from client.participant.chain_link import ChainLink
from client.participant.checkpoint_repo import check_hub_repo_id, is_local_repo
from client.participant.coordinator_link import CoordinatorLink
from client.participant.local_hub import HubRepoError, valid_repo_id
from client.participant.logs import emit
from client.participant.pipeline import DesyncError, narrower_tier_hashes, parameter_hash
from client.participant.runner import ClientOptions, TrainingClient
from client.progress import hub_progress, progress_wanted
from client.train import TrainError
from formats.event_log import LogFormat, configure_logging

__all__ = ["DEFAULT_CHECKPOINT_DIR", "client_options", "start_logging", "stop_on_signals", "train", "train_until_done"]

DEFAULT_CHECKPOINT_DIR = "checkpoints"
"""Under the working directory: where every client keeps its last epochs' weights unless told otherwise."""


def _device(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value in ("auto", "cpu", "cuda") or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise click.BadParameter(f"must be auto, cpu, cuda or cuda:N, got {value!r}")


def _peer(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    peers = []
    for value in values:
        url = value if value.startswith(("http://", "https://")) else f"http://{value}"
        host, _, port = url.split("://", 1)[1].rpartition(":")
        if not host or not port.isdigit():
            raise click.BadParameter(f"must be HOST:PORT, got {value!r}")
        peers.append(url.rstrip("/"))
    return tuple(peers)


def _hub_repo(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        valid_repo_id(value)
        if is_local_repo(value):
            return value
        check_hub_repo_id(value)
    except HubRepoError as exc:
        raise click.BadParameter(str(exc)) from exc
    if not os.environ.get("HF_TOKEN"):
        raise click.BadParameter(f"uploading to the Hub repo {value!r} needs a token: set HF_TOKEN")
    return value


def client_options(
    *,
    device: str,
    data_dir: Path | None,
    data_cache_dir: Path | None,
    p2p_host: str,
    p2p_port: int,
    bootstrap_peers: tuple[str, ...],
    checkpoint_dir: Path,
    hub_repo: str | None,
    delete_old_steps: bool,
    keep_steps: int,
    eval_steps: int | None = None,
    track_gradients: bool = False,
    matformer_tier: int = 0,
    write_gradients_dir: Path | None = None,
    **p2p_limits: Any,
) -> ClientOptions:
    """The training client's options from ``train``'s flags (shared by every command that trains)."""
    if hub_repo is not None and matformer_tier > 0:
        # A narrower tier holds only its slice of the FFN weights: uploaded beside the run's full config.json it
        # would be a checkpoint no tier-0 client can load.
        raise click.UsageError(
            f"--hub-repo needs the full model, and --matformer-tier {matformer_tier} holds only a slice of it: "
            "upload the run's checkpoints from a tier-0 client"
        )
    return ClientOptions(
        device=device,
        data_dir=data_dir,
        data_cache_dir=data_cache_dir or default_data_cache(),
        checkpoint_dir=checkpoint_dir,
        hub_repo=hub_repo,
        keep_steps=keep_steps if delete_old_steps else None,
        p2p_host=p2p_host,
        p2p_port=p2p_port,
        bootstrap_peers=bootstrap_peers,
        eval_steps=eval_steps,
        track_gradients=track_gradients,
        matformer_tier=matformer_tier,
        write_gradients_dir=write_gradients_dir,
        **p2p_client_options(p2p_limits),
    )


def start_logging(log_format: str, write_log: Path | None, progress: bool | None) -> None:
    """``--logs``, ``--write-log`` and ``--progress`` as every training command takes them (``--logs none`` alone
    would log nowhere; progress bars never go where JSON logs do)."""
    if log_format == LogFormat.Off.value and write_log is None:
        raise click.UsageError("--logs none keeps the log only in --write-log; give that too")
    configure_logging(LogFormat(log_format), write_log)
    hub_progress(progress_wanted(progress, stderr_carries_json=log_format == LogFormat.Json.value))


def stop_on_signals(stopped_by: list[int]) -> asyncio.Event:
    """An event Ctrl-C or SIGTERM sets (recording the signal in ``stopped_by``): the client then leaves cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop_on(signum: int) -> None:
        stopped_by.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop_on, signum)
    return stop


async def train_until_done(link: CoordinatorLink, options: ClientOptions, stop: asyncio.Event) -> None:
    """Run the training client on ``link`` until the run ends or ``stop`` is set; log how it left (``exit``)."""
    client = TrainingClient(link, options)
    try:
        reason = await client.run(stop)
    except (DesyncError, TrainError, DataError, NotAuthorizedToJoin) as exc:
        raise CommandError(str(exc)) from exc
    # The weights it leaves with, so a testnet can check that every client that trained to the end agrees, and
    # that each MatFormer tier's clients hold exactly the slice of the full model's weights.
    model = client.setup.trainer.model if client.setup is not None else None
    last_step = client.rounds[-1].step if client.rounds else None
    emit(
        "exit",
        f"left run {link.run_id}: {reason.value}",
        reason=reason.name,
        step=last_step,
        matformer_tier=options.matformer_tier,
        parameter_hash=parameter_hash(model) if model is not None else None,
        tier_hashes=narrower_tier_hashes(model) if model is not None else {},
    )


def default_data_cache() -> Path:
    """``$XDG_CACHE_HOME/psyche-sim/http-data`` (``~/.cache/...`` without it)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "psyche-sim" / "http-data"


@click.command("train")
@chain_options
@wallet_option
@run_id_option
@click.option(
    "--authorizer",
    type=PUBKEY,
    help="the grantee of the join authorization to use (a delegate names its master key)  [default: the one for "
    "everyone, else the wallet's own]",
)
@click.option(
    "--device",
    default="auto",
    show_default=True,
    callback=_device,
    help="auto, cpu, cuda or cuda:N (auto: CUDA if any)",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="token files for a run whose data location is Local  [default: the location's own path]",
)
@click.option(
    "--data-cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DATA_CACHE_DIR",
    show_envvar=True,
    help="keep the Http data read so far here, so a restarted client does not download it again  "
    "[default: $XDG_CACHE_HOME/psyche-sim/http-data]",
)
@click.option("--p2p-host", default="127.0.0.1", show_default=True, help="address to serve gossip and blobs on")
@click.option("--p2p-port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port")
@click.option(
    "--bootstrap-peer",
    "bootstrap_peers",
    multiple=True,
    callback=_peer,
    help="HOST:PORT of a peer to announce ourselves to and learn the others from (repeatable)",
)
@click.option(
    "--checkpoint-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(DEFAULT_CHECKPOINT_DIR),
    show_default=True,
    help="keep each epoch's weights in <dir>/<run_id>-step<N>/ (model.safetensors and its sha256, config.json) at "
    "every Cooldown; a restarted client resumes from there and offers them to its peers, so a run every client "
    "left (a pause, a crash) continues from its last epoch",
)
@click.option(
    "--hub-repo",
    callback=_hub_repo,
    help="upload each Cooldown checkpoint to this Hugging Face repo (namespace/name; needs HF_TOKEN) or local "
    "directory (an existing one, or a path starting with /, ./ or ../) as a new revision, and announce it with "
    "`checkpoint` once the chain takes it (after the run's first epoch, for a Dummy checkpoint); at most 64 bytes "
    "(the on-chain HubRepo.repo_id)",
)
@click.option(
    "--delete-old-steps",
    is_flag=True,
    flag_value=True,  # a flag defaulting to True would otherwise mean False when given
    default=True,
    envvar="DELETE_OLD_STEPS",
    help="keep only the newest --keep-steps checkpoint directories (on unless DELETE_OLD_STEPS=false)",
)
@click.option(
    "--keep-steps",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="how many checkpoint directories --delete-old-steps keeps (at least the last epoch's, to resume from)",
)
@click.option(
    "--write-gradients-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="write every DisTrO result this client publishes to DIR, one safetensors file per step "
    "(step-<N>-<pubkey>.safetensors; the format is in docs/distro-data.md), for offline study",
)
@click.option(
    "--rpc-outage-timeout",
    "outage_timeout_s",
    type=click.FloatRange(min=0),
    default=DEFAULT_OUTAGE_TIMEOUT_S,
    show_default=True,
    help="seconds to keep retrying (the reference's backoff, over every --rpc endpoint, again and again) when the "
    "chain stops answering, e.g. while a validator restarts, before giving up; training resumes where it was",
)
@click.option(
    "--logs",
    "log_format",
    type=click.Choice([f.value for f in LogFormat]),
    default=LogFormat.Console.value,
    show_default=True,
    help="console lines, JSON lines with the reference's event names, or none (only --write-log gets the log)",
)
@click.option(
    "--write-log", type=click.Path(dir_okay=False, path_type=Path), help="also write JSON lines to this file"
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="draw Hub download and upload bars on stderr (default: only on a terminal, and never with --logs json)",
)
@click.option(
    "--matformer-tier",
    type=U8,
    default=0,
    show_default=True,
    envvar="PSYCHE_MATFORMER_TIER",
    show_envvar=True,
    help="train the nested MatFormer sub-model of this tier: every MLP keeps its first intermediate_size/2^N "
    "channels, so memory and compute fall with N (0: the full model). Checked against the run's model before "
    "joining; the run's other clients may be at other tiers (README 'MatFormer tiers')",
)
@tracking_options
@p2p_limit_options
def train(
    chain: ChainTarget,
    wallet: WalletSource,
    run_id: str,
    authorizer: Pubkey | None,
    outage_timeout_s: float,
    log_format: str,
    write_log: Path | None,
    progress: bool | None,
    **training: Any,
) -> None:
    """Join the run and train until it is Finished; Ctrl-C leaves it cleanly."""
    signer = wallet.load()
    start_logging(log_format, write_log, progress)
    tracked = pop_tracking_options(training)
    options = client_options(**training)
    stopped_by: list[int] = []  # the signal that stopped the client, if one did

    async def follow(backend: ChainBackend) -> None:
        stop = stop_on_signals(stopped_by)
        outage = OutagePolicy(timeout_s=outage_timeout_s)
        link = ChainLink(backend, run_id, signer, authorizer, websocket_url=chain.websocket_url, outage=outage)
        await train_until_done(link, options, stop)

    with tracking(tracked, {"run_id": run_id, "device": options.device, "eval_steps": options.eval_steps}):
        run_on_chain(chain, follow, one_shot=False)
    if stopped_by:  # left cleanly, with the shell's status for the signal (Ctrl-C: 130, as every command)
        raise SystemExit(128 + stopped_by[0])

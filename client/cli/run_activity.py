"""Commands anyone (tick) or a client of the run (checkpoint) sends to move a run along (spec §3.4)."""

from __future__ import annotations

import asyncio

import click

from client.chain.backend import ChainBackend, TransactionFailed
from client.chain.open import ChainTarget
from client.cli.failures import describe_failure, run_state_hints
from client.cli.options import U64, WalletSource, chain_options, run_id_option, wallet_option
from client.cli.output import echo, echo_logs
from client.cli.runner import CommandError, run_on_chain
from client.instructions import coordinator as coordinator_ix
from client.run_accounts import fetch_run
from coordinator_program.core.checkpoint import CHECKPOINT_UPDATES
from coordinator_program.core.types import Checkpoint, CheckpointTag, FixedString64, HubRepo, RunState

__all__ = ["tick", "checkpoint", "hub_repo", "describe_checkpoint"]


@click.command("tick")
@chain_options
@wallet_option
@run_id_option
@click.option(
    "--ms-interval",
    envvar="MS_INTERVAL",
    show_envvar=True,
    type=U64,
    default=1000,
    show_default=True,
    help="milliseconds between ticks (the first two go back to back)",
)
@click.option(
    "--count",
    envvar="COUNT",
    show_envvar=True,
    type=U64,
    help="how many ticks to send  [default: until one fails or Ctrl-C]",
)
def tick(chain: ChainTarget, wallet: WalletSource, run_id: str, ms_interval: int, count: int | None) -> None:
    """Send the run's permissionless tick, which applies the transitions its timers allow."""
    signer = wallet.load()

    async def ticks(backend: ChainBackend) -> None:
        keys = (await fetch_run(backend, run_id)).keys
        sent_count = 0
        while count is None or sent_count < count:
            try:
                sent = await backend.send([coordinator_ix.tick(signer.pubkey(), keys)], signer)
            except TransactionFailed as exc:
                state = RunState((await fetch_run(backend, run_id)).account.state.coordinator.run_state)
                raise CommandError(describe_failure(exc, run_state_hints(state))) from exc
            sent_count += 1
            echo(f"Ticked run {run_id} with transaction {sent.signature}")
            echo_logs(sent.logs)
            # The reference's interval timer fires at once the first time, so ticks 1 and 2 go back to back.
            if sent_count > 1 and (count is None or sent_count < count):
                await asyncio.sleep(ms_interval / 1000)

    run_on_chain(chain, ticks)


def hub_repo(repo: str, revision: str | None) -> HubRepo:
    """A Hub repo at an optional revision, both cut to 64 bytes as the reference does."""
    hub = HubRepo()
    hub.repo_id.set_truncated(repo)
    if revision is not None:
        text = FixedString64()
        text.set_truncated(revision)
        hub.revision.set(text)
    return hub


def _debug(hub: HubRepo) -> str:
    """The repo as the reference prints it (Rust's ``Debug``)."""
    revision = hub.revision.get()
    revision_text = "None" if revision is None else f'Some("{revision.value}")'
    return f'HubRepo {{ repo_id: "{hub.repo_id.value}", revision: {revision_text} }}'


@click.command("checkpoint")
@chain_options
@wallet_option
@run_id_option
@click.option("--repo", envvar="REPO", show_envvar=True, required=True, help="the Hugging Face repo (cut to 64 bytes)")
@click.option("--revision", envvar="REVISION", show_envvar=True, help="the repo's revision")
def checkpoint(chain: ChainTarget, wallet: WalletSource, run_id: str, repo: str, revision: str | None) -> None:
    """Announce, as a client of the current epoch, that the run's model is on the Hub at REPO."""
    client = wallet.load()
    hub = hub_repo(repo, revision)
    announced = Checkpoint()
    announced.set_variant(CheckpointTag.Hub, hub)

    async def announce(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id)
        before = run.account.state.coordinator.model.llm.checkpoint.kind
        sent = await backend.send([coordinator_ix.checkpoint(client.pubkey(), run.keys, announced)], client)
        now = (await fetch_run(backend, run_id)).account.state.coordinator.model.llm.checkpoint
        if (int(before), int(CheckpointTag.Hub)) not in CHECKPOINT_UPDATES:
            raise CommandError(
                f"transaction {sent.signature} went through, but the coordinator ignored the announcement: it takes "
                f"a Hub repo only while the run's checkpoint is Hub, P2P or P2PGcs, and it is {before.name} (a Dummy "
                f"checkpoint becomes P2P after the first epoch). The run's checkpoint is {describe_checkpoint(now)}."
            )
        echo(f"Checkpointed to repo {_debug(hub)} on run {run_id} with transaction {sent.signature}")
        echo(f"The run's checkpoint is now {describe_checkpoint(now)}")

    run_on_chain(chain, announce)


def describe_checkpoint(checkpoint: Checkpoint) -> str:
    """``Dummy(repo)``, ``P2P(org/model)``, ``Hub(org/model@rev)``, ``Gcs(bucket/prefix)`` or ``Ephemeral``."""
    kind = checkpoint.kind
    repo = checkpoint.variant()
    if repo is None:
        return str(kind.name)
    if isinstance(repo, HubRepo):
        name, suffix, separator = repo.repo_id.value, repo.revision.get(), "@"
    else:
        name, suffix, separator = repo.bucket.value, repo.prefix.get(), "/"
    return f"{kind.name}({name}{'' if suffix is None else separator + suffix.value})"

"""The run owner's commands: create-run, close-run, update-config, set-paused, set-future-epoch-rates (spec §3.4).

Each reads what it needs, checks what can be checked before sending (run id length, the TOML, that there is
something to send), sends one transaction and prints the reference's lines. For a treasurer run the owner's
changes go through the treasurer's ``run_update`` (see :mod:`client.run_owner`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from solders.pubkey import Pubkey

from client.amounts import native_amount, ui_text
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import (
    PUBKEY,
    U32,
    U64,
    WalletSource,
    chain_options,
    run_id_option,
    treasurer_index_option,
    wallet_option,
)
from client.cli.output import echo, echo_logs, sol
from client.cli.runner import CommandError, run_on_chain
from client.instructions import coordinator as coordinator_ix
from client.participant.model_recovery import pointing_hint
from client.run_accounts import fetch_run
from client.run_owner import RunChanges, apply_changes, owner_instructions, restart_progress, switched_to_hub
from client.run_owner import create_run as create_run_on_chain
from client.trainability import training_problems
from coordinator_program.core.types import RunState
from coordinator_program.state.borsh_args import (
    COORDINATOR_CONFIG,
    COORDINATOR_PROGRESS,
    MODEL,
    RUN_METADATA,
)
from formats.run_config import RunConfig, RunConfigError, load_run_config, updated_metadata
from formats.run_config.rules import check_points_fit
from formats.run_config.serde import to_serde
from treasurer.logic.run_create import RUN_ID_MAX_LEN

__all__ = ["create_run", "close_run", "update_config", "set_paused", "set_future_epoch_rates"]

UNAUTHORIZED = "Unauthorized: the wallet is not the run's main authority"
OWNER_HINTS = {"ConstraintRaw": UNAUTHORIZED}
CREATE_HINTS = {"AccountAlreadyInUse": "a run with this id (or this treasurer index) exists already"}
CLOSE_HINTS = {"ConstraintRaw": f"{UNAUTHORIZED} (a treasurer run belongs to its Run account: it cannot be closed)"}
PAUSE_HINTS = OWNER_HINTS | {
    "CoordinatorErrorHalted": "the run is already halted (Uninitialized, Paused or Finished): nothing to pause"
}
# Resuming a run whose step has reached total_steps finishes it, and the tick that follows fails as Halted.
RESUME_HINTS = OWNER_HINTS | {
    "CoordinatorErrorHalted": "the run has no steps left (its step has reached config.total_steps), so resuming "
    "would finish it at once, which the coordinator refuses: raise total_steps (`update-config --config-path`) "
    "or restart from an earlier step (`update-config --restart-from-step`) first"
}


def _resume_hints(run_id: str) -> dict[str, str]:
    """Resuming checks the model; a Dummy run paused after its first epoch fails it (coordinator.md §8 quirk 5)."""
    return RESUME_HINTS | {
        "ModelSanityCheckFailed": "the run's model breaks a coordinator rule: its checkpoint names no weights (after "
        "its first epoch a Dummy run's checkpoint is P2P with no repository, so once every client left nothing on "
        f"chain says where its weights are). To resume, {pointing_hint(run_id)}"
    }


def _check_run_id(run_id: str) -> None:
    length = len(run_id.encode("utf-8"))
    if length > RUN_ID_MAX_LEN:
        raise CommandError(f"run_id must be {RUN_ID_MAX_LEN} bytes or less, got {length}")


def _read_config(path: Path | None, force: bool) -> RunConfig | None:
    """The run config at ``path``, checked as the program checks it and, unless ``force``, trainable by a client."""
    if path is None:
        return None
    try:
        run_config = load_run_config(path)
    except RunConfigError as exc:
        raise CommandError(str(exc)) from exc
    problems = training_problems(run_config.model)
    if problems and not force:
        reasons = "; ".join(problems)
        raise CommandError(
            f"{path}: no client of this project could train this run: {reasons} (--force sends it anyway)"
        )
    return run_config


force_option = click.option(
    "--force",
    is_flag=True,
    help="send the config even when no client of this project could train it (its data or checkpoint form)",
)


# -- create-run -------------------------------------------------------------------------------------------------


@click.command("create-run")
@chain_options
@wallet_option
@run_id_option
@click.option(
    "-c",
    "--client-version",
    envvar="CLIENT_VERSION",
    show_envvar=True,
    required=True,
    help='the client version the run requires ("test" accepts any client)',
)
@treasurer_index_option
@click.option(
    "--treasurer-collateral-mint",
    envvar="TREASURER_COLLATERAL_MINT",
    show_envvar=True,
    type=PUBKEY,
    help="create the run under the treasurer, paying rewards in this SPL mint",
)
@click.option("--join-authority", type=PUBKEY, help="who authorizes clients to join  [default: the wallet]")
@click.option(
    "--config-path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="a state.toml to check before anything is sent, and to send once the run exists",
)
@force_option
def create_run(
    chain: ChainTarget,
    wallet: WalletSource,
    run_id: str,
    client_version: str,
    treasurer_index: int | None,
    treasurer_collateral_mint: Pubkey | None,
    join_authority: Pubkey | None,
    config_path: Path | None,
    force: bool,
) -> None:
    """Create a run, halted in Uninitialized, owned by the wallet (or by the treasurer with a collateral mint)."""
    _check_run_id(run_id)
    if treasurer_index is not None and treasurer_collateral_mint is None:
        raise CommandError(
            "The treasurer_index is set, but treasurer_collateral_mint is not: pass --treasurer-collateral-mint"
        )
    run_config = _read_config(config_path, force)
    owner = wallet.load()

    async def create(backend: ChainBackend) -> None:
        created = await create_run_on_chain(
            backend,
            owner,
            run_id,
            client_version,
            join_authority=join_authority,
            collateral_mint=treasurer_collateral_mint,
            treasurer_index=treasurer_index,
        )
        echo(f"Created run {run_id} with transaction: {created.signature}")
        echo(f"Instance account: {created.keys.instance}")
        echo(f"Coordinator account: {created.keys.account}")
        if created.treasurer_run is not None:
            echo(f"Treasurer run: {created.treasurer_run} at index 0x{created.treasurer_index:08x}")
        echo(f"Locked for storage: {sol(created.locked_lamports)} SOL")
        if run_config is not None:
            changes = RunChanges(config=run_config.config, model=run_config.model)
            configured = await apply_changes(backend, owner, run_id, created.treasurer_index, changes)
            echo(f"Sent the configuration in {config_path} with transaction: {configured.signature}")

    run_on_chain(chain, create, CREATE_HINTS | OWNER_HINTS)


# -- close-run --------------------------------------------------------------------------------------------------


@click.command("close-run")
@chain_options
@wallet_option
@run_id_option
def close_run(chain: ChainTarget, wallet: WalletSource, run_id: str) -> None:
    """Close a halted run that the wallet owns and recover the rent of its accounts (not for treasurer runs)."""
    owner = wallet.load()

    async def close(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id)
        before = await backend.get_balance(owner.pubkey())
        sent = await backend.send([coordinator_ix.free_coordinator(owner.pubkey(), owner.pubkey(), run.keys)], owner)
        recovered = await backend.get_balance(owner.pubkey()) - before
        echo(f"Closed run {run_id} with transaction: {sent.signature}")
        echo(f"Recovered {sol(recovered)} SOL")
        echo_logs(sent.logs)

    run_on_chain(chain, close, CLOSE_HINTS)


# -- update-config ----------------------------------------------------------------------------------------------


def _show(codec: Any, value: Any) -> str:
    return "None" if value is None else json.dumps(to_serde(codec, value), sort_keys=True)


@click.command("update-config")
@chain_options
@wallet_option
@run_id_option
@treasurer_index_option
@click.option(
    "--config-path",
    envvar="CONFIG_PATH",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="a state.toml whose [config] and [model] to send (the run must be halted)",
)
@click.option("--restart-from-step", type=U32, help="restart the current epoch at this step (the run must be halted)")
@click.option("--switch-to-hub", is_flag=True, help="switch a P2P or Dummy checkpoint to Hub, keeping its repo")
@click.option("--name", help="the run's display name (at most 64 bytes)")
@click.option("--description", help="the run's description (at most 280 bytes)")
@click.option("--num-parameters", type=U64, help="the model's parameter count, for display")
@click.option("--vocab-size", type=U64, help="the model's vocabulary size, for display")
@click.option(
    "--client-version",
    envvar="CLIENT_VERSION",
    show_envvar=True,
    help="require this client version from now on (the run must be halted)",
)
@force_option
def update_config(
    chain: ChainTarget,
    wallet: WalletSource,
    run_id: str,
    treasurer_index: int | None,
    config_path: Path | None,
    restart_from_step: int | None,
    switch_to_hub: bool,
    name: str | None,
    description: str | None,
    num_parameters: int | None,
    vocab_size: int | None,
    client_version: str | None,
    force: bool,
) -> None:
    """Change a run's config, model, progress, metadata or client version."""
    run_config = _read_config(config_path, force)
    owner = wallet.load()

    async def update(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id, treasurer_index)
        coordinator = run.account.state.coordinator
        config = None if run_config is None else run_config.config
        model = None if run_config is None else run_config.model
        if switch_to_hub:
            model = switched_to_hub(coordinator.model if model is None else model)
        metadata = updated_metadata(
            run.account.state.metadata,
            name=name,
            description=description,
            num_parameters=num_parameters,
            vocab_size=vocab_size,
        )
        progress = None
        if restart_from_step is not None:
            progress = restart_progress(
                coordinator.progress.epoch,
                restart_from_step,
                coordinator.config if config is None else config,
                coordinator.model if model is None else model,
            )
        if config is not None:
            rates = run.account.state.clients_state
            highest_rate = max(
                rates.current_epoch_rates.earning_rate_total_shared, rates.future_epoch_rates.earning_rate_total_shared
            )
            check_points_fit(highest_rate, config.total_steps, str(config_path), "config.total_steps")
        changes = RunChanges(metadata, config, model, progress, client_version=client_version or None)
        if changes.is_empty:
            raise CommandError("this invocation would not update anything, bailing.")
        sent = await backend.send(owner_instructions(run, owner.pubkey(), changes), owner)
        echo(f"Updated config of run {run_id} with transaction: {sent.signature}")
        echo(f" - metadata: {_show(RUN_METADATA, metadata)}")
        echo(f" - config: {_show(COORDINATOR_CONFIG, config)}")
        echo(f" - model: {_show(MODEL, model)}")
        echo(f" - progress: {_show(COORDINATOR_PROGRESS, progress)}")
        echo(f" - client_version: {client_version or 'None'}")
        echo_logs(sent.logs)

    run_on_chain(chain, update, OWNER_HINTS)


# -- set-paused -------------------------------------------------------------------------------------------------


@click.command("set-paused")
@chain_options
@wallet_option
@run_id_option
@treasurer_index_option
@click.option(
    "--pause/--resume",
    "pause",
    default=True,
    show_default=True,
    help="pause the run (at the end of its epoch when training), or start/resume it",
)
def set_paused(
    chain: ChainTarget, wallet: WalletSource, run_id: str, treasurer_index: int | None, pause: bool
) -> None:
    """Pause a run, or start (from Uninitialized) or resume it; resuming needs a valid config and model."""
    owner = wallet.load()

    async def set_state(backend: ChainBackend) -> None:
        if not pause:
            # A Finished run fails every resume (CannotResume, or a sanity check first), whatever one changes.
            run = await fetch_run(backend, run_id, treasurer_index)
            if RunState(run.account.state.coordinator.run_state) is RunState.Finished:
                raise CommandError(
                    f"run {run_id} is Finished: it has trained all its steps and cannot be resumed (nothing was sent)"
                )
        sent = await apply_changes(backend, owner, run_id, treasurer_index, RunChanges(paused=pause))
        echo(f"Set pause state to {str(pause).lower()} on run {run_id} with transaction {sent.signature}")
        echo_logs(sent.logs)

    run_on_chain(chain, set_state, PAUSE_HINTS if pause else _resume_hints(run_id))


# -- set-future-epoch-rates -------------------------------------------------------------------------------------

_RATE = click.FloatRange(min=0.0)


@click.command("set-future-epoch-rates")
@chain_options
@wallet_option
@run_id_option
@treasurer_index_option
@click.option(
    "--earning-rate-total-shared",
    envvar="EARNING_RATE_TOTAL_SHARED",
    show_envvar=True,
    type=_RATE,
    help="collateral (UI units) shared by an epoch's healthy finishers",
)
@click.option(
    "--slashing-rate-per-client",
    envvar="SLASHING_RATE_PER_CLIENT",
    show_envvar=True,
    type=_RATE,
    help="collateral (UI units) recorded against each ejected client",
)
def set_future_epoch_rates(
    chain: ChainTarget,
    wallet: WalletSource,
    run_id: str,
    treasurer_index: int | None,
    earning_rate_total_shared: float | None,
    slashing_rate_per_client: float | None,
) -> None:
    """Set the reward rates of a treasurer run from its next epoch on."""
    if earning_rate_total_shared is None and slashing_rate_per_client is None:
        raise CommandError("nothing to set: pass --earning-rate-total-shared and/or --slashing-rate-per-client")
    owner = wallet.load()

    async def set_rates(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id, treasurer_index)
        if run.treasurer is None:
            raise CommandError("Setting future epoch rates requires a treasurer.")
        decimals = run.treasurer.decimals
        if earning_rate_total_shared is not None:
            total_steps = run.account.state.coordinator.config.total_steps
            earning = native_amount(earning_rate_total_shared, decimals)
            check_points_fit(earning, total_steps, "command line", "--earning-rate-total-shared")
        changes = RunChanges(
            earning_rate=None
            if earning_rate_total_shared is None
            else native_amount(earning_rate_total_shared, decimals),
            slashing_rate=None
            if slashing_rate_per_client is None
            else native_amount(slashing_rate_per_client, decimals),
        )
        sent = await backend.send(owner_instructions(run, owner.pubkey(), changes), owner)
        if earning_rate_total_shared is not None:
            echo(f" - Set earning rate to {ui_text(earning_rate_total_shared)} (divided between clients)")
        if slashing_rate_per_client is not None:
            echo(f" - Set slashing rate to {ui_text(slashing_rate_per_client)} (per failing client)")
        echo(f"On run {run_id} with transaction {sent.signature}:")
        echo_logs(sent.logs)

    run_on_chain(chain, set_rates, OWNER_HINTS)

"""Read-only commands: the JSON dumps monitoring scripts read (spec §3.5), and can-join (spec §3.4).

They sign nothing, so they need no wallet, and they read accounts with the programs' own layouts, so they work
against any RPC endpoint, a real cluster's included.
"""

from __future__ import annotations

import click
from solders.pubkey import Pubkey

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.state.authorization import PERMISSIONLESS_GRANTEE
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import PUBKEY, address_option, chain_options, run_id_option, treasurer_index_option
from client.cli.output import echo
from client.cli.runner import CommandError, run_on_chain
from client.instructions.authorizer import join_authorization_address
from client.json_dump import json_dump_run, json_dump_user, render_json
from client.run_accounts import fetch_authorization, fetch_run, fetch_user_view
from coordinator_program.core.types import RunState

__all__ = ["json_dump_run_command", "json_dump_user_command", "can_join"]


@click.command("json-dump-run")
@chain_options
@run_id_option
@treasurer_index_option
def json_dump_run_command(chain: ChainTarget, run_id: str, treasurer_index: int | None) -> None:
    """Print the run's coordinator instance, coordinator account and treasurer run as JSON (keys sorted)."""

    async def dump(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id, treasurer_index)
        treasurer = None if run.treasurer is None else run.treasurer.view()
        echo(render_json(json_dump_run(run.account, run.instance, run.keys.instance, treasurer)))

    run_on_chain(chain, dump)


@click.command("json-dump-user")
@chain_options
@run_id_option
@treasurer_index_option
@address_option
def json_dump_user_command(chain: ChainTarget, run_id: str, treasurer_index: int | None, address: Pubkey) -> None:
    """Print a user's SOL, its standing in the run's coordinator and its treasurer claims as JSON (keys sorted)."""

    async def dump(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id, treasurer_index)
        lamports = await backend.get_balance(address)
        user = None if run.treasurer is None else await fetch_user_view(backend, run.treasurer, address)
        echo(render_json(json_dump_user(run.account, address, lamports, user)))

    run_on_chain(chain, dump)


@click.command("can-join")
@chain_options
@run_id_option
@click.option(
    "--authorizer",
    envvar="AUTHORIZER",
    show_envvar=True,
    type=PUBKEY,
    help="the grantee whose authorization to use (a delegate's master key)  [default: everyone]",
)
@address_option
def can_join(chain: ChainTarget, run_id: str, authorizer: Pubkey | None, address: Pubkey) -> None:
    """Check that ADDRESS may join the run now: its authorization is valid and it is not in the current epoch.

    A Paused or Finished run cannot be joined now: the command says so and exits with status 1.
    """
    grantee = PERMISSIONLESS_GRANTEE if authorizer is None else authorizer

    async def check(backend: ChainBackend) -> None:
        run = await fetch_run(backend, run_id)
        join_authority = run.instance.join_authority
        record = await fetch_authorization(backend, join_authorization_address(join_authority, grantee))
        if record is None:
            raise CommandError(f"Authorization does not exist for authorizer: {grantee}")
        if not record.is_valid_for(join_authority, address, JOIN_RUN_AUTHORIZATION_SCOPE):
            raise CommandError(f"Authorization invalid for run id {run_id} using pubkey {address}")
        coordinator = run.account.state.coordinator
        state = RunState(coordinator.run_state)
        is_paused = state in (RunState.Paused, RunState.Uninitialized)
        echo(f"Run state: {state.display_name}")
        echo(f"Is paused: {str(is_paused).lower()}")
        if state is RunState.Finished:
            raise CommandError(f"run {run_id} is Finished: it trains no more, so there is nothing to join")
        if state is RunState.Paused:
            raise CommandError(
                f"run {run_id} is Paused: {address} is authorized, but `train` started now would leave at once; "
                "start it once the run's owner resumes the run (`set-paused --resume`)"
            )
        in_epoch = any(bytes(client.id.signer) == bytes(address) for client in coordinator.epoch_state.clients)
        if not is_paused and in_epoch:
            raise CommandError(
                f"{address} is already a client of the current epoch of run {run_id}, you can't join with this key!"
            )
        echo(f"✓ Can join run {run_id} with pubkey {address}")
        if state is RunState.Uninitialized:
            echo("The run has not started yet: `train` waits until its owner starts it (`set-paused --resume`).")
        authorizer_flag = "" if authorizer is None else f" --authorizer {authorizer}"
        echo(f"Join it with: psyche-solana-client train --run-id {run_id}{authorizer_flag}")

    run_on_chain(chain, check)

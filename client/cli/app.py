"""``psyche-solana-client``: the run owner's and the participant's commands, one click group.

The subcommands, flags and environment variables are the reference's (spec programs-and-cli.md §3), so its
documentation works as written; ``keygen``, ``airdrop`` and ``create-mint`` stand in for the Solana tools on a
local chain.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import click

from client.chain.ledger import CLOCK_OFFSET_ENV
from client.cli import authorization, inspection, local_chain, run_activity, run_admin, train, treasurer
from client.simulate.command import simulate

__all__ = ["cli", "main"]

_EPILOG = (
    "Chains: by default (--rpc embedded) the programs run in this process on a ledger kept in --ledger "
    "(./.psyche-ledger), so successive commands see one chain without a validator; --rpc URL talks to a "
    "psyche-validator or a real cluster instead. Wallets are solana-keygen JSON files (-w), or "
    f"$RAW_WALLET_PRIVATE_KEY. Testing aid: ${CLOCK_OFFSET_ENV} moves the embedded chain's clock ahead."
)


@click.group(
    "psyche-solana-client",
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 119},
)
def cli() -> None:
    """Create, configure, run, inspect and fund Psyche training runs on Solana."""


def _alias(command: click.Command, name: str) -> click.Command:
    """``command`` under the reference's other ``name``, hidden from the command list."""
    alias = copy.copy(command)
    alias.name = name
    alias.hidden = True
    alias.help = f"Same as `{command.name}`. {command.help or ''}"
    return alias


COMMANDS: Sequence[click.Command] = (
    run_admin.create_run,
    run_admin.close_run,
    run_admin.update_config,
    run_admin.set_paused,
    run_admin.set_future_epoch_rates,
    run_activity.tick,
    run_activity.checkpoint,
    authorization.join_authorization_create,
    authorization.join_authorization_read,
    authorization.join_authorization_set_delegates,
    authorization.join_authorization_activate,
    authorization.join_authorization_deactivate,
    authorization.join_authorization_close,
    inspection.can_join,
    inspection.json_dump_run_command,
    inspection.json_dump_user_command,
    treasurer.treasurer_top_up_rewards,
    treasurer.treasurer_claim_rewards,
    local_chain.keygen,
    local_chain.airdrop,
    local_chain.create_mint,
    simulate,
    train.train,
    _alias(authorization.join_authorization_set_delegates, "join-authorization-delegate"),
    _alias(authorization.join_authorization_deactivate, "join-authorization-delete"),
)
for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """The console script."""
    cli(prog_name="psyche-solana-client")

"""``psyche-solana-client``: the run owner's and the participant's commands, one click group.

The subcommands, flags and environment variables are the reference's (spec programs-and-cli.md §3), so its
documentation works as written; ``keygen``, ``airdrop`` and ``create-mint`` stand in for the Solana tools on a
local chain.

The group loads a subcommand's module only when that subcommand runs: ``--help`` and ``keygen`` answer without
importing the chain backends, and only ``train`` (and ``simulate``) import torch and the training stack.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
from click.utils import make_default_short_help

from client.chain.clock_offset import CLOCK_OFFSET_ENV
from client.cli.entry import INTERRUPTED_EXIT_STATUS

__all__ = ["COMMANDS", "LazyCommand", "cli"]

_EPILOG = (
    "Chains: by default (--rpc embedded) the programs run in this process on a ledger kept in --ledger "
    "(./.psyche-ledger), so successive commands see one chain without a validator; --rpc URL talks to a "
    "psyche-validator or a real cluster instead. Wallets are solana-keygen JSON files (-w), or "
    f"$RAW_WALLET_PRIVATE_KEY. Testing aid: ${CLOCK_OFFSET_ENV} moves the embedded chain's clock ahead. "
    "Ctrl-C stops any command with exit status 130."
)


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives (``module:attribute``), and the one line ``--help`` lists it with.

    ``summary`` repeats the start of the command's docstring, so the list needs no import; a test holds the two
    equal. ``alias_of`` marks a hidden second name the reference also uses.
    """

    target: str
    summary: str = ""
    alias_of: str | None = None

    def load(self, name: str) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        if self.alias_of is None:
            return command
        alias = copy.copy(command)
        alias.name = name
        alias.hidden = True
        alias.help = f"Same as `{self.alias_of}`. {command.help or ''}"
        return alias


COMMANDS: Mapping[str, LazyCommand] = {
    "create-run": LazyCommand(
        "client.cli.run_admin:create_run",
        "Create a run, halted in Uninitialized, owned by the wallet (or by the treasurer with a collateral mint).",
    ),
    "close-run": LazyCommand(
        "client.cli.run_admin:close_run",
        "Close a halted run that the wallet owns and recover the rent of its accounts (not for treasurer runs).",
    ),
    "update-config": LazyCommand(
        "client.cli.run_admin:update_config",
        "Change a run's config, model, progress, metadata or client version.",
    ),
    "set-paused": LazyCommand(
        "client.cli.run_admin:set_paused",
        "Pause a run, or start (from Uninitialized) or resume it; resuming needs a valid config and model.",
    ),
    "set-future-epoch-rates": LazyCommand(
        "client.cli.run_admin:set_future_epoch_rates",
        "Set the reward rates of a treasurer run from its next epoch on.",
    ),
    "tick": LazyCommand(
        "client.cli.run_activity:tick",
        "Send the run's permissionless tick, which applies the transitions its timers allow.",
    ),
    "checkpoint": LazyCommand(
        "client.cli.run_activity:checkpoint",
        "Announce, as a client of the current epoch, that the run's model is on the Hub at REPO.",
    ),
    "join-authorization-create": LazyCommand(
        "client.cli.authorization:join_authorization_create",
        "Authorize --authorizer to join the wallet's runs: create the authorization if needed, then activate it.",
    ),
    "join-authorization-read": LazyCommand(
        "client.cli.authorization:join_authorization_read",
        "Show the authorization that --join-authority gave to --authorizer, with its delegates.",
    ),
    "join-authorization-set-delegates": LazyCommand(
        "client.cli.authorization:join_authorization_set_delegates",
        "As the grantee (the wallet), name the delegate keys that may join on its behalf.",
    ),
    "join-authorization-activate": LazyCommand(
        "client.cli.authorization:join_authorization_activate",
        "Activate the wallet's authorization for --authorizer.",
    ),
    "join-authorization-deactivate": LazyCommand(
        "client.cli.authorization:join_authorization_deactivate",
        "Deactivate the wallet's authorization for --authorizer: from the next epoch on it cannot join (the account "
        "stays; see join-authorization-close).",
    ),
    "join-authorization-close": LazyCommand(
        "client.cli.authorization:join_authorization_close",
        "Close the wallet's inactive authorization for --authorizer and recover its rent (possible once it has no "
        "delegates, or 30 days after its last activation change).",
    ),
    "can-join": LazyCommand(
        "client.cli.inspection:can_join",
        "Check that ADDRESS may join the run now: its authorization is valid and it is not in the current epoch.",
    ),
    "json-dump-run": LazyCommand(
        "client.cli.inspection:json_dump_run_command",
        "Print the run's coordinator instance, coordinator account and treasurer run as JSON (keys sorted).",
    ),
    "json-dump-user": LazyCommand(
        "client.cli.inspection:json_dump_user_command",
        "Print a user's SOL, its standing in the run's coordinator and its treasurer claims as JSON (keys sorted).",
    ),
    "treasurer-top-up-rewards": LazyCommand(
        "client.cli.treasurer:treasurer_top_up_rewards",
        "Fund a treasurer run's reward vault from the wallet's token account (a plain SPL transfer).",
    ),
    "treasurer-claim-rewards": LazyCommand(
        "client.cli.treasurer:treasurer_claim_rewards",
        "Claim the wallet's earned and unclaimed points as collateral (as much as the vault holds).",
    ),
    "keygen": LazyCommand(
        "client.cli.keygen:keygen",
        "Make and read solana-keygen keypair files.",
    ),
    "airdrop": LazyCommand(
        "client.cli.local_chain:airdrop",
        "Request AMOUNT SOL from the chain's faucet.",
    ),
    "create-mint": LazyCommand(
        "client.cli.local_chain:create_mint",
        "Create an SPL Token mint whose authority is the wallet, and mint AMOUNT into the wallet's token account.",
    ),
    "simulate": LazyCommand(
        "client.simulate.command:simulate",
        "Rehearse a run: simulated clients drive the real coordinator, authorizer and treasurer on an in-process "
        "chain whose clock jumps from event to event, and the report says how many steps and epochs the run would "
        "complete, how its time splits between run states, who gets dropped and why, and how much treasury it needs.",
    ),
    "train": LazyCommand(
        "client.cli.train:train",
        "Join the run and train until it is Finished; Ctrl-C leaves it cleanly.",
    ),
    "join-authorization-delegate": LazyCommand(
        "client.cli.authorization:join_authorization_set_delegates", alias_of="join-authorization-set-delegates"
    ),
    "join-authorization-delete": LazyCommand(
        "client.cli.authorization:join_authorization_deactivate", alias_of="join-authorization-deactivate"
    ),
}


class LazyGroup(click.Group):
    """A click group over :data:`COMMANDS` that imports a subcommand's module when it is first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        return None if entry is None else entry.load(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries, importing nothing."""
        listed = [(name, entry) for name, entry in sorted(COMMANDS.items()) if entry.alias_of is None]
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(entry.summary, limit)) for name, entry in listed])

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with _interrupt_exits_quietly():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _interrupt_exits_quietly():
            return super().invoke(ctx)


@contextmanager
def _interrupt_exits_quietly() -> Iterator[None]:
    """Ctrl-C ends the command with the shell's status for an interrupt and no output (click would print
    ``Aborted!`` and exit 1)."""
    try:
        yield
    except KeyboardInterrupt:
        raise SystemExit(INTERRUPTED_EXIT_STATUS) from None


@click.group(
    "psyche-solana-client",
    cls=LazyGroup,
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 119},
)
def cli() -> None:
    """Create, configure, run, inspect and fund Psyche training runs on Solana."""

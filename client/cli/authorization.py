"""Join authorizations (spec §1, §3.4): who may join the runs of a join authority.

The join authority (the *grantor*) creates and activates an authorization for a *grantee*, which may be the zero
key to let anyone join; the grantee may name *delegates* (its machines' keys) that join on its behalf. Every
command here works on the coordinator's join scope ``CoordinatorJoinRun``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import click
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from authorizer.state.authorization import PERMISSIONLESS_GRANTEE, Authorization
from client.chain.backend import ChainBackend
from client.chain.open import ChainTarget
from client.cli.options import PUBKEY, WalletSource, chain_options, wallet_option
from client.cli.output import echo, sol
from client.cli.runner import CommandError, run_on_chain
from client.instructions import authorizer as authorizer_ix
from client.run_accounts import fetch_authorization

__all__ = [
    "join_authorization_create",
    "join_authorization_read",
    "join_authorization_set_delegates",
    "join_authorization_activate",
    "join_authorization_deactivate",
    "join_authorization_close",
]

GRANTOR_HINTS = {"ConstraintRaw": "Unauthorized: the wallet is not this authorization's grantor (join authority)"}
GRANTEE_HINTS = {
    "ConstraintRaw": "Unauthorized: the wallet is not this authorization's grantee",
    "AccountNotInitialized": "there is no authorization from --join-authority to the wallet: the join authority "
    "creates it with join-authorization-create --authorizer <the wallet's pubkey>",
}

_authorizer_option = click.option(
    "--authorizer",
    envvar="AUTHORIZER",
    show_envvar=True,
    type=PUBKEY,
    required=True,
    help="the grantee: the key being authorized (11111111111111111111111111111111 authorizes everyone)",
)
_join_authority_option = click.option(
    "--join-authority",
    envvar="JOIN_AUTHORITY",
    show_envvar=True,
    type=PUBKEY,
    required=True,
    help="the grantor: the run's join authority",
)


def _echo_record(address: Pubkey, record: Authorization) -> None:
    echo(f"Authorization Grantor: {record.grantor}")
    echo(f"Authorization Grantee: {record.grantee}")
    echo(f"Authorization Address: {address}")
    echo(f"Authorization Active: {str(record.active).lower()}")


async def _existing(backend: ChainBackend, grantor: Pubkey, grantee: Pubkey) -> tuple[Pubkey, Authorization]:
    address = authorizer_ix.join_authorization_address(grantor, grantee)
    record = await fetch_authorization(backend, address)
    if record is None:
        raise CommandError(f"Authorization does not exist for authorizer: {grantee} (grantor {grantor}, {address})")
    return address, record


def _grantor_command(
    name: str, help_text: str, body: Callable[[ChainBackend, Keypair, Pubkey], Awaitable[None]]
) -> click.Command:
    """A command that the grantor (the wallet) runs on its authorization for ``--authorizer``."""

    @click.command(name, help=help_text)
    @chain_options
    @wallet_option
    @_authorizer_option
    def command(chain: ChainTarget, wallet: WalletSource, authorizer: Pubkey) -> None:
        grantor = wallet.load()
        run_on_chain(chain, lambda backend: body(backend, grantor, authorizer), GRANTOR_HINTS)

    return command


async def _create(backend: ChainBackend, grantor: Keypair, grantee: Pubkey) -> None:
    address = authorizer_ix.join_authorization_address(grantor.pubkey(), grantee)
    lamports = await backend.get_balance(address)
    echo(f"Authorization Grantor: {grantor.pubkey()}")
    echo(f"Authorization Grantee: {grantee}")
    echo(f"Authorization Address: {address}")
    echo(f"Authorization Lamports: {lamports}")
    if lamports == 0:
        ix = authorizer_ix.authorization_create(grantor.pubkey(), grantor.pubkey(), grantee)
        echo(f"Created authorization in transaction: {(await backend.send([ix], grantor)).signature}")
    await _set_active(backend, grantor, grantee, True)


async def _set_active(backend: ChainBackend, grantor: Keypair, grantee: Pubkey, active: bool) -> None:
    address, record = await _existing(backend, grantor.pubkey(), grantee)
    echo(f"Authorization Active: {str(record.active).lower()}")
    if record.active == active:
        return
    sent = await backend.send([authorizer_ix.authorization_grantor_update(grantor.pubkey(), address, active)], grantor)
    echo(f"{'Activated' if active else 'Deactivated'} authorization in transaction: {sent.signature}")


async def _activate(backend: ChainBackend, grantor: Keypair, grantee: Pubkey) -> None:
    await _set_active(backend, grantor, grantee, True)


async def _deactivate(backend: ChainBackend, grantor: Keypair, grantee: Pubkey) -> None:
    await _set_active(backend, grantor, grantee, False)


async def _close(backend: ChainBackend, grantor: Keypair, grantee: Pubkey) -> None:
    address, record = await _existing(backend, grantor.pubkey(), grantee)
    _echo_record(address, record)
    before = await backend.get_balance(grantor.pubkey())
    sent = await backend.send(
        [authorizer_ix.authorization_close(grantor.pubkey(), grantor.pubkey(), address)], grantor
    )
    echo(f"Closed authorization in transaction: {sent.signature}")
    echo(f"Recovered {sol(await backend.get_balance(grantor.pubkey()) - before)} SOL")


join_authorization_create = _grantor_command(
    "join-authorization-create",
    "Authorize --authorizer to join the wallet's runs: create the authorization if needed, then activate it.",
    _create,
)
join_authorization_activate = _grantor_command(
    "join-authorization-activate", "Activate the wallet's authorization for --authorizer.", _activate
)
join_authorization_deactivate = _grantor_command(
    "join-authorization-deactivate",
    "Deactivate the wallet's authorization for --authorizer: from the next epoch on it cannot join (the account "
    "stays; see join-authorization-close).",
    _deactivate,
)
join_authorization_close = _grantor_command(
    "join-authorization-close",
    "Close the wallet's inactive authorization for --authorizer and recover its rent (possible once it has no "
    "delegates, or 30 days after its last activation change).",
    _close,
)


@click.command("join-authorization-read")
@chain_options
@_join_authority_option
@click.option(
    "--authorizer",
    envvar="AUTHORIZER",
    show_envvar=True,
    type=PUBKEY,
    default=str(PERMISSIONLESS_GRANTEE),
    show_default=True,
    help="the grantee",
)
def join_authorization_read(chain: ChainTarget, join_authority: Pubkey, authorizer: Pubkey) -> None:
    """Show the authorization that --join-authority gave to --authorizer, with its delegates."""

    async def read(backend: ChainBackend) -> None:
        address, record = await _existing(backend, join_authority, authorizer)
        _echo_record(address, record)
        echo(f"Authorization Delegate Count: {len(record.delegates)}")
        for index, delegate in enumerate(record.delegates):
            echo(f" - Authorization delegate #{index}: {delegate}")

    run_on_chain(chain, read)


@click.command("join-authorization-set-delegates")
@chain_options
@wallet_option
@_join_authority_option
@click.option(
    "--delegates-clear",
    envvar="DELEGATES_CLEAR",
    show_envvar=True,
    is_flag=True,
    help="remove every current delegate first",
)
@click.option(
    "--delegates-added",
    "--delegate-added",
    "delegates_added",
    envvar="DELEGATES_ADDED",
    show_envvar=True,
    type=PUBKEY,
    multiple=True,
    help="a delegate to add (repeat the flag, or list keys after it)",
)
@click.argument("more_delegates", metavar="[DELEGATES]...", nargs=-1, type=PUBKEY)
def join_authorization_set_delegates(
    chain: ChainTarget,
    wallet: WalletSource,
    join_authority: Pubkey,
    delegates_clear: bool,
    delegates_added: tuple[Pubkey, ...],
    more_delegates: tuple[Pubkey, ...],
) -> None:
    """As the grantee (the wallet), name the delegate keys that may join on its behalf."""
    grantee = wallet.load()
    added = [*delegates_added, *more_delegates]

    async def set_delegates(backend: ChainBackend) -> None:
        address = authorizer_ix.join_authorization_address(join_authority, grantee.pubkey())
        ix = authorizer_ix.authorization_grantee_update(
            grantee.pubkey(), grantee.pubkey(), address, delegates_clear, added
        )
        sent = await backend.send([ix], grantee)
        echo(f"Authorization Address: {address}")
        echo(f"Delegates cleared: {str(delegates_clear).lower()}")
        echo(f"Delegates added count: {len(added)}")
        for index, delegate in enumerate(added):
            echo(f" - Delegate added #{index}: {delegate}")
        echo(f"Updated delegates in transaction: {sent.signature}")

    run_on_chain(chain, set_delegates, GRANTEE_HINTS)

"""The flags every command shares, with the reference's names and environment variables (spec §3.1, §3.4).

Each shared option is a decorator; :func:`chain_options` and :func:`wallet_option` fold their flags into one
value (:class:`~client.chain.open.ChainTarget`, :class:`WalletSource`) so a command receives what it uses.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.chain.open import DEFAULT_LEDGER, EMBEDDED, BadChainTarget, ChainTarget, resolve_rpc
from client.cli.command_error import CommandError
from client.keypairs import RAW_WALLET_ENV, KeypairError, load_wallet
from coordinator_program.mode import ProgramMode

__all__ = [
    "U8",
    "U8_MAX",
    "PUBKEY",
    "U64",
    "U32",
    "WalletSource",
    "chain_options",
    "wallet_option",
    "run_id_option",
    "treasurer_index_option",
    "address_option",
]

Command = Callable[..., Any]
U64 = click.IntRange(0, 2**64 - 1)
U32 = click.IntRange(0, 2**32 - 1)
U8_MAX = 2**8 - 1
U8 = click.IntRange(0, U8_MAX)


class PubkeyType(click.ParamType):
    """A base58 public key."""

    name = "PUBKEY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pubkey:
        if isinstance(value, Pubkey):
            return value
        try:
            return Pubkey.from_string(str(value).strip().strip('"'))
        except ValueError:
            self.fail(f"{value!r} is not a base58 public key", param, ctx)


PUBKEY = PubkeyType()


def _strip_quotes(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The reference trims surrounding quotes from ``--rpc`` and ``--run-id`` (values pasted from .env files)."""
    return None if value is None else value.strip().strip('"')


def _check_rpc(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        resolve_rpc(value)
    except BadChainTarget as exc:
        raise click.BadParameter(str(exc).removeprefix("--rpc "), ctx, param) from None
    return value.strip().strip('"')


def _check_ws(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    text = _strip_quotes(ctx, param, value)
    if text is not None and not text.startswith(("ws://", "wss://")):
        raise click.BadParameter(f"must be a ws(s):// URL, got {value!r}", ctx, param)
    return text


def _apply(command: Command, options: list[Callable[[Command], Command]]) -> Command:
    for option in reversed(options):
        command = option(command)
    return command


def chain_options(command: Command) -> Command:
    """``--rpc``, ``--ws-rpc``, ``--ledger`` and ``--hardened``; the command receives ``chain: ChainTarget``."""

    @functools.wraps(command)
    def wrapper(*args: Any, rpc: str, ws_rpc: str | None, ledger: Path, hardened: bool, **kwargs: Any) -> Any:
        if hardened and resolve_rpc(rpc) is not None:
            raise click.UsageError(
                "--hardened chooses the embedded chain's coordinator; a validator's is chosen by "
                "`psyche-validator --hardened`"
            )
        mode = ProgramMode.HARDENED if hardened else ProgramMode.FAITHFUL
        return command(*args, chain=ChainTarget(rpc=rpc, ledger=ledger, ws_rpc=ws_rpc, mode=mode), **kwargs)

    return _apply(
        wrapper,
        [
            click.option(
                "--rpc",
                envvar="RPC",
                default=EMBEDDED,
                show_default=True,
                show_envvar=True,
                callback=_check_rpc,
                help=f"the chain: an http(s) JSON-RPC URL (a psyche-validator, or a real cluster), a moniker "
                f"(localhost, devnet, testnet, mainnet-beta), or '{EMBEDDED}': the programs run in this process "
                "on the ledger in --ledger",
            ),
            click.option(
                "--ws-rpc",
                envvar="WS_RPC",
                show_default="the --rpc URL as ws(s), port + 1",
                show_envvar=True,
                callback=_check_ws,
                help="the PubSub URL `train` follows the coordinator on (other commands only use --rpc)",
            ),
            click.option(
                "--ledger",
                envvar="PSYCHE_LEDGER",
                type=click.Path(file_okay=False, path_type=Path),
                default=DEFAULT_LEDGER,
                show_default=True,
                show_envvar=True,
                help=f"ledger directory of the '{EMBEDDED}' chain (created on first use; `psyche-validator "
                "--ledger` can serve it later)",
            ),
            click.option(
                "--hardened",
                is_flag=True,
                help=f"the '{EMBEDDED}' chain runs the hardened coordinator (warmup_witness checks membership, "
                "epoch-end points saturate; see coordinator_program/QUIRKS.md). Fixed when the ledger is created",
            ),
        ],
    )


@dataclass(frozen=True)
class WalletSource:
    """Where the signing wallet comes from: ``RAW_WALLET_PRIVATE_KEY`` if set, else the keypair file."""

    path: Path | None

    def load(self) -> Keypair:
        """The wallet; a missing or unreadable one is an error with the reference's message."""
        try:
            return load_wallet(self.path, os.environ.get(RAW_WALLET_ENV))
        except KeypairError as exc:
            raise CommandError(str(exc)) from exc


def wallet_option(command: Command) -> Command:
    """``-w/--wallet-private-key-path``; the command receives ``wallet: WalletSource``."""

    @functools.wraps(command)
    def wrapper(*args: Any, wallet_private_key_path: Path | None, **kwargs: Any) -> Any:
        return command(*args, wallet=WalletSource(wallet_private_key_path), **kwargs)

    option = click.option(
        "-w",
        "--wallet-private-key-path",
        envvar="WALLET_PRIVATE_KEY_PATH",
        show_envvar=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"the signing wallet, a solana-keygen JSON file; ${RAW_WALLET_ENV} (a JSON byte array or base58) "
        "takes precedence",
    )
    return option(wrapper)


def run_id_option(command: Command) -> Command:
    return click.option(
        "-r",
        "--run-id",
        envvar="RUN_ID",
        show_envvar=True,
        required=True,
        callback=_strip_quotes,
        help="the run's id (at most 32 bytes)",
    )(command)


def treasurer_index_option(command: Command) -> Command:
    return click.option(
        "--treasurer-index",
        envvar="TREASURER_INDEX",
        show_envvar=True,
        type=U64,
        help="the treasurer run's index [default: the first 8 bytes of sha256(run id), little-endian]",
    )(command)


def address_option(command: Command) -> Command:
    """``--address`` (aliases ``--wallet``, ``--user``): the user a read-only command looks at."""
    return click.option(
        "--address",
        "--wallet",
        "--user",
        "address",
        envvar="ADDRESS",
        show_envvar=True,
        type=PUBKEY,
        required=True,
        help="the user's public key",
    )(command)

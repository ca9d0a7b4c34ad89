"""``psyche-validator``: a local validator serving the Psyche programs, started like solana-test-validator.

It prints the ledger path, the JSON RPC URL (the line anchorpy's localnet fixture waits for), the
WebSocket PubSub URL and the program ids, then a live status line. Ctrl-C or SIGTERM stops it
cleanly: the RPC server closes, the ledger is checkpointed and its lock released.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from coordinator_program.mode import ProgramMode
from emulator.bank import GENESIS_HASH
from emulator.constants import DEFAULT_SLOT_MS
from emulator.ledger_sqlite import FAUCET_KEYPAIR_FILE, LedgerInUse
from validator.accounts_file import AccountFileError, load_account_file
from validator.finality import Commitment, Finality
from validator.genesis_mode import LedgerModeMismatch
from validator.identity import IDENTITY_KEYPAIR
from validator.node import Validator, ValidatorConfig
from validator.pubsub.limits import (
    DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS,
    DEFAULT_MAX_CONNECTION_SUBSCRIPTIONS,
    SubscriptionLimits,
)
from validator.rpc.context import API_VERSION
from validator.rpc.limits import DEFAULT_MAX_BATCH_REQUESTS, DEFAULT_MAX_RESPONSE_BYTES, RpcLimits
from validator.server import MAX_REQUEST_BODY_SIZE

__all__ = ["main", "parse_args"]

_TTY_REFRESH_S = 0.25
_LOG_REFRESH_S = 10.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psyche-validator",
        description=(
            "A local validator serving Solana's JSON-RPC (and PubSub on the next port) over the psyche-sim "
            "runtime, with the coordinator, authorizer and treasurer programs at their ids. "
            "Point solana-py, spl.token or anchorpy at the printed URL."
        ),
    )
    parser.add_argument(
        "--ledger",
        metavar="DIR",
        type=Path,
        default=Path("test-ledger"),
        help="directory of the ledger; an existing ledger is resumed with every account and transaction "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "-r", "--reset", action="store_true", help="delete the ledger in --ledger and start from a fresh genesis"
    )
    parser.add_argument(
        "--rpc-port",
        metavar="PORT",
        type=int,
        default=8899,
        help="JSON-RPC port; the WebSocket PubSub listens on the next one (default: %(default)s)",
    )
    parser.add_argument(
        "--bind-address",
        metavar="HOST",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s; 0.0.0.0 serves other machines)",
    )
    parser.add_argument(
        "--slot-ms",
        metavar="MS",
        type=int,
        default=DEFAULT_SLOT_MS,
        help="milliseconds per slot: blocks, block height and blockhash expiry follow it (default: %(default)s)",
    )
    parser.add_argument(
        "--finality",
        choices=[mode.value for mode in Finality],
        default=Finality.INSTANT.value,
        help="instant: a processed transaction is at once confirmed and finalized (fast confirm_transaction); "
        "realistic: confirmed 1 slot and finalized 32 slots after processing, as on a real cluster "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--account",
        nargs=2,
        action="append",
        metavar=("ADDRESS", "FILE"),
        default=[],
        help="load an account from a JSON file written by `solana account --output json`; ADDRESS '-' keeps the "
        "file's pubkey. Applied to a fresh ledger only. May be repeated",
    )
    limits = parser.add_argument_group(
        "limits",
        f"what one client may ask of the node. Agave's own limits always apply: request bodies of at most "
        f"{MAX_REQUEST_BODY_SIZE} bytes (50 KiB, else HTTP 413) and at most 100 keys per getMultipleAccounts",
    )
    limits.add_argument(
        "--rpc-max-batch-requests",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_BATCH_REQUESTS,
        help="calls in one JSON-RPC batch; a longer batch is answered with one -32600 error (default: %(default)s; "
        "anchorpy's fetch_multiple sends 3)",
    )
    limits.add_argument(
        "--rpc-max-response-bytes",
        metavar="BYTES",
        type=int,
        default=DEFAULT_MAX_RESPONSE_BYTES,
        help="bytes of the answer to one request (one call or a whole batch); a call whose answer does not fit "
        "gets a -32600 error instead, and account data past the limit is never encoded (default: %(default)s, "
        "64 MiB: a 10 MiB account is 14 MB in base64)",
    )
    limits.add_argument(
        "--rpc-pubsub-max-active-subscriptions",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_ACTIVE_SUBSCRIPTIONS,
        help="live PubSub subscriptions on the whole node; past it a subscribe call gets a -32603 error, as on "
        "Agave (default: %(default)s)",
    )
    limits.add_argument(
        "--rpc-pubsub-max-connection-subscriptions",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_CONNECTION_SUBSCRIPTIONS,
        help="live PubSub subscriptions of one websocket; past it a subscribe call gets a -32603 error "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--hardened",
        action="store_true",
        help="run the hardened coordinator instead of the reference-faithful one: warmup_witness checks the "
        "sender's index and membership (error 6011) and epoch-end points saturate at u64::MAX instead of "
        "panicking (see coordinator_program/QUIRKS.md). Fixed when the ledger is created: a ledger is refused "
        "in the other mode",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print the banner but no live status line")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> tuple[ValidatorConfig, bool]:
    """The validator's configuration and whether to stay quiet; exits with a usage error on bad flags."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0 < args.rpc_port < 65535:
        parser.error(f"--rpc-port {args.rpc_port} leaves no room for the PubSub port after it")
    if args.slot_ms <= 0:
        parser.error("--slot-ms must be positive")
    for flag in (
        "rpc_max_batch_requests",
        "rpc_max_response_bytes",
        "rpc_pubsub_max_active_subscriptions",
        "rpc_pubsub_max_connection_subscriptions",
    ):
        if getattr(args, flag) <= 0:
            parser.error(f"--{flag.replace('_', '-')} must be positive")
    try:
        accounts = tuple(load_account_file(address, Path(file)) for address, file in args.account)
    except AccountFileError as exc:
        parser.error(str(exc))
    config = ValidatorConfig(
        ledger=args.ledger,
        reset=args.reset,
        bind_address=args.bind_address,
        rpc_port=args.rpc_port,
        slot_ms=args.slot_ms,
        finality=Finality(args.finality),
        accounts=accounts,
        mode=ProgramMode.HARDENED if args.hardened else ProgramMode.FAITHFUL,
        rpc_limits=RpcLimits(args.rpc_max_batch_requests, args.rpc_max_response_bytes),
        subscription_limits=SubscriptionLimits(
            args.rpc_pubsub_max_active_subscriptions, args.rpc_pubsub_max_connection_subscriptions
        ),
    )
    return config, args.quiet


def banner(validator: Validator) -> str:
    lines = [
        f"Ledger location: {validator.config.ledger}",
        f"{'Resumed' if validator.resumed else 'Created'} ledger at slot {validator.bank.slot}",
        f"Identity: {IDENTITY_KEYPAIR.pubkey()}",
        f"Genesis Hash: {GENESIS_HASH}",
        f"Version: {API_VERSION} (psyche-sim)",
        f"Finality: {validator.config.finality.value}",
        f"Coordinator: {validator.config.mode.value}",
        f"Faucet: {validator.bank.faucet} (keypair: {validator.config.ledger / FAUCET_KEYPAIR_FILE})",
        f"JSON RPC URL: {validator.rpc_url}",
        f"WebSocket PubSub URL: {validator.websocket_url}",
        "Programs:",
        *(f"  {name:<28} {program_id}" for name, program_id in validator.program_ids.items()),
    ]
    if validator.ignored_accounts:
        lines.append("Note: --account files are applied to a fresh ledger only; use --reset to load them")
    return "\n".join(lines)


def status_line(validator: Validator) -> str:
    slot = validator.bank.slot
    confirmed, finalized = (
        validator.finality.slot_at(level, slot) for level in (Commitment.CONFIRMED, Commitment.FINALIZED)
    )
    count = validator.store.transaction_count()
    return (
        f"Processed Slot: {slot} | Confirmed Slot: {confirmed} | Finalized Slot: {finalized} | Transactions: {count}"
    )


async def _show_status(validator: Validator, out: TextIO) -> None:
    """Refresh the status line in place on a terminal; print one every few seconds into a log or pipe."""
    tty = out.isatty()
    while True:
        line = status_line(validator)
        out.write(f"\r{line}\x1b[K" if tty else f"{line}\n")
        out.flush()
        await asyncio.sleep(_TTY_REFRESH_S if tty else _LOG_REFRESH_S)


async def serve(config: ValidatorConfig, quiet: bool, out: TextIO = sys.stdout) -> None:
    """Run until SIGINT or SIGTERM."""
    validator = Validator(config)
    try:
        await validator.start()
        print(banner(validator), file=out, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        status = None if quiet else asyncio.create_task(_show_status(validator, out))
        await stop.wait()
        if status is not None:
            status.cancel()
            print(file=out)
        print("Shutting down", file=out, flush=True)
    finally:
        await validator.stop()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config, quiet = parse_args(argv)
    try:
        asyncio.run(serve(config, quiet))
    except (LedgerInUse, LedgerModeMismatch, OSError) as exc:
        print(f"psyche-validator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

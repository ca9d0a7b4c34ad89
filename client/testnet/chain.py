"""The testnet's chain: a validator inside the launcher (the default), a psyche-validator process, or a URL.

Either way the clients reach it over JSON-RPC and PubSub, as they would reach a real cluster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from client.chain.open import websocket_url_for
from coordinator_program.mode import ProgramMode
from validator.node import Validator, ValidatorConfig
from validator.ports import free_port_pair
from validator.process import ValidatorProcess

__all__ = ["ChainEndpoints", "check_chain_choice", "running_chain"]

EMBEDDED = "embedded"
PROCESS = "process"


@dataclass(frozen=True)
class ChainEndpoints:
    rpc_url: str
    ws_url: str
    description: str
    process: ValidatorProcess | None = None  # the psyche-validator child, for a chaos run that restarts it


def check_chain_choice(choice: str) -> str:
    """``choice`` if it names a chain (``embedded``, ``process`` or an http(s) URL), else ValueError.

    >>> check_chain_choice("http://127.0.0.1:8899")
    'http://127.0.0.1:8899'
    """
    if choice in (EMBEDDED, PROCESS) or choice.startswith(("http://", "https://")):
        return choice
    raise ValueError(f"--validator must be {EMBEDDED}, {PROCESS} or an http(s) URL, not {choice!r}")


@asynccontextmanager
async def running_chain(
    choice: str, work_dir: Path, mode: ProgramMode = ProgramMode.FAITHFUL
) -> AsyncIterator[ChainEndpoints]:
    """Start (or name) the chain for ``choice``: ``embedded``, ``process`` or an http(s) URL; stop it on exit.

    A chain it starts runs the coordinator in ``mode``; a validator named by URL chose its own.
    """
    check_chain_choice(choice)
    work_dir.mkdir(parents=True, exist_ok=True)  # a validator process writes its output next to the ledger
    ledger = work_dir / "ledger"
    if choice == EMBEDDED:
        validator = Validator(ValidatorConfig(ledger=ledger, reset=True, rpc_port=free_port_pair(), mode=mode))
        await validator.start()
        try:
            yield ChainEndpoints(validator.rpc_url, validator.websocket_url, f"embedded validator, ledger {ledger}")
        finally:
            await validator.stop()
    elif choice == PROCESS:
        hardened = ("--hardened",) if mode is ProgramMode.HARDENED else ()
        process = ValidatorProcess(ledger, "--reset", *hardened).start()
        try:
            yield ChainEndpoints(process.url, process.ws_url, f"psyche-validator process, ledger {ledger}", process)
        finally:
            process.stop()
    else:
        yield ChainEndpoints(choice, websocket_url_for(choice), f"the validator at {choice}")

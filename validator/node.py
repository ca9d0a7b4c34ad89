"""One running validator: the ledger directory, the bank over it, the slot clock, JSON-RPC and PubSub.

The bank resumes from the ledger when there is one: its accounts, its recent blocks (so
blockhashes handed out before a restart stay valid) and its transactions; the slot clock picks up
after the last recorded slot. A background task makes the bank produce every block when it is due,
so slots, block height and blockhash expiry advance in real time even with no traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from solders.pubkey import Pubkey

from coordinator_program.mode import ProgramMode
from emulator import Bank
from emulator.constants import DEFAULT_SLOT_MS
from emulator.ledger_sqlite import LedgerDirectory, SqliteLedgerStore, resumed_clock
from validator.accounts_file import AccountOverride
from validator.finality import Finality, FinalityPolicy
from validator.genesis import apply_account_overrides
from validator.genesis_mode import LedgerModeMismatch, genesis_programs
from validator.identity import NodeInfo
from validator.notifications import NotifyingLedgerStore
from validator.pubsub import PubSubServer
from validator.pubsub.limits import DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionLimits
from validator.rpc.context import RpcContext
from validator.rpc.limits import DEFAULT_RPC_LIMITS, RpcLimits
from validator.server import RpcServer

__all__ = ["Validator", "ValidatorConfig"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ValidatorConfig:
    ledger: Path = Path("test-ledger")
    reset: bool = False
    bind_address: str = "127.0.0.1"
    rpc_port: int = 8899
    slot_ms: int = DEFAULT_SLOT_MS
    finality: Finality = Finality.INSTANT
    accounts: Sequence[AccountOverride] = ()
    mode: ProgramMode = ProgramMode.FAITHFUL
    rpc_limits: RpcLimits = DEFAULT_RPC_LIMITS
    subscription_limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS


class Validator:
    """Open the ledger and build the bank in ``__init__``; serve between :meth:`start` and :meth:`stop`."""

    def __init__(self, config: ValidatorConfig) -> None:
        self.config = config
        self.directory = LedgerDirectory(config.ledger)
        self.directory.open(reset=config.reset)
        self.store = SqliteLedgerStore(self.directory.database)  # synchronous=NORMAL: survives a killed process
        try:
            programs = genesis_programs(self.store, config.mode)
        except LedgerModeMismatch:
            self.store.close()
            self.directory.close()
            raise
        self.resumed = bool(self.store.recent_blocks(1))
        self.feed = NotifyingLedgerStore(self.store)
        self.bank = Bank(programs, ledger=self.feed, clock=resumed_clock(self.store, config.slot_ms))
        self.ignored_accounts = bool(config.accounts) and self.resumed
        if not self.resumed:
            apply_account_overrides(self.bank, config.accounts)
        self.finality = FinalityPolicy(config.finality)
        node = NodeInfo(bind_address=config.bind_address, rpc_port=config.rpc_port, slot_ms=config.slot_ms)
        self._rpc = RpcServer(RpcContext(self.bank, self.store, self.finality, node), config.rpc_limits)
        self._pubsub = PubSubServer(
            self.bank, self.feed, self.finality.lag_slots, limits=config.subscription_limits, blocks=self.store
        )
        self._ticker: asyncio.Task[None] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://{self.config.bind_address}:{self.config.rpc_port}"

    @property
    def websocket_url(self) -> str:
        """The PubSub URL: the RPC port + 1, as solana-test-validator and the solana CLI expect."""
        return f"ws://{self.config.bind_address}:{self.config.rpc_port + 1}"

    @property
    def program_ids(self) -> dict[str, Pubkey]:
        return {spec.name: program_id for program_id, spec in self.bank.programs.items()}

    async def start(self) -> None:
        await self._rpc.start(self.config.bind_address, self.config.rpc_port)
        await self._pubsub.start(self.config.bind_address, self.config.rpc_port + 1)
        self._ticker = asyncio.create_task(self._produce_blocks(), name="slot-ticker")

    async def _produce_blocks(self) -> None:
        interval = self.config.slot_ms / 1000
        while True:
            try:
                self.bank.latest_block()  # the bank produces every block that is due by now
            except Exception:
                log.exception("producing blocks failed")
            await asyncio.sleep(interval)

    async def stop(self) -> None:
        """Stop serving, then close the ledger (checkpointing its WAL) and release the directory."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self._pubsub.stop()
        await self._rpc.stop()
        self.store.close()
        self.directory.close()

"""One testnet session: chain up, run prepared, clients launched and watched, kills on cue, summary at the end.

The launcher is a run owner plus a process supervisor: it sets the run up over JSON-RPC like any owner, starts
one ``train`` process per client, polls the coordinator for the display, and ends when the run is Finished,
the time limit passes, every client has exited, or it is told to stop. Whatever the ending, every process it
started is stopped before it returns.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from solders.keypair import Keypair

from client.chain.backend import ChainBackend, ChainError
from client.chain.rpc import RpcBackend
from client.rewards import claim_rewards
from client.run_accounts import fetch_run
from client.testnet.chain import ChainEndpoints, running_chain
from client.testnet.client_flags import ClientFlags
from client.testnet.client_logs import read_events, read_final_weights, tier_slices_match, weights_identical
from client.testnet.clients import ClientProcesses, ClientSpec, kill_choice
from client.testnet.display import Display
from client.testnet.evals import final_eval, read_evals
from client.testnet.losses import LatestLoss, LossPoint, final_loss, loss_unit, read_losses, write_loss_plot
from client.testnet.setup import RewardSettings, TestnetRun, prepare_run
from client.testnet.summary import ClientSummary, EndReason, Summary
from client.testnet.tiers import tier_of
from client.testnet.watch import RunSnapshot, snapshot
from coordinator_program.mode import ProgramMode
from validator.ports import free_ports

__all__ = ["RunWatcher", "TestnetOptions", "client_name", "client_tiers", "finish_session", "run_testnet"]

# A treasurer run with a nonzero earning rate, so the clients' points show who did the work.
REWARDS = RewardSettings(earning_rate=1_000, funding=10**12)


@dataclass(frozen=True)
class TestnetOptions:
    """``allowed_to_kill``: 1-based client numbers (None: any client); times in seconds."""

    num_clients: int
    config_path: Path
    work_dir: Path  # ledger and keypairs
    log_dir: Path  # client logs, testnet.jsonl, summary.json, loss.png
    validator: str = "embedded"
    mode: ProgramMode = ProgramMode.FAITHFUL  # the coordinator of a chain the testnet starts
    headless: bool = False
    exit_after_s: float | None = None
    random_kill_num: int = 0
    allowed_to_kill: tuple[int, ...] | None = None
    kill_interval_s: float = 120.0
    max_kills: int | None = None  # kills in all before the killing stops (None: every interval to the end)
    device: str = "cpu"
    run_id: str = "testnet"
    seed: int | None = None
    poll_interval_s: float = 0.5
    finish_grace_s: float = 30.0  # how long the clients get to leave a Finished run by themselves
    byzantine_clients: tuple[int, ...] = ()  # 1-based client numbers that run ``attack`` (research)
    attack: str = "sign-flip"  # ATTACK[:PARAM] of client.participant.byzantine
    kill_validator_after_s: float | None = None  # with validator="process": SIGKILL it mid-round after this long
    validator_down_s: float = 3.0  # ... and restart it on the same ports this much later
    client_flags: ClientFlags = ClientFlags()  # evaluation and tracking flags every client's train gets
    matformer_tiers: tuple[int, ...] = ()  # client i trains at tier tiers[i % len] (client.testnet.tiers); (): 0


def client_name(index: int) -> str:
    """Clients are numbered from 1 for people (logs, summary, ``--allowed-to-kill``), from 0 in code.

    >>> client_name(0)
    'client-1'
    """
    return f"client-{index + 1}"


def client_specs(
    key_files: Sequence[Path],
    wallets: Sequence[Keypair],
    run_id: str,
    options: TestnetOptions,
    chain: ChainEndpoints | None = None,
    server_addr: str | None = None,
    first_client_args: tuple[str, ...] = (),
) -> list[ClientSpec]:
    """Fixed ports, so each client bootstraps from all the others and a restarted one is found where it was.

    The clients train against ``chain`` or, in a centralized run, the server at ``server_addr``. On the CPU each
    client gets an equal share of the cores as its torch threads (see ClientSpec.environment).
    """
    ports = free_ports(len(wallets))
    threads = max(1, (os.cpu_count() or 1) // len(wallets)) if options.device == "cpu" else None
    on_chain = {} if chain is None else {"rpc_url": chain.rpc_url, "ws_url": chain.ws_url}
    return [
        ClientSpec(
            index=index,
            key_file=key_files[index],
            authorizer=str(wallet.pubkey()) if chain is not None else "",
            p2p_port=ports[index],
            log_file=options.log_dir / f"{client_name(index)}.jsonl",
            run_id=run_id,
            device=options.device,
            checkpoint_dir=options.work_dir / "checkpoints" / client_name(index),
            bootstrap_peers=tuple(f"127.0.0.1:{port}" for other, port in enumerate(ports) if other != index),
            cpu_threads=threads,
            byzantine=options.attack if index + 1 in options.byzantine_clients else None,
            matformer_tier=tier_of(options.matformer_tiers, index),
            data_cache_dir=options.work_dir / "data-cache" / client_name(index),
            server_addr=server_addr,
            extra_args=(first_client_args if index == 0 else ()) + options.client_flags.train_args(client_name(index)),
            **on_chain,
        )
        for index, wallet in enumerate(wallets)
    ]


async def run_testnet(options: TestnetOptions, display: Display, stop: asyncio.Event) -> Summary:
    """Run the session to its end and return its summary (also shown, and written with the loss plot)."""
    async with running_chain(options.validator, options.work_dir, options.mode) as chain:
        backend = RpcBackend([chain.rpc_url])
        try:
            config, count = options.config_path, options.num_clients
            run = await prepare_run(backend, options.work_dir, config, count, run_id=options.run_id, rewards=REWARDS)
            clients = ClientProcesses(client_specs(run.key_files, run.clients, run.run_id, options, chain))
            display.event(
                "testnet_ready",
                f"{chain.description}; run {run.run_id!r} ready, starting {options.num_clients} clients",
                rpc_url=chain.rpc_url,
                run_id=run.run_id,
                work_dir=str(options.work_dir),
                clients={client_name(i): str(k.pubkey()) for i, k in enumerate(run.clients)},
                matformer_tiers=client_tiers(clients.specs),
            )
            try:
                clients.start_all()

                async def read() -> RunSnapshot:
                    return await snapshot(backend, run.run_id, run.treasurer_index, int(time.time()))

                watcher = RunWatcher(read, run.clients, clients, options, display, chain)
                reason = await watcher.follow(stop)
            finally:
                await asyncio.to_thread(clients.stop_all)
            last = await snapshot(backend, run.run_id, run.treasurer_index, int(time.time()))
            claimed = await _claim_for_clients(backend, run, last, display)
        finally:
            await backend.close()
    return finish_session(reason, last, claimed, run.clients, run.data_dir, clients, options, display)


async def _claim_for_clients(
    backend: ChainBackend, run: TestnetRun, last: RunSnapshot, display: Display
) -> dict[int, int]:
    """Each client with points claims them from the treasurer (what a compute provider does after a run)."""
    if run.treasurer_index is None:
        return {}
    on_chain = await fetch_run(backend, run.run_id, run.treasurer_index)
    if on_chain.treasurer is None:
        return {}
    claimed: dict[int, int] = {}
    for index, wallet in enumerate(run.clients):
        if last.points.get(str(wallet.pubkey()), 0) == 0:
            continue
        name = client_name(index)
        try:
            outcome = await claim_rewards(backend, on_chain, on_chain.treasurer, wallet)
        except ChainError as exc:
            display.event("claim_failed", f"{name} could not claim its rewards: {exc}", client=name, error=str(exc))
            continue
        claimed[index] = outcome.claimed_now
        display.event(
            "rewards_claimed",
            f"{name} claimed {outcome.claimed_now:,} base units of the reward token for {outcome.earned:,} points",
            client=name,
            claimed=outcome.claimed_now,
            earned=outcome.earned,
        )
    return claimed


def _live_name(spec: ClientSpec) -> str:
    """How the live line names a client: ``client-N``, with its MatFormer tier when it trains a sub-model."""
    name = client_name(spec.index)
    return f"{name} tier {spec.matformer_tier}" if spec.matformer_tier else name


def client_tiers(specs: Sequence[ClientSpec]) -> dict[str, int]:
    """Each client's MatFormer tier by name, as ``testnet_ready`` and the loss plot report them."""
    return {client_name(spec.index): spec.matformer_tier for spec in specs}


class RunWatcher:
    """The poll loop: show each new state, report clients that exit, kill on schedule, decide when to end.

    ``read_snapshot`` reads the run wherever its coordinator is (the chain, or a centralized server); ``chain``
    is the chain the testnet started, if any (for ``--kill-validator-after-secs``).
    """

    def __init__(
        self,
        read_snapshot: Callable[[], Awaitable[RunSnapshot]],
        wallets: Sequence[Keypair],
        clients: ClientProcesses,
        options: TestnetOptions,
        display: Display,
        chain: ChainEndpoints | None = None,
    ) -> None:
        self.read_snapshot = read_snapshot
        self.chain = chain
        self.validator_killed = False
        self.clients = clients
        self.options = options
        self.display = display
        self.rng = random.Random(options.seed)
        wallet_of = {spec.index: str(wallets[spec.index].pubkey()) for spec in clients.specs}
        self.names = {wallet_of[spec.index]: _live_name(spec) for spec in clients.specs}
        self.losses = {wallet_of[spec.index]: LatestLoss(spec.log_file) for spec in clients.specs}
        self.reported_exits: dict[int, int] = {}

    async def follow(self, stop: asyncio.Event) -> EndReason:
        started = time.monotonic()
        next_kill = started + self.options.kill_interval_s
        unreachable = False
        while True:
            try:
                snap = await self.read_snapshot()
            except ChainError as exc:  # a validator restart: the clients wait it out, and so does the launcher
                if not unreachable:
                    self.display.event("chain_unreachable", f"cannot read the run ({exc}); waiting", error=str(exc))
                unreachable, snap = True, None
            if snap is not None:
                unreachable = False
                self.display.snapshot(snap, self._latest_losses() if not self.display.headless else {}, self.names)
            self._report_exits()
            if snap is not None and snap.finished:
                await self._let_clients_leave(stop)
                return EndReason.Finished
            now = time.monotonic()
            if snap is not None and self._validator_kill_due(snap, now - started):
                await self._kill_validator()
            if self.options.exit_after_s is not None and now - started >= self.options.exit_after_s:
                return EndReason.TimeLimit
            if len(self.reported_exits) == len(self.clients.specs):
                return EndReason.ClientsExited
            if self._kills_left() > 0 and now >= next_kill:
                await self._kill_some()
                next_kill = now + self.options.kill_interval_s
            try:
                await asyncio.wait_for(stop.wait(), self.options.poll_interval_s)
                return EndReason.Interrupted
            except TimeoutError:
                pass

    def _validator_kill_due(self, snap: RunSnapshot, elapsed_s: float) -> bool:
        after = self.options.kill_validator_after_s
        return after is not None and not self.validator_killed and elapsed_s >= after and snap.state == "RoundTrain"

    async def _kill_validator(self) -> None:
        """SIGKILL the validator mid-round and start it again on the same ports a few seconds later."""
        process = self.chain.process if self.chain is not None else None
        assert process is not None, "--kill-validator-after-secs needs --validator process"
        self.validator_killed = True
        await asyncio.to_thread(process.kill)
        self.display.event("validator_killed", "killed the validator mid-round", port=process.port)
        await asyncio.sleep(self.options.validator_down_s)
        await asyncio.to_thread(process.restart)
        self.display.event("validator_restarted", f"restarted the validator on port {process.port}", port=process.port)

    def _latest_losses(self) -> dict[str, float]:
        latest = {key: follower.update() for key, follower in self.losses.items()}
        return {key: loss for key, loss in latest.items() if loss is not None}

    def _report_exits(self) -> None:
        for index, code in self.clients.exited().items():
            if self.reported_exits.get(index) != code:
                self.reported_exits[index] = code
                name = client_name(index)
                self.display.event("client_exited", f"{name} exited with code {code}", client=name, exit_code=code)

    def _kills_left(self) -> int:
        """How many clients the next interval may kill: ``random_kill_num``, less what ``max_kills`` has used up."""
        if self.options.max_kills is None:
            return self.options.random_kill_num
        left = self.options.max_kills - sum(self.clients.kills.values())
        return max(0, min(self.options.random_kill_num, left))

    async def _kill_some(self) -> None:
        allowed = self.options.allowed_to_kill or tuple(range(1, len(self.clients.specs) + 1))
        for number in kill_choice(self.rng, allowed, self._kills_left()):
            index = number - 1
            name = client_name(index)
            await asyncio.to_thread(self.clients.kill_and_restart, index)
            self.reported_exits.pop(index, None)
            self.display.event(
                "client_killed", f"killed and restarted {name}", client=name, kills=self.clients.kills[index]
            )

    async def _let_clients_leave(self, stop: asyncio.Event) -> None:
        """Clients leave a Finished run by themselves; wait for that (up to the grace period, or a stop)."""
        deadline = time.monotonic() + self.options.finish_grace_s
        while len(self.clients.exited()) < len(self.clients.specs) and time.monotonic() < deadline:
            if stop.is_set():
                return
            await asyncio.sleep(0.2)
        self._report_exits()


def finish_session(
    reason: EndReason,
    last: RunSnapshot,
    claimed: dict[int, int],
    wallets: Sequence[Keypair],
    data_dir: Path | None,
    clients: ClientProcesses,
    options: TestnetOptions,
    display: Display,
) -> Summary:
    curves: dict[str, list[LossPoint]] = {client_name(s.index): read_losses(s.log_file) for s in clients.specs}
    evals = {client_name(s.index): read_evals(s.log_file) for s in clients.specs}
    exit_codes = {index: process.returncode for index, process in clients.processes.items()}
    finals = {s.index: read_final_weights(s.log_file, clients.log_starts.get(s.index, 0)) for s in clients.specs}
    summary = Summary(
        reason=reason,
        state=last.state,
        steps=last.step,
        epochs=last.epoch,
        tokens=last.tokens,
        final_loss=final_loss(curves),
        clients=[
            ClientSummary(
                name=client_name(index),
                wallet=str(wallet.pubkey()),
                points=last.points.get(str(wallet.pubkey()), 0),
                kills_survived=clients.kills.get(index, 0),
                final_loss=curves[client_name(index)][-1].loss if curves[client_name(index)] else None,
                exit_code=exit_codes.get(index),
                final_step=final.step if (final := finals[index]) is not None else None,
                weights_hash=final.parameter_hash if final is not None else None,
                claimed=claimed.get(index),
                equivocations=len(read_events(clients.specs[index].log_file, "equivocation")),
                byzantine=clients.specs[index].byzantine,
                matformer_tier=clients.specs[index].matformer_tier,
            )
            for index, wallet in enumerate(wallets)
        ],
        weights_identical=weights_identical(finals.values()),
        tier_slices_match=tier_slices_match(finals.values()),
        final_eval=final_eval(evals),
    )
    tiers = client_tiers(clients.specs)
    plot = write_loss_plot(curves, options.log_dir / "loss.png", loss_unit(data_dir), evals, tiers)
    (options.log_dir / "summary.json").write_text(summary.json_line() + "\n")
    display.summary(summary)
    display.event(
        "outputs",
        f"Loss plot: {plot}  (client logs client-N.jsonl, summary.json and testnet.jsonl are in {options.log_dir})",
        loss_plot=str(plot),
        log_dir=str(options.log_dir),
    )
    return summary

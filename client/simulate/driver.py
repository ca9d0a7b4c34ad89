"""The run driver: simulated clients react to the real programs' state as the reference client does.

One loop: pop the next event, move the bank's clock to it, let the clients act (each action is a signed
transaction), read the coordinator account back, and when its phase changed, plan what the clients do next.
Reactions to a new phase never send anything themselves; they queue events at the current instant, so every
transaction is followed by a fresh read of the chain.

What a simulated client does (spec client-training §1, coordinator §1.3-§5):

* **Waiting for members**: every online client sends ``join_run`` (and a client the program refuses to register,
  e.g. MoreClientsThanBatches, gives up).
* **Ticks**: at each deadline of the current state, every online client re-simulates ``tick`` on its copy of the
  coordinator; if that changes the run state, it sends a ``tick`` with probability 1 (<= 2 epoch clients) or 2/n,
  and tries again a poll period later when nobody did.
* **Warmup**: epoch clients without the model load it; once every epoch client has it, they send
  ``warmup_witness`` until the coordinator starts training.
* **Training, witnessing, health checks**: the round phase, planned by :mod:`client.simulate.rounds`.
* **Churn**: clients go offline and come back at the given rates; a client that comes back waits for the next
  Waiting-for-members to join, even if it is still listed in the current epoch.

Clients see the chain without delay, so besides ticks they send only what can still matter (no warmup witness
once training started, no second health check for an already dropped client).
"""

from __future__ import annotations

import operator
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

from client.participant.polling import pending_clients, state_deadline, tick_changes_state
from client.simulate.behaviour import SimulatedClient, make_clients
from client.simulate.chain import SimulationChain
from client.simulate.errors import SimulationError
from client.simulate.events import (
    ComeOnline,
    Event,
    GoOffline,
    HealthChecks,
    Join,
    LateWitnesses,
    ModelsLoaded,
    Phase,
    TickDue,
    TrainingFinished,
)
from client.simulate.record import EpochEnd, EpochRecord, RunRecord, WitnessDeadlineFacts
from client.simulate.rounds import Rounds
from client.simulate.scheduler import ChainClock, EventQueue
from client.simulate.settings import SimulationSettings
from coordinator_program.core.types import Coordinator, RunState
from coordinator_program.state.coordinator_account import CoordinatorAccount

__all__ = ["START_UNIX", "SimulationRun", "run_simulation"]

START_UNIX = 1_767_225_600
"""2026-01-01T00:00:00Z: where simulated time starts (any fixed instant keeps runs reproducible)."""
RUN_ID = "simulate"
_EPOCH_OVER = (RunState.WaitingForMembers, RunState.Finished)
_ONLINE = operator.attrgetter("online")
_IN_EPOCH = operator.attrgetter("in_epoch")


@dataclass
class SimulationRun:
    """A finished simulation: what was observed, the final account, and what it cost in wall time."""

    settings: SimulationSettings
    record: RunRecord
    account: CoordinatorAccount
    clients: list[SimulatedClient]
    wall_seconds: float


class RunDriver:
    """Drives one simulated run from creation to the end of the simulated duration, or to Finished: a finished run
    changes no more, so the simulation (its report and timeline) stops there."""

    def __init__(self, settings: SimulationSettings) -> None:
        self.settings = settings
        self.record = RunRecord()
        self.chain = SimulationChain(settings.seed, self.record.transactions, sigverify=False)
        self.clients = make_clients(settings)
        self._by_signer = {client.signer: client for client in self.clients}
        self._queue: EventQueue[Event] = EventQueue()
        self._polls = random.Random(f"psyche-sim simulate/{settings.seed}/polls")
        self._clock = ChainClock(self.chain.bank, START_UNIX * 1000)
        self._end_ms = self._clock.start_ms + settings.duration_s * 1000
        self._account: CoordinatorAccount | None = None
        self._phase: Phase | None = None
        self._members: list[SimulatedClient] = []
        self._joined: set[int] = set()
        self._tick_queued: Phase | None = None
        self._plan = 0
        self._rounds = Rounds(self, settings.seed, self._by_signer)
        self._epoch: EpochRecord | None = None
        self._deadline_facts: WitnessDeadlineFacts | None = None
        self._earned: dict[bytes, int] = {}
        self._finished = False

    # -- the loop ---------------------------------------------------------------------------
    def run(self, on_progress: Callable[[float], None] | None = None) -> SimulationRun:
        """Simulate to the end of the duration or to Finished; ``on_progress`` hears the simulated seconds so far,
        about every 0.5% of the duration (a progress bar)."""
        started = time.perf_counter()
        for client in self.clients:
            self.chain.fund(client.pubkey)
        self.chain.create_run(
            RUN_ID,
            self.settings.run_config,
            self.settings.earning_rate,
            self.settings.slashing_rate,
        )
        for client in self.clients:
            self._schedule_change(client, self.settings.dropout_rate, GoOffline)
        self.observe()
        report_every_ms = max(1, (self._end_ms - self._clock.start_ms) // 200)
        next_report_ms = self._clock.start_ms
        while self._queue and not self._finished:
            at_ms, event = self._queue.pop()
            if at_ms > self._end_ms:
                break
            self._clock.advance_to(at_ms)
            if on_progress is not None and at_ms >= next_report_ms:
                on_progress((at_ms - self._clock.start_ms) / 1000)
                next_report_ms = at_ms + report_every_ms
            self._handle(event)
        self._close()
        return SimulationRun(
            self.settings, self.record, self._coordinator_account(), self.clients, time.perf_counter() - started
        )

    def _handle(self, event: Event) -> None:
        match event:
            case GoOffline(client=index, generation=generation):
                client = self.clients[index]
                if client.online and client.generation == generation:
                    self.record.dropouts += 1
                    self.go_offline(client)
            case ComeOnline(client=index, generation=generation):
                self._come_online(self.clients[index], generation)
            case Join(client=index):
                self._join(self.clients[index])
            case TickDue(phase=phase):
                self._tick(phase)
            case ModelsLoaded(phase=phase, plan=plan):
                if phase == self._phase and plan == self._plan:
                    self._send_warmup_witnesses()
            case TrainingFinished(phase=phase, plan=plan):
                if phase == self._phase and plan == self._plan:
                    self._rounds.send_witnesses()
            case HealthChecks(phase=phase):
                if phase == self._phase:
                    self._rounds.send_health_checks()
            case LateWitnesses(phase=phase):
                if phase == self._phase:
                    self._rounds.send_witnesses()
            case _:
                assert_never(event)

    def at(self, at_ms: int, event: Event) -> None:
        self._queue.push(max(at_ms, self._clock.now_ms), event)

    def new_plan(self) -> int:
        """A new plan number: events of earlier plans (which a departing client may have spoilt) are dropped."""
        self._plan += 1
        return self._plan

    def now(self) -> int:
        return self._clock.now_ms

    def _seconds(self, unix: int) -> float:
        """Chain seconds since the simulation started."""
        return float(unix - START_UNIX)

    def elapsed(self) -> float:
        """Seconds since the simulation started, to the millisecond."""
        return (self._clock.now_ms - self._clock.start_ms) / 1000

    # -- reading the chain ------------------------------------------------------------------
    def _coordinator_account(self) -> CoordinatorAccount:
        assert self._account is not None, "the run is read right after it is created"
        return self._account

    def coordinator(self) -> Coordinator:
        coordinator: Coordinator = self._coordinator_account().state.coordinator
        return coordinator

    def observe(self) -> None:
        """Read the account; on a phase change, plan the clients' next moves."""
        self._account = self.chain.read()
        phase = Phase.of(self.coordinator())
        if phase != self._phase:
            previous, self._phase = self._phase, phase
            self._enter(previous, phase)

    def participating(self, client: SimulatedClient) -> bool:
        return client.online and client.in_epoch

    # -- phases -----------------------------------------------------------------------------
    def _enter(self, previous: Phase | None, phase: Phase) -> None:
        self.record.state(self._seconds(phase.started), phase.state)
        if previous is not None:
            self._leave(previous, phase)
        coordinator = self.coordinator()
        if phase.state is RunState.Warmup or len(coordinator.epoch_state.clients) != len(self._members):
            self._members = [self._by_signer[bytes(c.id.signer)] for c in coordinator.epoch_state.clients]
        match phase.state:
            case RunState.WaitingForMembers:
                self._joined.clear()
                self.record.most_pending = 0
                for client in self.clients:
                    if client.online:
                        self.at(self.now(), Join(client.index))
            case RunState.Warmup:
                self._start_epoch(phase)
            case RunState.RoundTrain:
                self._rounds.start(phase, self._members, self._epoch)
            case RunState.RoundWitness:
                self._rounds.close_training()
                self.at(self.now(), LateWitnesses(phase))
            case RunState.Cooldown:
                pass  # nothing to do but wait for the deadline tick
            case RunState.Finished:
                self._finished = True
            case RunState.Uninitialized | RunState.Paused:
                raise SimulationError(f"the run became {phase.state.display_name}, which nothing here asks for")
            case _:
                assert_never(phase.state)
        self._queue_tick()
        self._count_clients()

    def _leave(self, previous: Phase, phase: Phase) -> None:
        """Close what the transition out of ``previous`` ended: a round, an epoch."""
        if previous.state is RunState.RoundWitness:
            facts, self._deadline_facts = self._deadline_facts, None
            self._rounds.close(phase, facts, self._epoch)
        if previous.state is RunState.Warmup and phase.state is RunState.WaitingForMembers and self._epoch:
            self._epoch.end = EpochEnd.WARMUP_TOO_FEW_CLIENTS
        if previous.state in (RunState.Cooldown, RunState.Warmup) and phase.state in _EPOCH_OVER:
            self._end_epoch(phase)

    # -- ticks --------------------------------------------------------------------------------
    def _queue_tick(self) -> None:
        """Make sure the clients poll at the current state's deadline (if anyone is online to poll)."""
        deadline = state_deadline(self.coordinator())
        if deadline is None or self._tick_queued == self._phase or not any(c.online for c in self.clients):
            return
        self._tick_queued = self._phase
        at_ms = max(deadline * 1000, self.now()) + self._polls.randrange(self.settings.timing.tick_poll_ms)
        self.at(at_ms, TickDue(self.current_phase()))

    def current_phase(self) -> Phase:
        assert self._phase is not None
        return self._phase

    def _tick_changes_state(self) -> bool:
        account = self._coordinator_account()
        if RunState(account.state.coordinator.run_state) is RunState.WaitingForMembers:
            self.record.most_pending = max(self.record.most_pending, pending_clients(account))
        return tick_changes_state(account, self._clock.unix_timestamp, self.chain.bank.slot)

    def _tick(self, phase: Phase) -> None:
        if phase != self._phase:
            return
        self._tick_queued = None
        online = [client for client in self.clients if client.online]
        if not online or not self._tick_changes_state():
            return  # a join or a returning client queues the next poll
        epoch_clients = len(self.coordinator().epoch_state.clients)
        senders = [client for client in online if client.decides_to_tick(epoch_clients)]
        if not senders:
            self._tick_queued = phase
            self.at(self.now() + self.settings.timing.tick_poll_ms, TickDue(phase))
            return
        if phase.state is RunState.RoundWitness:
            self._deadline_facts = WitnessDeadlineFacts.of(self.coordinator(), self._clock.unix_timestamp)
        for client in senders:
            self.chain.tick(client.keypair, client.pubkey)
            self.observe()

    # -- clients coming and going ---------------------------------------------------------------
    def _schedule_change(self, client: SimulatedClient, rate: float, kind: type[GoOffline] | type[ComeOnline]) -> None:
        delay = client.next_change_ms(rate)
        if delay is not None:
            self.at(self.now() + delay, kind(client.index, client.generation))

    def go_offline(self, client: SimulatedClient) -> None:
        """The client's process stops: it loses its model, and a round or warmup waiting on it now never completes."""
        waited_on = client.in_epoch and (
            self._rounds.waits_on(client, self.now())
            or (
                self._phase is not None
                and self._phase.state is RunState.Warmup
                and client.model_ready_ms is not None
                and client.model_ready_ms > self.now()
            )
        )
        if waited_on:
            self.new_plan()
        client.online = False
        client.in_epoch = False
        client.model_ready_ms = None
        client.generation += 1
        self._schedule_change(client, self.settings.join_rate, ComeOnline)
        self._count_clients()

    def _come_online(self, client: SimulatedClient, generation: int) -> None:
        if client.online or client.generation != generation:
            return
        client.online = True
        self.record.returns += 1
        self._schedule_change(client, self.settings.dropout_rate, GoOffline)
        if self._phase is not None and self._phase.state is RunState.WaitingForMembers:
            self.at(self.now(), Join(client.index))
        self._queue_tick()
        self._count_clients()

    def _join(self, client: SimulatedClient) -> None:
        phase = self._phase
        if phase is None or phase.state is not RunState.WaitingForMembers:
            return
        if not client.online or client.refused is not None or client.index in self._joined:
            return
        error = self.chain.join(client.keypair, client.pubkey)
        if error is None:
            self._joined.add(client.index)
            self._queue_tick()
        elif error in ("MoreClientsThanBatches", "ClientsFull"):
            client.refused = error
            self.record.refused_joins[client.index] = error
        self.observe()

    def _count_clients(self) -> None:
        """Record how many clients are online and how many take part in the epoch (counted in C: this runs at
        every phase change, over up to 256 clients)."""
        online = sum(map(_ONLINE, self.clients))
        in_epoch = sum(map(operator.and_, map(_ONLINE, self._members), map(_IN_EPOCH, self._members)))
        if self._phase is not None and self._phase.state is RunState.WaitingForMembers:
            in_epoch = 0
        self.record.clients(self.elapsed(), online, in_epoch)

    # -- epochs -------------------------------------------------------------------------------
    def _start_epoch(self, phase: Phase) -> None:
        for client in self.clients:
            client.in_epoch = False
        for client in self._members:
            client.in_epoch = client.online
        self._epoch = EpochRecord(phase.epoch, self._seconds(phase.started), len(self._members))
        self.record.epochs.append(self._epoch)
        self._rounds.clear()
        plan = self.new_plan()
        warmup_time = int(self.coordinator().config.warmup_time)
        for client in self._members:
            if self.participating(client) and client.model_ready_ms is None:
                client.model_ready_ms = self.now() + client.load_ms(warmup_time)
        ready = [client.model_ready_ms for client in self._members if client.model_ready_ms is not None]
        if len(ready) == len(self._members):  # else an epoch client is gone: Warmup lasts until warmup_time
            self.at(max(ready, default=self.now()), ModelsLoaded(phase, plan))

    def _send_warmup_witnesses(self) -> None:
        """Everyone has the model: epoch clients send ``warmup_witness`` until the coordinator starts training."""
        for index, client in enumerate(list(self._members)):
            if self.current_phase().state is not RunState.Warmup:
                return
            if self.participating(client):
                self.chain.warmup_witness(client.keypair, client.pubkey, index)
                self.observe()

    def _end_epoch(self, phase: Phase) -> None:
        """The epoch's points were credited by the tick that ended it: read who got what."""
        clients_state = self._coordinator_account().state.clients_state
        credited = paid = 0
        for registered in clients_state.clients:
            signer = bytes(registered.id.signer)
            earned = int(registered.earned)
            gained = earned - self._earned.get(signer, 0)
            self._earned[signer] = earned
            credited += gained
            paid += gained > 0
        if self._epoch is not None:
            self._epoch.ended_s = self._seconds(phase.started)
            self._epoch.points_credited = credited
            self._epoch.clients_paid = paid
        self._epoch = None
        self._rounds.clear()
        for client in self.clients:
            client.in_epoch = False

    # -- the end ------------------------------------------------------------------------------
    def _close(self) -> None:
        """Where the simulation stopped: at Finished (nothing can happen after it), else at the end of the window."""
        if self._finished and self._phase is not None:
            self.record.ended_s = self._seconds(self._phase.started)
        else:
            self.record.ended_s = float(self.settings.duration_s)
        if self._phase is not None and self._phase.state is RunState.WaitingForMembers:
            self._tick_changes_state()  # records how many clients were waiting at the end


def run_simulation(settings: SimulationSettings, on_progress: Callable[[float], None] | None = None) -> SimulationRun:
    """Simulate ``settings`` on a fresh runtime; deterministic for a given seed (``on_progress``: see
    :meth:`RunDriver.run`)."""
    return RunDriver(settings).run(on_progress)

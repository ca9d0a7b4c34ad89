"""The round phase of a simulated run: who trains until when, which witnesses attest, who gets health-checked.

The driver (:mod:`client.simulate.driver`) owns the event loop and the run-state transitions; when the run enters
RoundTrain or RoundWitness, or leaves a round, it hands over to :class:`Rounds`, which keeps the plans of the
last rounds of the epoch (a health check at height h looks back at rounds h-1 and h-2):

* **Training**: each epoch client trains for its own time (nothing in the two rounds after the epoch timer). When
  every epoch client has finished, the elected witnesses send ``witness`` (opportunistic witnessing); otherwise
  they send it when the witness phase begins. A client still training then is cancelled and its result is lost.
  A witness's participant bloom holds the clients whose result arrived in the *previous* round.
* **Health checks**: at the start of round h >= 2 a witness of round h-1 reports every current client its
  coordinator copy judges unhealthy; a reported client sees itself Dropped and exits.

Like the driver's own reactions, starting a round sends nothing: it queues events at the current instant or later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from client.simulate.behaviour import SimulatedClient
from client.simulate.blooms import ParticipantBlooms
from client.simulate.chain import SimulationChain
from client.simulate.election import elected_witnesses
from client.simulate.events import Event, HealthChecks, Phase, TrainingFinished
from client.simulate.record import EpochRecord, RoundRecord, RunRecord, WitnessDeadlineFacts
from coordinator_program.core import (
    CoordinatorFailure,
    CoordinatorPanic,
    assign_batches,
    committee_selection,
    current_round,
    healthy,
    last_step_set,
    target_global_batch_size,
)
from coordinator_program.core.types import Client, ClientState, Coordinator, NodeIdentity, RunState, WitnessProof

__all__ = ["RoundPlan", "RoundHost", "Rounds"]

_CLIENT_STATE_OFFSET = Client.state.offset
_CLIENT_SIGNER_OFFSET = Client.id.offset + NodeIdentity.signer.offset
_SIGNER_BYTES = NodeIdentity.signer.size


@dataclass
class RoundPlan:
    """The driver's side of one round: who trains until when, who is elected, whose results arrived."""

    phase: Phase
    members: list[SimulatedClient]
    elected: dict[int, int]
    previous_delivered: frozenset[bytes]
    record: RoundRecord
    with_data: set[int] = field(default_factory=set)
    finish_ms: dict[int, int] = field(default_factory=dict)
    witnessed: set[int] = field(default_factory=set)
    delivered: frozenset[bytes] | None = None


class RoundHost(Protocol):
    """What the round phase needs of the driver: its clock, its chain and record, and its view of the run."""

    chain: SimulationChain
    record: RunRecord

    def now(self) -> int: ...
    def elapsed(self) -> float: ...
    def at(self, at_ms: int, event: Event) -> None: ...
    def observe(self) -> None: ...
    def coordinator(self) -> Coordinator: ...
    def current_phase(self) -> Phase: ...
    def participating(self, client: SimulatedClient) -> bool: ...
    def go_offline(self, client: SimulatedClient) -> None: ...
    def new_plan(self) -> int: ...


class Rounds:
    """The rounds of the current epoch, as the driver plans them; ``current`` is the latest one started."""

    def __init__(self, host: RoundHost, seed: int, by_signer: dict[bytes, SimulatedClient]) -> None:
        self._host = host
        self._by_signer = by_signer
        self._blooms = ParticipantBlooms(random.Random(f"psyche-sim simulate/{seed}/bloom keys"))
        self._plans: dict[tuple[int, int], RoundPlan] = {}
        self.current: RoundPlan | None = None

    def clear(self) -> None:
        """An epoch ended or starts: none of its rounds matters any more."""
        self._plans.clear()
        self.current = None

    def waits_on(self, client: SimulatedClient, now_ms: int) -> bool:
        """Whether the current round still waits for ``client``'s training result."""
        return self.current is not None and self.current.finish_ms.get(client.index, 0) > now_ms

    def start(self, phase: Phase, members: list[SimulatedClient], epoch: EpochRecord | None) -> None:
        """RoundTrain began: record the round, plan who trains until when, queue the witnesses and health checks."""
        host = self._host
        coordinator = host.coordinator()
        round_ = current_round(coordinator)
        assert round_ is not None
        trained = not last_step_set(coordinator)
        batch_size = target_global_batch_size(coordinator, round_)
        elected = elected_witnesses(
            int(round_.random_seed), int(round_.clients_len), int(coordinator.config.witness_nodes)
        )
        previous = self._plans.get((phase.epoch, phase.height - 1))
        record = RoundRecord(
            epoch=phase.epoch,
            height=phase.height,
            step=phase.step,
            trained=trained,
            batch_size=batch_size,
            started_s=host.elapsed(),
            clients=len(members),
            elected=len(elected),
        )
        host.record.rounds.append(record)
        if epoch is not None:
            epoch.rounds += 1
        previous_delivered = previous.delivered if previous is not None and previous.delivered else frozenset()
        plan = RoundPlan(phase, list(members), elected, previous_delivered, record)
        self.current = self._plans[(phase.epoch, phase.height)] = plan
        self._plans.pop((phase.epoch, phase.height - 3), None)
        plan_number = host.new_plan()
        if trained:
            plan.with_data = self._trainers_with_data(
                plan, batch_size, int(round_.data_index), int(round_.random_seed)
            )
        max_round_train_time = int(coordinator.config.max_round_train_time)
        blocked = False
        now = host.now()
        for client in plan.members:
            if not host.participating(client):
                blocked = True
                continue
            ready = max(now, client.model_ready_ms or now)
            working = client.index in plan.with_data  # nothing to train after the epoch timer, or without data
            plan.finish_ms[client.index] = ready + (client.train_ms(max_round_train_time) if working else 0)
        if phase.height >= 2:  # first: a no-training round's witnesses go out at once
            host.at(now, HealthChecks(phase))
        if not blocked:
            host.at(max(plan.finish_ms.values(), default=now), TrainingFinished(phase, plan_number))

    @staticmethod
    def _trainers_with_data(plan: RoundPlan, batch_size: int, data_index: int, seed: int) -> set[int]:
        """Clients given at least one sample (every client is a trainer: no tie-breakers, verification 0)."""
        if batch_size >= len(plan.members):
            return {client.index for client in plan.members}
        assignment = assign_batches([client.index for client in plan.members], data_index, batch_size, seed)
        return set(assignment.values())

    def close_training(self) -> None:
        """Training ended (early, or at the deadline): whose result arrived is now fixed."""
        plan = self.current
        if plan is None:
            return
        now = self._host.now()
        plan.delivered = frozenset(
            client.signer
            for client in plan.members
            if client.index in plan.with_data and plan.finish_ms.get(client.index, now + 1) <= now
        )
        deadline_ms = (plan.phase.started + int(self._host.coordinator().config.max_round_train_time)) * 1000
        plan.record.training_ended_s = self._host.elapsed()
        plan.record.ended_early = now < deadline_ms
        plan.record.delivered = len(plan.delivered)

    def close(self, phase: Phase, facts: WitnessDeadlineFacts | None, epoch: EpochRecord | None) -> None:
        """The witness deadline passed (the step moved on to ``phase``); record how, and whether it ended the epoch."""
        if self.current is None:
            return
        self.current.record.completed = True
        if epoch is None:
            return
        if self.current.record.trained:
            epoch.steps_trained += 1
        if facts is not None:
            self.current.record.witnesses = facts.witnesses
            if phase.state is RunState.Cooldown:
                epoch.end = facts.epoch_end()
                epoch.end_facts = facts

    def send_witnesses(self) -> None:
        """Elected witnesses of the current round that are still here and have not attested do so now."""
        host = self._host
        plan = self.current
        if plan is None:
            return
        for member, position in sorted(plan.elected.items()):
            phase = host.current_phase()
            if phase.state not in (RunState.RoundTrain, RunState.RoundWitness) or phase.height != plan.phase.height:
                return
            client = plan.members[member]
            if member in plan.witnessed or not host.participating(client):
                continue
            key_set = self._blooms.draw_key_set(client.rng)
            bloom = self._blooms.bloom(key_set, plan.previous_delivered)
            proof = WitnessProof(position=position, index=member, witness=1)
            plan.witnessed.add(member)
            host.chain.witness(client.keypair, client.pubkey, proof, bloom)
            host.observe()
        plan.record.elected_missing = len(plan.elected) - len(plan.witnessed)

    def send_health_checks(self) -> None:
        """Witnesses of the previous round report the clients the witnesses before them did not see."""
        host = self._host
        assert self.current is not None
        phase = host.current_phase()
        previous = self._plans.get((phase.epoch, phase.height - 1))
        checked = self._plans.get((phase.epoch, phase.height - 2))
        if previous is None or checked is None or checked.delivered is None:
            return
        reporters = [previous.members[m] for m in sorted(previous.elected) if host.participating(previous.members[m])]
        if not reporters:
            return
        coordinator = host.coordinator()
        clients = coordinator.epoch_state.clients
        states = clients.field_values(_CLIENT_STATE_OFFSET, "B")
        signers = clients.field_bytes(_CLIENT_SIGNER_OFFSET, _SIGNER_BYTES)  # the 256 clients read at once
        suspects = [
            (index, clients[index])
            for index, (state, signer) in enumerate(zip(states, signers, strict=True))
            if state == ClientState.Healthy and signer not in checked.delivered
        ]
        if not suspects:
            return
        selection = committee_selection(coordinator, -1)
        for index, suspect in suspects:
            signer = bytes(suspect.id.signer)
            try:
                proof = selection.get_committee(index)
                if healthy(host.coordinator(), signer, proof):
                    continue  # a false positive in enough blooms: the witnesses' view says it is fine
            except (CoordinatorFailure, CoordinatorPanic):
                continue  # the reporter's own check fails (e.g. the list shifted): the reference client skips it
            target = NodeIdentity.from_buffer_copy(suspect.id)
            error = host.chain.health_check(reporters[0].keypair, reporters[0].pubkey, target, proof)
            host.observe()
            if error is None:
                host.record.health_check_drops += 1
                dropped = self._by_signer[signer]
                host.record.dropped_clients.add(dropped.index)
                if dropped.online:
                    host.go_offline(dropped)  # it sees itself Dropped and exits

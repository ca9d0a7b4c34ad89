"""The simulator's figures against hand computations on config/test (warmup 5, cooldown 5, train 5, witness 2,
extra 3, batch 4, seq 512) with exact client timings: 2 s to load the model, 2 s to train a round.

How a round goes, by hand: the deadline tick that starts round k lands in second T; training takes 2 s, so the
witnesses attest (the round ends early) at T+2; the witness phase lasts 2 s, so the next round starts at T+4.
"""

from __future__ import annotations

from client.simulate import FindingKind, build_report, run_simulation
from coordinator_program.core.types import RunState
from tests.client.simulate.runs import run_config, settings

WFM, WARMUP, TRAIN, WITNESS = RunState.WaitingForMembers, RunState.Warmup, RunState.RoundTrain, RunState.RoundWitness


def test_run_to_total_steps() -> None:
    # WFM at 0; the 2 clients join; tick at the 3 s extra time -> Warmup at 3; models load in 2 s -> training at 5.
    # Round k trains from 5+4k, witnesses at 7+4k, and its witness deadline at 9+4k makes the step k+2. Step 10 =
    # total_steps comes at round 8's deadline (41): Cooldown; 5 s later the epoch ends and the run is Finished.
    run = run_simulation(settings(run_config(), 2, 600, earning_rate=1000, slashing_rate=7))
    rounds = [(5 + 4 * k, TRAIN) for k in range(9)]
    witness = [(7 + 4 * k, WITNESS) for k in range(9)]
    expected = [(0, WFM), (3, WARMUP), *sorted(rounds + witness), (41, RunState.Cooldown), (46, RunState.Finished)]
    assert run.record.states == [(float(at), state) for at, state in expected]
    assert run.record.ended_s == 46  # nothing happens after Finished: the simulation stops there

    figures = build_report(run).figures
    assert figures.final_state == "Finished"
    assert (figures.epochs_completed, figures.steps_completed, figures.steps_trained) == (1, 9, 9)
    assert figures.tokens_trained == 9 * 4 * 512
    assert (figures.duration_s, figures.simulated_s) == (600, 46)
    assert figures.steps_per_hour == 9 * 3600 / 46  # 9 steps in the 46 s the run ran
    times = {t.state: t.seconds for t in figures.time_in_states}
    assert times == {"Waiting for members": 3, "Warmup": 2, "Training": 9 * 2, "Witness": 9 * 2, "Cooldown": 5}
    assert sum(t.share for t in figures.time_in_states) == 1
    # 1000 points shared by the 2 finishers of the one epoch; the treasury adds the 20 % buffer.
    assert [c.points for c in figures.clients_detail] == [500, 500]
    assert (figures.treasury.points_credited, figures.treasury.needed) == (1000, 1200)
    rates = run.account.state.clients_state.current_epoch_rates
    assert (rates.earning_rate_total_shared, rates.slashing_rate_per_client) == (1000, 7)
    assert [f.kind for f in figures.findings] == [FindingKind.FINISHED, FindingKind.REFUSED_TRANSACTIONS]
    # Both clients tick at each deadline (<= 2 clients: probability 1); the second tick after Finished is refused.
    assert figures.transactions_refused == {"tick: CoordinatorErrorHalted": 1}


def test_epochs_follow_epoch_time_and_round_times() -> None:
    # epoch_time 30 counts from Warmup (3): round 6's deadline at 33 expires it, so last_step = 8 + 2 = 10. Rounds 7
    # and 8 train nothing (they end as soon as they start), round 8's deadline at 37 makes step 10: Cooldown until
    # 42. Epoch 1: clients rejoin, Warmup at 45 and, as everyone kept the model, training at 45 too; round k's
    # deadline 49+4k passes 75 at k = 7 (step 18, last_step 20); the two empty rounds end at 81, Cooldown until 86.
    run = run_simulation(settings(run_config(total_steps=1000, epoch_time=30), 2, 90, earning_rate=1000))
    figures = build_report(run).figures
    epochs = [(e.epoch, e.started_s, e.ended_s, e.rounds, e.steps_trained, e.end) for e in figures.epochs]
    assert epochs == [
        (0, 3, 42, 9, 7, "epoch_time"),
        (1, 45, 86, 10, 8, "epoch_time"),
        (2, 89, None, 1, 0, None),
    ]
    assert (figures.epochs_completed, figures.steps_trained, figures.steps_completed) == (2, 15, 19)
    assert figures.tokens_trained == 15 * 4 * 512
    assert figures.mean_epoch_s == (39 + 41) / 2
    assert [c.points for c in figures.clients_detail] == [1000, 1000]  # 1000 // 2 per client in each epoch


def test_slow_client_misses_rounds_is_dropped_and_earns_nothing() -> None:
    # 3 clients, witness_nodes 0 (all witness), one 3x slower: it loads in 6 s (> warmup_time 5) and trains in 6 s
    # (> max_round_train_time 5). Warmup times out at 8; rounds 0-2 run to the deadline (8-15, 15-22, 22-29). At round
    # 2's start a witness of round 1 reports it (its round-0 result is in no bloom): Dropped, it exits, and leaves the
    # list at round 2's witness deadline. From round 3 (29) the two others need 4 s a round; round 11's deadline at 65
    # passes the epoch timer (63): two empty rounds, Cooldown at 69, the epoch ends at 74.
    config = run_config(total_steps=1000, witness_nodes=0, init_min_clients=3)
    run = run_simulation(settings(config, 3, 80, earning_rate=1000, slow_fraction=1 / 3, slow_factor=3))
    figures = build_report(run).figures
    assert figures.health_check_drops == 1
    assert [(c.slow, c.points, c.health_check_dropped) for c in figures.clients_detail] == [
        (False, 500, False),
        (True, 0, True),
        (False, 500, False),
    ]
    assert [r.ended_early for r in run.record.rounds] == [False] * 3 + [True] * 11
    assert [(e.started_s, e.ended_s, e.rounds, e.steps_trained) for e in figures.epochs] == [(3, 74, 14, 12)]
    kinds = {f.kind for f in figures.findings}
    assert {FindingKind.SLOW_CLIENTS, FindingKind.ROUNDS_TO_DEADLINE, FindingKind.HEALTH_CHECK_DROPS} <= kinds
    # The dropped client never came back (no --join-rate), so the next epoch lacks init_min_clients = 3.
    assert FindingKind.STUCK_WAITING in kinds

"""A client's bookkeeping of one round: which announcements count, what enters its blooms, which result it applies."""

from __future__ import annotations

import random

import pytest
from solders.keypair import Keypair

from client.participant.round_state import MAX_COMMITMENTS_PER_BATCH, Rejection
from coordinator_program.core import BatchId, Bloom
from coordinator_program.core.shuffle import sha256v
from tests.client.participant.round_fixtures import CLIENTS, KEYS, STEP, announce, new_round, own_batch


def test_every_client_trains_one_of_three_batches() -> None:
    round_ = new_round()
    assert sorted(round_.assignments.values(), key=str) == sorted(CLIENTS, key=str)
    assert sorted(len(batch) for batch in round_.assignments) == [2, 2, 2]


def test_the_assignees_announcement_is_recorded() -> None:
    round_ = new_round()
    broadcast = announce(round_, KEYS[0], b"r0")
    assert round_.accept(CLIENTS[0], broadcast) is None
    assert [r.sender for r in round_.results[own_batch(round_, CLIENTS[0])]] == [CLIENTS[0]]
    assert round_.broadcasts == [broadcast.commitment.data_hash]


def test_announcements_that_do_not_count() -> None:
    round_ = new_round()
    stranger = Keypair()
    other_batch = own_batch(round_, CLIENTS[1])
    assert round_.accept(CLIENTS[0], announce(round_, KEYS[0], b"r", step=STEP + 1)) is Rejection.WrongStep
    assert round_.accept(stranger.pubkey(), announce(round_, KEYS[0], b"r")) is Rejection.NotAClient
    position = announce(round_, KEYS[0], b"r").proof.position
    forged = announce(round_, KEYS[0], b"r", position=position + 1)
    assert round_.accept(CLIENTS[0], forged) is Rejection.BadCommitteeProof
    assert round_.accept(CLIENTS[0], announce(round_, KEYS[0], b"r", batch=other_batch)) is Rejection.NotTheAssignee
    unknown = announce(round_, KEYS[0], b"r", batch=BatchId(100, 101))
    assert round_.accept(CLIENTS[0], unknown) is Rejection.UnknownBatch
    assert round_.accept(CLIENTS[0], announce(round_, KEYS[0], b"r")) is None
    assert round_.accept(CLIENTS[0], announce(round_, KEYS[0], b"r")) is Rejection.Duplicate


def test_only_a_payload_matching_its_commitment_enters_the_blooms() -> None:
    round_ = new_round()
    batch = own_batch(round_, CLIENTS[0])
    broadcast = announce(round_, KEYS[0], b"honest")
    round_.accept(CLIENTS[0], broadcast)
    assert not round_.record_payload(batch, CLIENTS[0], b"tampered")
    assert not round_.participant_bloom.contains(sha256v(bytes(CLIENTS[0])))
    assert round_.record_payload(batch, CLIENTS[0], b"honest")
    assert round_.participant_bloom.contains(sha256v(bytes(CLIENTS[0])))
    assert round_.broadcast_bloom.contains(broadcast.commitment.data_hash)
    assert not round_.all_results_in


def test_all_results_in_once_every_batch_arrived() -> None:
    round_ = new_round()
    for key in KEYS:
        round_.accept(key.pubkey(), announce(round_, key, bytes(key.pubkey())))
        assert round_.record_payload(own_batch(round_, key.pubkey()), key.pubkey(), bytes(key.pubkey()))
    assert round_.all_results_in


def witness_bloom(*items: bytes, seed: int) -> Bloom:
    rng = random.Random(seed)
    bloom = Bloom.with_keys([rng.getrandbits(64) for _ in range(8)])
    for item in items:
        bloom.add(item)
    return bloom


@pytest.mark.parametrize(("votes", "expected"), [((1, 1, 0), 1), ((0, 0, 1), 0), ((0, 1, None), None)])
def test_consensus_takes_the_result_a_quorum_of_witnesses_saw(
    votes: tuple[int | None, ...], expected: int | None
) -> None:
    """A byzantine assignee announces two different results; each witness saw one (or neither)."""
    round_ = new_round()
    batch = own_batch(round_, CLIENTS[0])
    announced = [announce(round_, KEYS[0], payload) for payload in (b"first", b"second")]
    for broadcast in announced:
        assert round_.accept(CLIENTS[0], broadcast) is None
    blooms = [
        witness_bloom(*([] if v is None else [announced[v].commitment.data_hash]), seed=i) for i, v in enumerate(votes)
    ]
    chosen = round_.consensus(blooms, quorum=2)
    picked = chosen[batch]
    if expected is None:
        assert picked is None
    else:
        assert picked is not None and picked.commitment == announced[expected].commitment
    untrained = [b for b in round_.assignments if b != batch]
    assert all(chosen[b] is None for b in untrained)


def test_the_consensus_does_not_depend_on_the_order_commitments_arrived() -> None:
    """Two clients hear an equivocating trainer's two commitments in opposite orders; both reach a quorum of the
    witnesses' blooms (a tie): both clients pick the same one (the smaller hash), where the reference's first-match
    rule made each pick the one it heard first."""
    rounds = [new_round(), new_round()]
    batch = own_batch(rounds[0], CLIENTS[0])
    announced = [announce(rounds[0], KEYS[0], payload) for payload in (b"first", b"second")]
    for round_, order in zip(rounds, (announced, announced[::-1]), strict=True):
        for broadcast in order:
            assert round_.accept(CLIENTS[0], broadcast) is None
    a, b = (x.commitment.data_hash for x in announced)
    blooms = [witness_bloom(a, seed=1), witness_bloom(b, seed=2), witness_bloom(a, b, seed=3)]
    picked = [round_.consensus(blooms, quorum=2)[batch] for round_ in rounds]
    assert picked[0] is not None and picked[1] is not None
    assert picked[0].commitment.data_hash == picked[1].commitment.data_hash == min(a, b)


def test_more_votes_beat_a_smaller_hash() -> None:
    round_ = new_round()
    batch = own_batch(round_, CLIENTS[0])
    announced = [announce(round_, KEYS[0], payload) for payload in (b"first", b"second")]
    for broadcast in announced:
        round_.accept(CLIENTS[0], broadcast)
    larger, smaller = sorted((x.commitment.data_hash for x in announced), reverse=True)
    blooms = [witness_bloom(larger, seed=1), witness_bloom(larger, smaller, seed=2), witness_bloom(smaller, seed=3)]
    blooms.append(witness_bloom(larger, seed=4))
    picked = round_.consensus(blooms, quorum=2)[batch]
    assert picked is not None and picked.commitment.data_hash == larger


def test_a_trainer_flooding_commitments_for_its_batch_is_capped() -> None:
    round_ = new_round()
    accepted = [
        round_.accept(CLIENTS[0], announce(round_, KEYS[0], bytes([i]))) for i in range(MAX_COMMITMENTS_PER_BATCH + 3)
    ]
    assert accepted[:MAX_COMMITMENTS_PER_BATCH] == [None] * MAX_COMMITMENTS_PER_BATCH
    assert accepted[MAX_COMMITMENTS_PER_BATCH:] == [Rejection.TooManyCommitments] * 3


def test_a_given_up_batch_completes_the_round_but_enters_no_bloom() -> None:
    """A batch whose one download was refused (or never came) no longer holds back Finished."""
    round_ = new_round()
    liar = own_batch(round_, CLIENTS[2])
    for key in KEYS[:2]:
        round_.accept(key.pubkey(), announce(round_, key, b"ok"))
        round_.record_payload(own_batch(round_, key.pubkey()), key.pubkey(), b"ok")
    broadcast = announce(round_, KEYS[2], b"lie")
    round_.accept(CLIENTS[2], broadcast)
    assert not round_.all_results_in
    round_.give_up(liar)
    assert round_.all_results_in
    assert not round_.broadcast_bloom.contains(broadcast.commitment.data_hash)
    assert not round_.participant_bloom.contains(sha256v(bytes(CLIENTS[2])))

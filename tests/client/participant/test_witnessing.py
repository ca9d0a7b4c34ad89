"""When a client may say Finished, what its witness carries, and the 2/n tick rule."""

from __future__ import annotations

import random

from solders.pubkey import Pubkey

from client.participant.merkle import EMPTY_ROOT
from client.participant.round_state import RoundState
from client.participant.ticking import tick_probability
from client.participant.witnessing import finished_ready, to_witness_bloom, witness_content
from coordinator_program.core import BatchId, Bloom, CommitteeSelection, bloom_contains


def _round(assignee: Pubkey) -> RoundState:
    selection = CommitteeSelection.new(0, 0, 0, 1, 5)
    return RoundState.new(1, 2, selection, [assignee], {BatchId(0, 3): assignee}, random.Random(0))


def test_finished_waits_for_our_training_and_every_result_of_the_round_before() -> None:
    me = Pubkey.new_unique()
    previous = _round(me)
    assert not finished_ready(False, None)
    assert finished_ready(True, None)  # the epoch's first round has nothing before it
    assert not finished_ready(True, previous)
    previous.remaining = None
    assert finished_ready(True, previous)


def test_the_first_round_of_an_epoch_witnesses_empty_blooms_and_the_empty_root() -> None:
    content = witness_content(None)
    assert bytes(content.merkle) == EMPTY_ROOT
    assert not any(content.participant_bloom.bits)


def test_a_bloom_keeps_its_members_in_the_account_form() -> None:
    bloom = Bloom.with_keys([3, 1, 4, 1, 5, 9, 2, 6])
    bloom.add(b"trainer")
    converted = to_witness_bloom(bloom)
    assert bloom_contains(converted, b"trainer") and not bloom_contains(converted, b"other")


def test_two_of_n_clients_tick_on_average() -> None:
    assert [tick_probability(n) for n in (0, 1, 2, 4, 8)] == [1.0, 1.0, 1.0, 0.5, 0.25]

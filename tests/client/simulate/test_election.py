"""The simulator's fast witness election names exactly the clients the coordinator's own selection elects."""

from __future__ import annotations

import pytest

from client.simulate.election import elected_witnesses, round_tables
from coordinator_program.core import CommitteeSelection, sha256v
from coordinator_program.core.shuffle import SwapOrNotRounds


@pytest.mark.parametrize(
    ("seed", "clients_len", "witness_nodes"),
    [(0, 1, 0), (7, 2, 1), (12345, 3, 2), (99, 33, 0), (2**64 - 1, 100, 20), (424242, 256, 0), (5, 256, 7)],
)
def test_elected_witnesses_match_committee_selection(seed: int, clients_len: int, witness_nodes: int) -> None:
    selection = CommitteeSelection.new(0, witness_nodes, 0, clients_len, seed)
    expected = {}
    for index in range(clients_len):
        position, elected = selection.get_witness(index)
        if elected:
            expected[index] = position
    assert elected_witnesses(seed, clients_len, witness_nodes) == expected


def test_no_witness_is_elected_when_the_round_has_fewer_clients_than_witness_nodes() -> None:
    assert elected_witnesses(1, 2, 3) == {}


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100, 255, 256])
def test_round_tables_compose_to_the_swap_or_not_permutation_both_ways(count: int) -> None:
    for salt in (b"a", b"b", b"c"):
        rounds = SwapOrNotRounds(sha256v(salt, bytes([count % 256])), count)
        tables = round_tables(rounds)
        forward = backward = bytes(range(count))
        for table in tables:
            forward = forward.translate(table)
        for table in reversed(tables):
            backward = backward.translate(table)
        assert list(forward) == [rounds.shuffled(index) for index in range(count)]
        assert list(backward) == [rounds.unshuffled(position) for position in range(count)]


def test_round_tables_refuse_a_count_past_one_byte() -> None:
    with pytest.raises(ValueError, match="at most 256"):
        round_tables(SwapOrNotRounds(bytes(32), 257))

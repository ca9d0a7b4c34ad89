"""Which clients a round elects as witnesses, found from the positions rather than from every index.

The coordinator (and ``CommitteeSelection.get_witness``) computes one client's witness position with a 90-round
swap-or-not shuffle. Testing all 256 clients of a round would take 256 passes; the shuffle's inverse starting from
each witness *position* (at most 32) gives the elected *indices* directly, and the pairs are remembered in the
round hashes' object (``SwapOrNotRounds.remember``) for the coordinator's verification of the witnesses' proofs.
Stepping 32 positions through 90 rounds one by one is 2,880 steps of Python; instead each round becomes a 256-byte
``bytes.translate`` table (computed for all rounds and positions at once with NumPy), and the positions, as bytes,
go through the 90 tables in reverse. ``tests/client/simulate/test_election.py`` checks the result against the
coordinator's own selection.
"""

from __future__ import annotations

import numpy as np

from coordinator_program.core import CommitteeSelection, CoordinatorFailure, sha256v
from coordinator_program.core.committee import SOLANA_MAX_NUM_WITNESSES, WITNESS_SALT
from coordinator_program.core.shuffle import SHUFFLE_ROUND_COUNT, SwapOrNotRounds, swap_or_not_rounds

__all__ = ["elected_witnesses", "round_tables"]

_BYTE_VALUES = np.arange(256, dtype=np.uint8)
_ROUND_ROW_STARTS = (np.arange(SHUFFLE_ROUND_COUNT, dtype=np.intp) * 256)[:, None]


def round_tables(rounds: SwapOrNotRounds) -> list[bytes]:
    """Each of the 90 rounds as a ``bytes.translate`` table: entry ``i`` is where the round sends position ``i``
    (entries from the count up stay put). The count must be at most 256, the clients list's capacity.

    The same arithmetic as ``SwapOrNotRounds``, over every round and position at once: the flip
    ``(pivot - i) mod count``, taken when the source bit of ``max(i, flip)`` is set; 16-bit integers keep NumPy fast.
    """
    count = rounds.index_count
    if count > 256:
        raise ValueError(f"translate tables hold at most 256 positions, not {count}")
    # Round r's source bit i at r * 256 + i.
    bits = np.unpackbits(np.frombuffer(rounds.block_zero_sources(), np.uint8), bitorder="little")
    current = _BYTE_VALUES[:count].astype(np.int16)
    difference = np.array(rounds.pivots, dtype=np.int16)[:, None] - current  # in (-count, count)
    flip = difference + ((difference >> 15) & count)  # (pivot - i) mod count
    swap = bits.take(np.maximum(current, flip) + _ROUND_ROW_STARTS).astype(np.int16)  # 0 or 1
    tables = np.tile(_BYTE_VALUES, (SHUFFLE_ROUND_COUNT, 1))
    tables[:, :count] = current ^ ((flip ^ current) & -swap)  # the flip where swap is 1, else i
    raw = tables.tobytes()
    return [raw[start : start + 256] for start in range(0, len(raw), 256)]


def elected_witnesses(random_seed: int, clients_len: int, witness_nodes: int) -> dict[int, int]:
    """``{client index: witness position}`` of the elected witnesses of a round (empty if none can be elected).

    ``random_seed`` and ``clients_len`` are the round's; tie-breakers are always 0 on this coordinator. A round with
    fewer clients than ``witness_nodes`` has no valid selection at all (the program refuses every witness proof
    with InvalidCommitteeSelection), so nobody is elected.

    >>> elected_witnesses(12345, 1, 0)
    {0: 0}
    >>> len(elected_witnesses(12345, 100, 20)), len(elected_witnesses(12345, 100, 0)), elected_witnesses(1, 3, 4)
    (20, 32, {})
    """
    try:
        selection = CommitteeSelection.new(0, witness_nodes, 0, clients_len, random_seed)
    except CoordinatorFailure:
        return {}
    limit = witness_nodes if witness_nodes else SOLANA_MAX_NUM_WITNESSES
    rounds = swap_or_not_rounds(sha256v(selection.seed, WITNESS_SALT), clients_len)
    positions = bytes(range(min(limit, clients_len)))
    indices = positions
    for table in reversed(round_tables(rounds)):
        indices = indices.translate(table)
    for index, position in zip(indices, positions, strict=True):
        rounds.remember(index, position)
    return dict(zip(indices, positions, strict=True))

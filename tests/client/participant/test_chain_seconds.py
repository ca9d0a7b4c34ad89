"""How long until the chain's clock reaches a deadline, from whole-second clock reads (the client's tick wake-up)."""

from __future__ import annotations

import math

from client.participant.chain_seconds import ChainSecondsEstimate


def test_before_any_read_the_deadline_is_never_said_to_be_near() -> None:
    assert ChainSecondsEstimate().seconds_until(100, now=0.0) == math.inf


def test_reads_narrow_the_wait_to_just_after_the_chain_second_turns() -> None:
    offset = 1000.37  # the chain's time minus ours
    estimate = ChainSecondsEstimate()
    for local in (0.0, 0.21, 0.44, 0.69, 0.9, 1.13, 1.38):  # reads at the phases a poll lands on
        estimate.observe(math.floor(local + offset), before=local - 0.002, after=local)
    now = 1.4
    wait = estimate.seconds_until(1002, now)
    assert 1002 - offset - now <= wait <= 1002 - offset - now + 0.1


def test_a_jump_of_the_chains_clock_restarts_the_bounds() -> None:
    estimate = ChainSecondsEstimate()
    estimate.observe(100, before=10.0, after=10.01)
    estimate.observe(160, before=10.5, after=10.51)  # warped a minute ahead
    assert estimate.seconds_until(161, now=10.51) <= 1.0
    assert estimate.seconds_until(160, now=10.51) == 0.0

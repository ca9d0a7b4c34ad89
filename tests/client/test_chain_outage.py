"""The long-running policy for an unreachable chain: sweeps repeated until the chain answers or the limit passes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from client.chain.backend import ChainUnavailable
from client.chain.outage import OutagePolicy, through_outage


class _Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []
        self.recoveries: list[float] = []

    def waiting(self, what: str, waited_s: float, timeout_s: float, cause: ChainUnavailable) -> None:
        self.waits.append(waited_s)

    def recovered(self, what: str, waited_s: float) -> None:
        self.recoveries.append(waited_s)


class _Chain:
    """Each sweep takes ``sweep_s`` of fake time and fails until ``up_at``."""

    def __init__(self, up_at: float, sweep_s: float = 2.375) -> None:
        self.now = 0.0
        self.up_at = up_at
        self.sweep_s = sweep_s
        self.sweeps = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def call(self) -> str:
        self.sweeps += 1
        self.now += self.sweep_s
        if self.now < self.up_at:
            raise ChainUnavailable("all RPCs exhausted: ConnectError")
        return "answer"


def _through(chain: _Chain, policy: OutagePolicy, report: _Recorder) -> str:
    return asyncio.run(through_outage(chain.call, "reading", policy, report, chain.clock, chain.sleep))


def test_an_outage_shorter_than_the_limit_is_waited_out_and_reported() -> None:
    chain, report = _Chain(up_at=30.0), _Recorder()

    assert _through(chain, OutagePolicy(timeout_s=300, report_every_s=10), report) == "answer"

    assert chain.sweeps == 13  # the reference's 2.4 s sweep, again and again (one sweep used to be all)
    assert report.waits == [2.375, 14.25, 26.125]  # said after the first failed sweep, then every 10 s
    assert report.recoveries == [pytest.approx(30.875)]


def test_an_outage_past_the_limit_raises_and_says_how_long_it_tried() -> None:
    chain, report = _Chain(up_at=10_000.0), _Recorder()

    with pytest.raises(ChainUnavailable, match="unreachable after 21 s of retries; --rpc-outage-timeout is 20 s"):
        _through(chain, OutagePolicy(timeout_s=20, report_every_s=10), report)

    assert report.recoveries == []


def test_a_chain_that_answers_costs_no_report() -> None:
    chain, report = _Chain(up_at=0.0), _Recorder()

    assert _through(chain, OutagePolicy(), report) == "answer"

    assert (chain.sweeps, report.waits, report.recoveries) == (1, [], [])


def test_a_refused_connection_raised_as_it_is_is_an_outage_too_and_other_errors_are_not() -> None:
    attempts: list[int] = []

    async def refused_twice() -> str:
        attempts.append(1)
        if len(attempts) <= 2:
            raise httpx.ConnectError("All connection attempts failed")
        return "answer"

    async def no_sleep(seconds: float) -> None:
        return None

    report = _Recorder()
    assert asyncio.run(through_outage(refused_twice, "reading", OutagePolicy(), report, sleep=no_sleep)) == "answer"
    assert len(attempts) == 3 and len(report.waits) == 1 and len(report.recoveries) == 1

    async def malformed() -> str:
        raise ValueError("not a transport failure")

    with pytest.raises(ValueError):
        asyncio.run(through_outage(malformed, "reading", OutagePolicy(), report, sleep=no_sleep))

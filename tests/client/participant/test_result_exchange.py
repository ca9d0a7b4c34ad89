"""At apply time the agreed result is fetched from any holder and checked; one nobody serves stays missing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from client.p2p import P2PNode, SignedMessage
from client.p2p.limits import DownloadLimits
from client.participant.adversary import over_k
from client.participant.early_messages import EarlyMessages
from client.participant.messages import Holding
from client.participant.result_blob import decode_result, encode_result
from client.participant.result_checks import ResultRules
from client.participant.result_exchange import ResultExchange
from client.participant.round_state import MAX_COMMITMENTS_PER_BATCH, Rejection, RoundState
from tests.client.participant.round_fixtures import (
    CLIENTS,
    KEYS,
    STEP,
    announce,
    new_round,
    own_batch,
    tiny_run_result,
)

pytestmark = pytest.mark.asyncio

TRAINER, HOLDER, ME = 0, 1, 2


HEARD: list[SignedMessage] = []


async def _hear(message: SignedMessage) -> bool:
    HEARD.append(message)
    return True


@pytest_asyncio.fixture
async def nodes() -> AsyncIterator[list[P2PNode]]:
    """Three nodes; ours knows only the holder (the trainer is gone). ``HEARD`` gets what they are sent."""
    HEARD.clear()
    limits = DownloadLimits(timeout=2, grace=0.5, min_bytes_per_sec=100)
    started = [P2PNode(key, lambda _: True, _hear, retry_delays=(), limits=limits) for key in KEYS]
    for node in started:
        await node.start()
    started[ME].peers.offer(started[HOLDER].announcement())
    yield started
    for node in started:
        await node.stop()


def _agreed(payload: bytes) -> tuple[RoundState, dict]:
    """A round in which the witnesses agreed on the trainer's commitment to ``payload``."""
    round_ = new_round()
    assert round_.accept(CLIENTS[TRAINER], announce(round_, KEYS[TRAINER], payload)) is None
    batch = own_batch(round_, CLIENTS[TRAINER])
    return round_, {batch: round_.results[batch][0]}


async def test_the_agreed_result_is_fetched_from_a_holder_when_the_trainer_is_gone(nodes: list[P2PNode]) -> None:
    rules, payload = tiny_run_result(trainer_nonce=3)
    nodes[HOLDER].blobs.put(payload, "distro-result_3")
    exchange = ResultExchange(nodes[ME], CLIENTS[ME], EarlyMessages(), fetch_wait=3.0)
    exchange.rules = rules
    round_, chosen = _agreed(payload)

    await exchange.fetch_chosen(round_, chosen)

    assert next(iter(chosen.values())).payload == payload


async def test_an_agreed_result_nobody_serves_stays_missing(nodes: list[P2PNode]) -> None:
    rules, payload = tiny_run_result(trainer_nonce=4)
    exchange = ResultExchange(nodes[ME], CLIENTS[ME], EarlyMessages(), fetch_wait=1.0)
    exchange.rules = rules
    round_, chosen = _agreed(payload)

    await exchange.fetch_chosen(round_, chosen)

    assert next(iter(chosen.values())).payload is None  # the pipeline skips it: plan.unavailable


async def test_a_fetched_result_that_breaks_the_rules_is_refused(nodes: list[P2PNode]) -> None:
    rules, payload = tiny_run_result(trainer_nonce=5)
    lie = encode_result(over_k(decode_result(payload)), trainer_nonce=5)
    nodes[HOLDER].blobs.put(lie, "distro-result_3")
    exchange = ResultExchange(nodes[ME], CLIENTS[ME], EarlyMessages(), fetch_wait=3.0)
    exchange.rules = rules
    round_, chosen = _agreed(lie)

    await exchange.fetch_chosen(round_, chosen)

    assert next(iter(chosen.values())).payload is None
    [(trainer, _, reason)] = exchange.refused
    assert trainer == CLIENTS[TRAINER] and "5 values per chunk, compression_topk gives 4" in reason


def _exchange(node: P2PNode, rules: ResultRules) -> ResultExchange:
    exchange = ResultExchange(node, CLIENTS[ME], EarlyMessages(), fetch_wait=3.0)
    exchange.rules = rules
    return exchange


async def test_a_witness_vouches_for_the_result_it_blooms_once_the_trainer_equivocates(nodes: list[P2PNode]) -> None:
    rules, payload = tiny_run_result(trainer_nonce=6)
    _, other = tiny_run_result(trainer_nonce=7)
    nodes[HOLDER].blobs.put(payload, "distro-result_3")
    exchange = _exchange(nodes[ME], rules)
    round_ = new_round()
    first, second = announce(round_, KEYS[TRAINER], payload), announce(round_, KEYS[TRAINER], other)

    assert exchange.route(CLIENTS[TRAINER], first, (round_,), step=STEP)
    await exchange.settle(round_.height, wait=3.0)
    assert round_.bloomed[first.data.batch_id].payload == payload  # type: ignore[union-attr]
    assert exchange.route(CLIENTS[TRAINER], second, (round_,), step=STEP)  # evidence: now it vouches
    await asyncio.gather(*exchange._sending)  # the vouch on its way
    await exchange.close()

    vouches = [Holding.parse(m.data) for m in HEARD if m.sender == CLIENTS[ME]]
    assert [(v.trainer, v.announced().commitment) for v in vouches if v] == [(CLIENTS[TRAINER], first.commitment)]


async def test_a_vouched_commitment_is_taken_past_the_per_batch_bound_once_per_voucher(nodes: list[P2PNode]) -> None:
    rules, _ = tiny_run_result(trainer_nonce=8)
    exchange = _exchange(nodes[ME], rules)
    round_ = new_round()
    batch = own_batch(round_, CLIENTS[TRAINER])
    for index in range(MAX_COMMITMENTS_PER_BATCH):  # a flood fills the bound before the witnessed one arrives
        round_.accept(CLIENTS[TRAINER], announce(round_, KEYS[TRAINER], bytes([index])))
    witnessed, later = (announce(round_, KEYS[TRAINER], payload) for payload in (b"witnessed", b"later"))
    assert round_.accept(CLIENTS[TRAINER], witnessed) is Rejection.TooManyCommitments

    forged = Holding(CLIENTS[TRAINER], announce(round_, KEYS[HOLDER], b"forged", batch=batch).encode())
    assert not exchange.take_vouch(CLIENTS[HOLDER], forged, (round_,))  # not the trainer's signature
    assert exchange.take_vouch(CLIENTS[HOLDER], Holding(CLIENTS[TRAINER], witnessed.encode()), (round_,))
    assert not exchange.take_vouch(CLIENTS[HOLDER], Holding(CLIENTS[TRAINER], later.encode()), (round_,))
    known = {r.commitment.data_hash for r in round_.results[batch]}
    assert witnessed.commitment.data_hash in known and later.commitment.data_hash not in known
    await exchange.close()

"""A participant that follows the protocol but lies: the attack harness of the test suite and the benchmarks.

``train --adversary NAME[=ARG]`` (hidden from ``--help``: only tests and benchmarks turn it on) makes the client
misbehave in one named way while staying a well-formed participant (it joins, trains, signs, witnesses). Every
attack is a subclass of :class:`Adversary` and lies through its hooks, the one place attacks are implemented:

* :meth:`Adversary.publish`: what it commits to, serves and announces for its batch (honest: the client's own);
* :meth:`ResultLie.tamper`: for attacks on the result's content, the result it publishes instead of its own (a
  pure function of the result, registered with ``_lie``), which is where later attacks crafted to pass validation
  (sign flips, inner-product manipulation, "a little is enough") belong; one that needs the honest results of a
  round overrides ``tamper`` in a subclass and reads them from ``self.client.pipeline`` (``previous.results``
  holds every downloaded payload of the round before);
* :meth:`Adversary.serve_blob`: how it answers a peer's blob request (honest: the node's route);
* :meth:`Adversary.started` and :meth:`Adversary.each_poll`: extra messages once it serves, and on every loop turn.

:data:`ADVERSARIES` maps each name to its class.
"""

from __future__ import annotations

import asyncio
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

import torch
from aiohttp import web

from client.errors import ClientError
from client.p2p import P2PNode, PeerAnnouncement, SignedMessage
from client.participant.messages import (
    Broadcast,
    Commitment,
    CommitteeClaim,
    Finished,
    TrainingResult,
    finished_commitment_hash,
    result_commitment_hash,
)
from client.participant.result_blob import decode_result, encode_result, read_trainer_nonce
from client.participant.round_state import RoundState
from client.train import DistroResult
from client.train.compression import CompressedTensor, compress, decompress
from coordinator_program.core import BatchId
from coordinator_program.core.types import Committee, Coordinator

if TYPE_CHECKING:
    from client.participant.runner import TrainingClient

__all__ = [
    "ADVERSARIES",
    "Adversary",
    "ResultLie",
    "UnknownAdversary",
    "adversary_named",
    "duplicate_indices",
    "not_one_bit",
    "over_k",
    "scaled_flipped",
]

BlobRoute = Callable[[web.Request], Awaitable[web.StreamResponse]]
OVERSIZED_BLOB_BYTES = 1 << 30  # what the attacker streamed: 1 GiB per download
SLOW_BYTE_INTERVAL = 0.1  # the slow peer sends one byte per this many seconds (10 bytes/s)
EARLY_FLOOD_MESSAGES = 1100  # the flood: more than the old shared buffer of 1024


class UnknownAdversary(ClientError, ValueError):
    """``--adversary`` names no known behaviour."""


class Adversary:
    """An honest participant; each attack overrides the hooks it lies through. ``argument`` is the ``=ARG`` part."""

    name: ClassVar[str] = "honest"

    def __init__(self, client: TrainingClient, argument: str | None) -> None:
        self.client = client
        self.argument = argument
        node = client.node
        honest_route = node._handle_blob  # noqa: SLF001 - the harness replaces the node's blob route, nothing else

        async def route(request: web.Request) -> web.StreamResponse:
            return await self.serve_blob(request, honest_route)

        setattr(node, "_handle_blob", route)  # noqa: B010 - read by P2PNode.start() when it builds its routes

    async def publish(self, current: RoundState, claim: CommitteeClaim, batch: BatchId, payload: bytes) -> None:
        """Commit to, serve and announce the result for ``batch`` (honest: exactly the trained ``payload``)."""
        await self.client.publish(current, claim, batch, payload)

    async def serve_blob(self, request: web.Request, honest: BlobRoute) -> web.StreamResponse:
        """Answer ``GET /blobs/<digest>`` (honest: from the blob store)."""
        return await honest(request)

    async def started(self) -> None:
        """Called once the P2P node serves."""

    async def each_poll(self, coordinator: Coordinator) -> None:
        """Called on every turn of the client's loop."""

    def own_result(self, request: web.Request) -> bool:
        """The request is for one of our own (current) result blobs."""
        digest = request.match_info["digest"]
        pipeline = self.client.pipeline
        rounds = [r for r in (pipeline.current, pipeline.previous) if r is not None] if pipeline else []
        return any(
            received.sender == self.client.me and received.result.blob_hash == digest
            for round_ in rounds
            for results in round_.results.values()
            for received in results
        )


class ResultLie(Adversary, ABC):
    """Publishes :meth:`tamper` of its trained result instead of the result (same nonce, correctly committed)."""

    async def publish(self, current: RoundState, claim: CommitteeClaim, batch: BatchId, payload: bytes) -> None:
        lie = encode_result(self.tamper(decode_result(payload)), read_trainer_nonce(payload))
        await self.client.publish(current, claim, batch, lie)

    @abstractmethod
    def tamper(self, result: DistroResult) -> DistroResult:
        """The result to send instead of ``result`` (values are sign bits or bf16, as the run transmits them)."""


def _each_tensor(result: DistroResult, change: Callable[[CompressedTensor], CompressedTensor]) -> DistroResult:
    return DistroResult(tuple(change(tensor) for tensor in result.tensors))


def scaled_flipped(result: DistroResult) -> DistroResult:
    """Values scaled by -1e30 (flipped and huge), as bf16: what took the honest loss from 4.96 to 9.6."""

    def scale(tensor: CompressedTensor) -> CompressedTensor:
        values = tensor.values(torch.float32) * -1e30
        return dataclasses.replace(tensor, sparse_val=values.to(torch.bfloat16))

    return _each_tensor(result, scale)


def over_k(result: DistroResult) -> DistroResult:
    """One coefficient more per chunk than ``compression_topk`` allows (k+1 distinct, in-range indices)."""

    def widen(tensor: CompressedTensor) -> CompressedTensor:
        dense = decompress([tensor], torch.float32, tensor.sparse_val.device)
        wider = compress(dense, tensor.sparse_val.shape[-1] + 1)
        return wider.quantized() if tensor.is_quantized else wider.with_values_as(torch.bfloat16)

    return _each_tensor(result, widen)


def not_one_bit(result: DistroResult) -> DistroResult:
    """Values as bf16 numbers scaled by 1e4, where the run sends sign bits."""

    def unquantize(tensor: CompressedTensor) -> CompressedTensor:
        values = tensor.values(torch.float32) * 1e4
        return dataclasses.replace(tensor, sparse_val=values.to(torch.bfloat16))

    return _each_tensor(result, unquantize)


def duplicate_indices(result: DistroResult) -> DistroResult:
    """Every coefficient of a chunk points at the chunk's first index (so that one would count k times)."""

    def repeat(tensor: CompressedTensor) -> CompressedTensor:
        width = tensor.sparse_idx.shape[-1] // tensor.sparse_val.shape[-1]
        first = tensor.sparse_idx[..., :width]
        repeats = (*([1] * (first.dim() - 1)), tensor.sparse_val.shape[-1])
        return dataclasses.replace(tensor, sparse_idx=first.repeat(*repeats))

    return _each_tensor(result, repeat)


def _lie(name: str, tamper: Callable[[DistroResult], DistroResult]) -> type[ResultLie]:
    """The adversary that publishes ``tamper`` of each result it trains."""
    return type(
        name.title().replace("-", ""),
        (ResultLie,),
        {"name": name, "tamper": lambda self, result: tamper(result), "__doc__": tamper.__doc__},
    )


class Equivocate(Adversary):
    """Two valid, correctly signed results for its one batch: each honest peer gets a different one first, and both
    go into its own witness bloom."""

    name = "equivocate"

    async def publish(self, current: RoundState, claim: CommitteeClaim, batch: BatchId, payload: bytes) -> None:
        client, step = self.client, current.step
        other = encode_result(_flip_first_value(decode_result(payload)), read_trainer_nonce(payload))
        tag = f"distro-result_{step}"
        broadcasts = []
        for body in (payload, other):
            digest = client.node.blobs.put(body, tag)
            data_hash = result_commitment_hash(step, batch, body)
            commitment = Commitment.sign(client.link.wallet, data_hash)
            result = TrainingResult(batch, digest, client.node.url)
            broadcast = Broadcast(step, claim, commitment, client.rng.getrandbits(32), result)
            client.exchange.remember(client.me, broadcast, warmup=False)
            current.accept(client.me, broadcast)
            broadcasts.append(broadcast)
        current.record_payload(batch, client.me, payload)
        current.record_payload(batch, client.me, other)
        current.broadcast_bloom.add(broadcasts[1].commitment.data_hash)  # both commitments in our bloom
        peers = sorted(client.node.peers.urls(exclude=client.me).items(), key=lambda item: str(item[0]))
        sends = [_send(client.node, url, broadcasts[index % 2].encode()) for index, (_, url) in enumerate(peers)]
        await asyncio.gather(*sends)


def _flip_first_value(result: DistroResult) -> DistroResult:
    """``result`` with the first value of its first tensor negated: a second result that passes every check."""
    first, *rest = result.tensors
    values = first.sparse_val.clone()
    flat = values.view(-1)
    flat[0] = ~flat[0] if values.dtype == torch.bool else -flat[0]
    return DistroResult((dataclasses.replace(first, sparse_val=values), *rest))


async def _send(node: P2PNode, url: str, data: bytes) -> None:
    """Gossip ``data`` to one peer only (what a selective attacker does)."""
    await node._post(url, "/gossip", SignedMessage.sign(node.keypair, data).to_wire())  # noqa: SLF001


class OversizedBlob(Adversary):
    """Serves its result blob as a 1 GiB stream of zeros, without a Content-Length (so only reading can tell)."""

    name = "oversized-blob"

    async def serve_blob(self, request: web.Request, honest: BlobRoute) -> web.StreamResponse:
        if not self.own_result(request):
            return await honest(request)
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        piece = bytes(1 << 20)
        for _ in range(OVERSIZED_BLOB_BYTES // len(piece)):
            await response.write(piece)
        await response.write_eof()
        return response


class SlowBlob(Adversary):
    """Serves its result blob one byte per :data:`SLOW_BYTE_INTERVAL` seconds (the issue's 1-byte/s peer)."""

    name = "slow-blob"

    async def serve_blob(self, request: web.Request, honest: BlobRoute) -> web.StreamResponse:
        if not self.own_result(request):
            return await honest(request)
        digest = request.match_info["digest"]
        body = self.client.node.blobs.get(digest) or b""
        response = web.StreamResponse(headers={"Content-Length": str(len(body))})
        await response.prepare(request)
        for index in range(len(body)):
            await response.write(body[index : index + 1])
            await asyncio.sleep(SLOW_BYTE_INTERVAL)
        await response.write_eof()
        return response


class EarlyFlood(Adversary):
    """Once training starts, gossips 1,100 signed Finished announcements: half for the next step, half far ahead."""

    name = "early-flood"

    def __init__(self, client: TrainingClient, argument: str | None) -> None:
        super().__init__(client, argument)
        self.sent = False

    async def each_poll(self, coordinator: Coordinator) -> None:
        client = self.client
        if self.sent or client.pipeline is None or client.pipeline.current is None:
            return
        self.sent = True
        step = client.pipeline.current.step
        claim = CommitteeClaim(Committee.Trainer, 0, 0)
        messages = []
        for index in range(EARLY_FLOOD_MESSAGES):
            merkle = index.to_bytes(32, "big")
            target = step + 1 if index % 2 else step + 1000 + index
            commitment = Commitment.sign(client.link.wallet, finished_commitment_hash(merkle))
            messages.append(Broadcast(target, claim, commitment, index, Finished(merkle, False)).encode())
        for start in range(0, len(messages), 100):
            await asyncio.gather(*(client.node.gossip(message) for message in messages[start : start + 100]))


class BadEndpoint(Adversary):
    """Announces an endpoint with a path (``ARG``, e.g. a server that counts who calls it) and answers every blob
    request with a redirect there."""

    name = "bad-endpoint"

    async def serve_blob(self, request: web.Request, honest: BlobRoute) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect(f"{self.target}/blobs/{request.match_info['digest']}")

    @property
    def target(self) -> str:
        return (self.argument or "http://127.0.0.1:9").rstrip("/")

    async def each_poll(self, coordinator: Coordinator) -> None:
        node = self.client.node
        bad = PeerAnnouncement(node.keypair.pubkey(), f"{self.target}/sink", 1 << 62).signed(node.keypair)
        for url in node.peers.urls(exclude=self.client.me).values():
            await node._post(url, "/announce", bad.to_wire())  # noqa: SLF001


ADVERSARIES: dict[str, type[Adversary]] = {
    kind.name: kind
    for kind in (
        Adversary,
        _lie("scaled-flipped", scaled_flipped),
        _lie("over-k", over_k),
        _lie("not-1bit", not_one_bit),
        _lie("duplicate-indices", duplicate_indices),
        Equivocate,
        OversizedBlob,
        SlowBlob,
        EarlyFlood,
        BadEndpoint,
    )
}


def adversary_named(spec: str | None, client: TrainingClient) -> Adversary | None:
    """The adversary ``NAME[=ARG]`` installed on ``client``, None without one."""
    if spec is None:
        return None
    name, _, argument = spec.partition("=")
    if name not in ADVERSARIES:
        raise UnknownAdversary(f"unknown adversary {name!r}; known: {', '.join(sorted(ADVERSARIES))}")
    return ADVERSARIES[name](client, argument or None)

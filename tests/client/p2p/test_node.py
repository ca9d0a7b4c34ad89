"""Three P2P nodes on loopback: discovery through bootstrap peers, flooded gossip, refusals, blob downloads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
import pytest_asyncio
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p import BlobUnavailable, InvalidSignature, P2PNode, PeerAnnouncement, SignedMessage, blob_hash
from client.p2p.limits import DownloadLimits

pytestmark = pytest.mark.asyncio


@dataclass
class Swarm:
    keys: list[Keypair]
    nodes: list[P2PNode]
    participants: set[Pubkey]
    heard: list[list[SignedMessage]] = field(default_factory=list)


@pytest_asyncio.fixture
async def swarm() -> AsyncIterator[Swarm]:
    """Three participants; node i bootstraps from node i-1 only."""
    keys = [Keypair() for _ in range(3)]
    participants = {key.pubkey() for key in keys}
    heard: list[list[SignedMessage]] = [[] for _ in keys]
    nodes = []
    for index, key in enumerate(keys):

        async def record(message: SignedMessage, inbox: list[SignedMessage] = heard[index]) -> bool:
            inbox.append(message)
            return not message.data.startswith(b"junk")

        limits = DownloadLimits(timeout=2, grace=0.3, min_bytes_per_sec=1000)
        nodes.append(P2PNode(key, participants.__contains__, record, retry_delays=(0.01,), limits=limits))
    for index, node in enumerate(nodes):
        await node.start()
        await node.bootstrap([nodes[index - 1].url] if index else [])
    yield Swarm(keys, nodes, participants, heard)
    for node in nodes:
        await node.stop()


async def test_bootstrap_chain_lets_every_node_find_every_other(swarm: Swarm) -> None:
    for node in swarm.nodes:
        assert set(node.peers.urls(exclude=node.keypair.pubkey())) == swarm.participants - {node.keypair.pubkey()}


async def test_gossip_reaches_every_other_node_once(swarm: Swarm) -> None:
    await swarm.nodes[0].gossip(b"step 1 result")
    assert swarm.heard[0] == []
    for inbox in swarm.heard[1:]:
        assert [(m.sender, m.data) for m in inbox] == [(swarm.keys[0].pubkey(), b"step 1 result")]


async def post(url: str, body: bytes) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body) as response:
        return response.status


async def test_gossip_from_a_non_participant_is_refused(swarm: Swarm) -> None:
    outsider = SignedMessage.sign(Keypair(), b"let me in")
    assert await post(swarm.nodes[1].url + "/gossip", outsider.to_wire()) == 403
    assert swarm.heard[1] == []


async def test_a_tampered_message_is_refused(swarm: Swarm) -> None:
    wire = json.loads(SignedMessage.sign(swarm.keys[0], b"honest").to_wire())
    wire["data"] = "ZGlzaG9uZXN0"  # base64 of "dishonest"
    assert await post(swarm.nodes[1].url + "/gossip", json.dumps(wire).encode()) == 400
    assert await post(swarm.nodes[1].url + "/gossip", b"not json") == 400
    assert swarm.heard[1] == []


async def test_a_newer_announcement_replaces_the_older(swarm: Swarm) -> None:
    """Sequences start from the wall clock, so a restarted client's address outranks its previous one."""
    key = swarm.keys[0]
    directory = swarm.nodes[1].peers
    restarted = swarm.nodes[0].announcement()  # what the same key announces later
    assert not directory.offer(PeerAnnouncement(key.pubkey(), "http://127.0.0.1:1", 1).signed(key))
    later = PeerAnnouncement.from_message(restarted).sequence + 1_000
    assert directory.offer(PeerAnnouncement(key.pubkey(), "http://127.0.0.1:2", later).signed(key))
    assert directory.urls()[key.pubkey()] == "http://127.0.0.1:2"
    stranger = Keypair()
    assert not directory.offer(PeerAnnouncement(stranger.pubkey(), "http://127.0.0.1:3", 1).signed(stranger))


async def test_a_blob_is_fetched_from_its_announcer_and_verified(swarm: Swarm) -> None:
    digest = swarm.nodes[0].blobs.put(b"weights", "distro-result_1")
    data = await swarm.nodes[2].fetch_blob(digest, [swarm.keys[0].pubkey()], "downloaded_1", 1024)
    assert data == b"weights" and digest in swarm.nodes[2].blobs


async def test_a_corrupt_copy_is_skipped_for_an_intact_one(swarm: Swarm) -> None:
    digest = blob_hash(b"weights")
    swarm.nodes[0].blobs._blobs[digest] = b"poisoned"  # the announcer serves bytes that do not match
    swarm.nodes[1].blobs.put(b"weights", "downloaded_1")
    assert await swarm.nodes[2].fetch_blob(digest, [swarm.keys[0].pubkey()], "downloaded_1", 1024) == b"weights"


async def test_a_blob_nobody_holds_is_unavailable_after_the_retries(swarm: Swarm) -> None:
    with pytest.raises(BlobUnavailable):
        await swarm.nodes[2].fetch_blob(blob_hash(b"nowhere"), [swarm.keys[0].pubkey()], "x", 1024)


async def test_gossip_the_receiver_does_not_take_is_not_relayed(swarm: Swarm) -> None:
    """Node 2 hears node 0 only through node 1, which refuses junk: each message is relayed only if taken."""
    swarm.nodes[0].peers._known.pop(swarm.keys[2].pubkey())  # node 0 reaches node 2 only through node 1
    await swarm.nodes[0].gossip(b"junk for step 99")
    await swarm.nodes[0].gossip(b"step 2 result")
    assert [m.data for m in swarm.heard[1]] == [b"junk for step 99", b"step 2 result"]
    assert [m.data for m in swarm.heard[2]] == [b"step 2 result"]


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1:80", "http://127.0.0.1", "http://127.0.0.1:80/sink", "http://u:p@127.0.0.1:80", "http://a_b:80"],
)
async def test_an_announced_endpoint_that_is_not_scheme_host_port_is_refused(swarm: Swarm, url: str) -> None:
    key = swarm.keys[0]
    with pytest.raises(InvalidSignature, match="endpoint"):
        swarm.nodes[1].peers.offer(PeerAnnouncement(key.pubkey(), url, 1 << 62).signed(key))
    assert swarm.nodes[1].peers.urls()[key.pubkey()] == swarm.nodes[0].url

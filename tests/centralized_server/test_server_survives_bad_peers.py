"""The server under hostile or broken peers: each is told why and disconnected, and the others are served on.

Every fault is a real TCP connection to a real server: oversize frames, unknown versions and kinds, a forged
signature, a wrong run id, silence after connecting, a connection cut in the middle of a frame, and a client
that disconnects while training is under way (it is withdrawn; the run goes on).
"""

from __future__ import annotations

import asyncio
import struct

import pytest
from solders.keypair import Keypair

from centralized_server import CentralizedServer, ServerSettings
from centralized_server.state_file import parse_state
from centralized_server.wire import (
    MAX_CLIENT_FRAME,
    MAX_SERVER_FRAME,
    PROTOCOL_VERSION,
    Challenge,
    ClientCapabilities,
    CoordinatorUpdate,
    ErrorMessage,
    Hello,
    Join,
    Message,
    decode_message,
    encode_message,
    hello_message,
    read_frame,
    write_frame,
)
from client.participant.server_link import ServerLink, ServerLost
from coordinator_program.core.types import ClientState, RunState
from tests.centralized_server.server_harness import RUN_ID, START_UNIX
from tests.client.participant.train_harness import run_toml

pytestmark = pytest.mark.integration


class Peer:
    """A raw connection that speaks (or breaks) the protocol by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Peer:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def receive(self) -> Message:
        return decode_message(await asyncio.wait_for(read_frame(self.reader, MAX_SERVER_FRAME), 5))

    async def hello(self, wallet: Keypair, run_id: str = RUN_ID, sign_for: bytes | None = None) -> Message:
        challenge = await self.receive()
        assert isinstance(challenge, Challenge)
        signed = hello_message(sign_for if sign_for is not None else challenge.nonce, run_id)
        write_frame(
            self.writer, encode_message(Hello(bytes(wallet.pubkey()), bytes(wallet.sign_message(signed)), run_id))
        )
        return await self.receive()

    async def refused(self) -> str:
        """The server's Error, then the end of the connection."""
        error = await self.receive()
        assert isinstance(error, ErrorMessage)
        assert await asyncio.wait_for(self.reader.read(), 5) == b""
        return error.reason


def _server() -> CentralizedServer:
    coordinator = parse_state(run_toml(epoch_time=600, total_steps=8), "test run", RUN_ID, START_UNIX)
    return CentralizedServer(coordinator, ServerSettings(tick_interval_s=0.05), now=lambda: START_UNIX)


async def _faults() -> tuple[list[str], CentralizedServer]:
    server = _server()
    port = await server.start("127.0.0.1", 0)
    reasons = []
    try:
        oversize = await Peer.open(port)
        await oversize.receive()
        oversize.writer.write(struct.pack(">I", MAX_CLIENT_FRAME + 1))
        reasons.append(await oversize.refused())

        version = await Peer.open(port)
        await version.receive()
        write_frame(version.writer, bytes([9, 16]) + bytes(96))
        reasons.append(await version.refused())

        kind = await Peer.open(port)
        await kind.receive()
        write_frame(kind.writer, bytes([PROTOCOL_VERSION, 77]))
        reasons.append(await kind.refused())

        forged = await Peer.open(port)
        assert isinstance(await forged.hello(Keypair(), sign_for=bytes(32)), ErrorMessage)
        reasons.append("forged")

        other_run = await Peer.open(port)
        refusal = await other_run.hello(Keypair(), run_id="another-run")
        assert isinstance(refusal, ErrorMessage)
        reasons.append(refusal.reason)

        # Cut mid-frame: a length prefix promising 500 bytes, 3 of them, then gone.
        vanished = await Peer.open(port)
        await vanished.receive()
        vanished.writer.write(struct.pack(">I", 500) + b"abc")
        await vanished.writer.drain()
        vanished.writer.close()

        # Authenticated, then garbage: refused and disconnected, its pending place gone.
        wallet = Keypair()
        rude = await Peer.open(port)
        assert isinstance(await rude.hello(wallet), CoordinatorUpdate)
        write_frame(rude.writer, encode_message(Join(ClientCapabilities("cpu", 0))))
        write_frame(rude.writer, bytes([PROTOCOL_VERSION, 17, 0]))  # a Join cut short
        while not isinstance(message := await rude.receive(), ErrorMessage):
            pass
        reasons.append(message.reason)

        # Through all of it, a well-behaved client connects, joins and is pending.
        good = ServerLink(f"127.0.0.1:{port}", RUN_ID, Keypair())
        await good.connect()
        await good.join()
        for _ in range(100):
            if [bytes(i.signer) for i in server.pending()] == [bytes(good.me)]:
                break
            await asyncio.sleep(0.02)
        await good.close()
        return reasons, server
    finally:
        await server.stop()


def test_bad_frames_oversize_frames_and_forged_signatures_are_refused_and_others_served() -> None:
    reasons, server = asyncio.run(_faults())

    assert "over the 65536-byte limit" in reasons[0]
    assert "protocol version 9" in reasons[1]
    assert "unknown message kind 77" in reasons[2]
    assert "another-run" in reasons[4]
    assert "a Join message that does not decode" in reasons[5]
    assert RunState(server.coordinator.run_state) is RunState.WaitingForMembers
    assert server.pending() == []  # the good client left too: nobody is pending for a run they are not in


def test_a_client_that_never_says_hello_is_cut_off_and_a_wrong_link_gets_a_clear_error() -> None:
    async def scenario() -> str:
        server = _server()
        server.settings = ServerSettings(tick_interval_s=0.05, hello_timeout_s=0.3)
        port = await server.start("127.0.0.1", 0)
        try:
            silent = await Peer.open(port)
            await silent.receive()
            assert await asyncio.wait_for(silent.reader.read(), 5) == b""  # closed after the hello timeout
            with pytest.raises(ServerLost) as lost:
                await ServerLink(f"127.0.0.1:{port}", "not-this-run", Keypair()).connect()
            return str(lost.value)
        finally:
            await server.stop()

    assert "not-this-run" in asyncio.run(scenario())


def test_a_client_that_disconnects_mid_round_is_withdrawn_and_the_run_goes_on() -> None:
    async def scenario() -> tuple[list[int], RunState]:
        clock = [START_UNIX]
        coordinator = parse_state(
            run_toml(epoch_time=600, total_steps=50, init_min_clients=3, min_clients=2), "test", RUN_ID, clock[0]
        )
        server = CentralizedServer(coordinator, ServerSettings(tick_interval_s=0.02), now=lambda: clock[0])
        port = await server.start("127.0.0.1", 0)
        links = [ServerLink(f"127.0.0.1:{port}", RUN_ID, Keypair()) for _ in range(3)]
        try:
            for link in links:
                await link.connect()
                await link.join()
            while RunState(server.coordinator.run_state) is not RunState.Warmup:
                clock[0] += 1
                await asyncio.sleep(0.05)
            clock[0] += 100  # past the warmup deadline: the first round starts
            while RunState(server.coordinator.run_state) is not RunState.RoundTrain:
                await asyncio.sleep(0.02)
            await links[2].close()  # gone mid-round
            for _ in range(100):
                if len(server.pending()) == 2:
                    break
                await asyncio.sleep(0.02)
            states = [int(client.state) for client in server.coordinator.epoch_state.clients]
            # The two others still hear from the server.
            before = (await links[0].read()).nonce
            clock[0] += 100
            for _ in range(100):
                if (await links[0].read()).nonce > before:
                    break
                await asyncio.sleep(0.02)
            assert (await links[0].read()).nonce > before
            return states, RunState(server.coordinator.run_state)
        finally:
            for link in links[:2]:
                await link.close()
            await server.stop()

    states, state = asyncio.run(scenario())

    assert states == [ClientState.Healthy, ClientState.Healthy, ClientState.Withdrawn]
    assert state is RunState.RoundWitness

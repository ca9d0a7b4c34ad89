"""``--data-config``: the server hosts the token files of a run whose data location is ``Server``, for its clients.

Clients train on exactly the samples the server reads (their trained batches' token hashes match), anyone outside
the epoch is refused, and a server that should host data but was given none, or a bad ``data.toml``, says why.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import numpy as np
import pytest
import tomli
import tomli_w
from solders.keypair import Keypair

from centralized_server import CentralizedServer, ServerSettings
from centralized_server.data_server import DataConfig, TokenSamples, load_data_config
from centralized_server.errors import DataConfigError
from centralized_server.state_file import parse_state
from client.data.errors import DataError
from client.participant.runner import ExitReason
from client.train.server_data import ServerDataProvider
from coordinator_program.core import BatchId
from coordinator_program.core.types import NodeIdentity
from coordinator_program.core.types.coordinator import Client
from tests.centralized_server.server_harness import RUN_ID, START_UNIX, ServerRun
from tests.client.participant.train_harness import capturing_events, run_toml
from validator.ports import free_ports

pytestmark = pytest.mark.integration

SEQ_LEN = 64  # run_toml's max_seq_len


def _token_files(directory: Path) -> Path:
    """Two files of random tokens below the Dummy model's vocabulary of 256, and a data.toml naming them."""
    rng = np.random.default_rng(3)
    (directory / "tokens").mkdir()
    for name, samples in (("a.bin", 30), ("b.bin", 25)):
        rng.integers(0, 256, samples * SEQ_LEN + 7, dtype="<u2").tofile(directory / "tokens" / name)
    config = directory / "data.toml"
    seed = list(range(32))
    config.write_text(f'dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = {SEQ_LEN}\nshuffle_seed = {seed}\n')
    return config


def _server_data_run(port: int, **options: int) -> str:
    document = tomli.loads(run_toml(**options))  # type: ignore[arg-type]
    document["model"]["LLM"]["data_location"] = {"Server": f"127.0.0.1:{port}"}
    return tomli_w.dumps(document)


def _tokens_sha256(samples: bytes) -> str:
    """What a client logs for a batch: sha256 of its tokens as little-endian int64."""
    return hashlib.sha256(np.frombuffer(samples, dtype="<u2").astype("<i8").tobytes()).hexdigest()


def test_clients_train_on_the_samples_the_server_hosts(tmp_path: Path) -> None:
    (data_port,) = free_ports(1)
    run = ServerRun(_server_data_run(data_port, epoch_time=600, total_steps=4, init_min_clients=2, deadline=20))
    config = load_data_config(_token_files(tmp_path))
    run.server.settings = ServerSettings(tick_interval_s=run.second_s / 4, data_config=config)

    with capturing_events() as events:
        exits = asyncio.run(run.run_all(lambda: [run.client(0), run.client(1)], timeout=120))

    assert exits == [ExitReason.Finished] * 2
    trained = events.named("trained_batch")
    assert {(e["batch_start"], e["batch_end"]) for e in trained} == {(0, 5), (6, 11), (12, 17), (18, 23), (24, 29),
                                                                    (30, 35)}  # fmt: skip
    samples = TokenSamples(config)  # the server's own reading, to compare with
    for event in trained:
        assert event["tokens_sha256"] == _tokens_sha256(samples.read(event["batch_start"], event["batch_end"]))


def test_only_clients_of_the_epoch_are_served_and_only_what_exists(tmp_path: Path) -> None:
    (data_port,) = free_ports(1)
    toml = _server_data_run(data_port, epoch_time=600, total_steps=4, init_min_clients=2)
    coordinator = parse_state(toml, "test", RUN_ID, START_UNIX)
    member = Keypair()
    coordinator.epoch_state.clients.push(
        Client(id=NodeIdentity.from_keys(bytes(member.pubkey()), bytes(member.pubkey())))
    )
    server = CentralizedServer(coordinator, ServerSettings(data_config=load_data_config(_token_files(tmp_path))))
    address = f"127.0.0.1:{data_port}"

    async def ask(wallet: Keypair, batch: BatchId) -> str:
        with pytest.raises(DataError) as refused:
            await asyncio.to_thread(ServerDataProvider(address, RUN_ID, wallet, SEQ_LEN).get_samples, batch)
        return str(refused.value)

    async def scenario() -> tuple[list[str], int]:
        await server.start("127.0.0.1", 0)
        try:
            refusals = [
                await ask(Keypair(), BatchId(0, 3)),
                await ask(member, BatchId(50, 60)),
                await ask(member, BatchId(0, 10**6)),
            ]
            served = await asyncio.to_thread(
                ServerDataProvider(address, RUN_ID, member, SEQ_LEN).get_samples, BatchId(0, 54)
            )
            return refusals, len(served)
        finally:
            await server.stop()

    refusals, served = asyncio.run(scenario())
    assert "only clients of the current epoch are served data" in refusals[0]
    assert "sample 60 is out of range: there are 55" in refusals[1]  # 30 + 25 samples
    assert "1000001 samples in one request" in refusals[2]
    assert served == 55


def test_a_run_on_server_data_needs_a_data_config_and_a_good_one(tmp_path: Path) -> None:
    (data_port,) = free_ports(1)
    coordinator = parse_state(_server_data_run(data_port, epoch_time=600, total_steps=4), "test", RUN_ID, START_UNIX)
    with pytest.raises(DataConfigError, match="needs --data-config"):
        asyncio.run(CentralizedServer(coordinator).start("127.0.0.1", 0))

    good = _token_files(tmp_path)
    assert load_data_config(good) == DataConfig(
        tmp_path / "tokens", load_data_config(good).token_size, 64, bytes(range(32))
    )
    for text, message in [
        ('dir = "tokens"\ntoken_size = "ThreeBytes"\nseq_len = 64\n', "token_size must be TwoBytes or FourBytes"),
        ('dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = 0\n', "seq_len must be an int > 0"),
        ('dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = 8\nshuffle_seed = [1, 2]\n', "shuffle_seed must be 32"),
        ('dir = "tokens"\ntoken_size = "TwoBytes"\nseq_len = 8\ncolor = 1\n', "unknown keys ['color']"),
        ("dir = [", "cannot be read as TOML"),
    ]:
        good.write_text(text)
        with pytest.raises(DataConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            load_data_config(good)
    good.write_text('dir = "missing"\ntoken_size = "TwoBytes"\nseq_len = 8\n')
    with pytest.raises(DataConfigError, match="does not exist"):
        asyncio.run(CentralizedServer(coordinator, ServerSettings(data_config=load_data_config(good))).start())

"""A run's aggregation rule comes from config.json and is announced; a peer announcing another one stops us."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from solders.keypair import Keypair

from client.p2p.announcements import PeerAnnouncement, PeerDirectory
from client.p2p.signed import InvalidSignature, SignedMessage
from client.participant.aggregator_agreement import AggregatorMismatch, check_aggregators
from client.participant.model_setup import DUMMY_MODEL_CONFIG, load_training_setup
from client.participant.pipeline import DesyncError
from client.train.aggregation import InvalidAggregator, aggregator_from_spec
from formats.run_config import parse_run_config
from tests.client.participant.train_harness import run_toml


def test_the_announcement_carries_the_aggregator_hash_under_the_signature() -> None:
    keypair = Keypair()
    message = PeerAnnouncement(keypair.pubkey(), "http://127.0.0.1:9000", 3, "ab" * 8).signed(keypair)
    assert PeerAnnouncement.from_message(message).aggregator == "ab" * 8
    directory = PeerDirectory(lambda _: True)
    directory.offer(message)
    assert directory.aggregators() == {keypair.pubkey(): "ab" * 8}


def test_an_oversized_aggregator_hash_is_refused() -> None:
    keypair = Keypair()
    body = json.dumps(
        {"kind": "peer-announcement", "url": "http://127.0.0.1:1", "sequence": 1, "aggregator": "x" * 65}
    )
    with pytest.raises(InvalidSignature, match="bad aggregator hash"):
        PeerAnnouncement.from_message(SignedMessage.sign(keypair, body.encode()))


def test_a_peer_with_another_rule_is_a_desync_naming_the_aggregator() -> None:
    me, peer, loading = Keypair().pubkey(), Keypair().pubkey(), Keypair().pubkey()
    mine = aggregator_from_spec("median").spec_hash
    check_aggregators(me, "median", mine, {me: mine, peer: mine, loading: ""})  # "" = not loaded yet: no opinion
    other = aggregator_from_spec("trimmed-mean:1").spec_hash
    with pytest.raises(AggregatorMismatch, match="aggregator differs") as raised:
        check_aggregators(me, "median", mine, {me: mine, peer: other})
    assert isinstance(raised.value, DesyncError) and str(peer) in str(raised.value)


def _hub_model(tmp_path: Path, **extra: object):  # type: ignore[no-untyped-def]
    (tmp_path / "config.json").write_text(json.dumps(DUMMY_MODEL_CONFIG | extra))
    toml = run_toml(epoch_time=60, total_steps=4, checkpoint={"Hub": {"repo_id": str(tmp_path)}})
    return parse_run_config(toml, "test").model


def test_the_config_json_key_chooses_the_rule_and_mean_is_the_default(tmp_path: Path) -> None:
    setup = load_training_setup(_hub_model(tmp_path, aggregator="multi-krum:1,3"), "run", torch.device("cpu"), None)
    assert setup.trainer.distro is not None and setup.trainer.distro.aggregator.spec == "multi-krum:1,3"
    # It travels with the config.json every checkpoint of the run carries.
    assert json.loads(setup.checkpoint_files["config.json"])["aggregator"] == "multi-krum:1,3"
    setup = load_training_setup(_hub_model(tmp_path), "run", torch.device("cpu"), None)
    assert setup.trainer.distro is not None and setup.trainer.distro.aggregator.spec == "mean"


def test_an_unusable_aggregator_in_config_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidAggregator, match="trimmed-mean"):
        load_training_setup(_hub_model(tmp_path, aggregator="trimmed-mean:-2"), "run", torch.device("cpu"), None)

"""Model sharing: the offer most epoch clients make wins, and a shared blob reproduces the weights exactly."""

from __future__ import annotations

import random

import pytest
import torch
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p import P2PNode, SignedMessage
from client.participant.checkpoint_keeper import CheckpointKeeper
from client.participant.checkpoints import read_parameters_blob, write_checkpoint
from client.participant.model_acquisition import ModelAcquisition, SetupOptions
from client.participant.model_setup import DUMMY_MODEL_CONFIG
from client.participant.model_sharing import ModelOffer, choose_offer, load_parameters, parameters_blob
from client.participant.pipeline import parameter_hash
from client.train import build_model


def test_offers_round_trip_and_other_messages_are_not_offers() -> None:
    offer = ModelOffer(3, "ab" * 32, step=41)
    parsed = ModelOffer.parse(offer.encode(random.Random(1)))
    assert parsed is not None and (parsed.epoch, parsed.blob_hash, parsed.step) == (3, "ab" * 32, 41)
    assert ModelOffer.parse(b'{"step": 1}') is None
    assert ModelOffer.parse(b"not json") is None


def test_the_majority_offer_of_epoch_clients_wins_and_outsiders_do_not_count() -> None:
    a, b, outsider = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    offers = {a: ModelOffer(1, "1" * 64), b: ModelOffer(1, "1" * 64), outsider: ModelOffer(1, "2" * 64)}
    assert choose_offer(offers, {a, b}, latest_step=0) == ("1" * 64, [a, b])
    assert choose_offer({outsider: ModelOffer(1, "2" * 64)}, {a, b}, latest_step=0) is None


def test_one_client_claiming_weights_of_a_step_not_yet_trained_does_not_outbid_the_others() -> None:
    honest, liar = Pubkey.new_unique(), Pubkey.new_unique()
    offers = {honest: ModelOffer(2, "1" * 64, step=20), liar: ModelOffer(2, "2" * 64, step=10**9)}
    assert choose_offer(offers, {honest, liar}, latest_step=20) == ("1" * 64, [honest])


async def _never(_: SignedMessage) -> bool:
    return False


def test_a_participant_flooding_offers_has_them_passed_on_at_most_twice_per_offer_interval() -> None:
    key = Keypair()
    node = P2PNode(key, lambda _: True, _never)
    models = ModelAcquisition(
        node, key.pubkey(), "run", SetupOptions("cpu", None, None), CheckpointKeeper("run", lambda: "account", None),
        lambda *_: None, random.Random(0), offer_wait=1.0, offer_interval=600.0,
    )  # fmt: skip
    flooder, honest = Pubkey.new_unique(), Pubkey.new_unique()
    relayed = [models.take_offer(flooder, ModelOffer(1, f"{i:064x}", nonce=i)) for i in range(100)]
    assert relayed == [True] + [False] * 99  # each one is new to gossip dedup (its nonce), yet only one goes on
    assert models._offers[flooder] == ModelOffer(1, f"{99:064x}", nonce=99)  # the latest still counts here
    assert models.take_offer(honest, ModelOffer(1, "a" * 64))  # another participant's offer is not held back
    assert not models.take_offer(flooder, ModelOffer(0, "b" * 64))  # an earlier epoch's is neither kept nor relayed
    assert models._offers[flooder].epoch == 1


def test_a_shared_model_is_bit_identical_to_the_source() -> None:
    source = build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16)
    joiner = build_model(DUMMY_MODEL_CONFIG, 2, max_seq_len=16)
    assert parameter_hash(source) != parameter_hash(joiner)
    load_parameters(joiner, parameters_blob(source))
    assert parameter_hash(source) == parameter_hash(joiner)


def test_a_blob_of_another_architecture_is_refused() -> None:
    other = build_model(DUMMY_MODEL_CONFIG | {"num_hidden_layers": 1}, 1, max_seq_len=16)
    with pytest.raises(ValueError, match="parameters"):
        load_parameters(build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16), parameters_blob(other))


def test_the_checkpoint_is_the_shared_float32_safetensors_of_every_parameter(tmp_path: object) -> None:
    model = build_model(DUMMY_MODEL_CONFIG, 1, max_seq_len=16)
    path = write_checkpoint(parameters_blob(model), tmp_path, "run", 7)  # type: ignore[arg-type]
    assert path.parent.name == "run-step7"
    tensors = read_parameters_blob(path.read_bytes())
    for name, param in model.named_parameters():
        assert torch.equal(tensors[name], param.detach())  # full precision: a resumed run loses nothing

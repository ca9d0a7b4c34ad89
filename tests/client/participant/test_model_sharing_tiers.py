"""Model sharing across MatFormer tiers: a full checkpoint serves every tier, a joiner gets its slice over P2P from
a client that holds it, and a narrower client never serves a wider tier."""

from __future__ import annotations

import random

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.p2p import P2PNode, SignedMessage
from client.p2p.limits import DownloadLimits
from client.participant.checkpoint_keeper import CheckpointKeeper
from client.participant.checkpoints import read_parameters_blob
from client.participant.model_acquisition import MODEL_SHARE_TAG, ModelAcquisition, SetupOptions
from client.participant.model_setup import DUMMY_MODEL_CONFIG, TrainingSetup
from client.participant.model_sharing import (
    ModelOffer,
    choose_offer,
    load_parameters,
    max_parameters_blob_bytes,
    parameters_blob,
)
from client.participant.pipeline import parameter_hash
from client.train import DistroConfig, SyntheticDataProvider, Trainer, build_model
from client.train.matformer import ffn_width, narrow_ffn
from client.train.model import LlamaForCausalLM
from client.train.schedule import ConstantLR

FULL = int(DUMMY_MODEL_CONFIG["intermediate_size"])  # 352: tiers 0..5 (352, 176, 88, 44, 22, 11)


def _model(tier: int, seed: int = 1) -> LlamaForCausalLM:
    return build_model(DUMMY_MODEL_CONFIG, seed, max_seq_len=16, matformer_tier=tier)


def _slice_hash(model: LlamaForCausalLM, tier: int) -> str:
    narrowed = _model(tier, seed=99)
    load_parameters(narrowed, parameters_blob(model))
    return parameter_hash(narrowed)


def test_a_full_checkpoint_loads_into_every_tier_as_its_slice() -> None:
    full = _model(0)
    blob = parameters_blob(full, run_id="run", step="4")
    for tier in (1, 2, 5):
        model = _model(tier, seed=7)
        load_parameters(model, blob)
        for name, param in model.named_parameters():
            assert param.equal(narrow_ffn(name, dict(full.named_parameters())[name], ffn_width(name, param.shape)))
    narrower = _model(1)
    before = parameter_hash(narrower)
    with pytest.raises(ValueError, match=r"_proj.weight has shape \(.*88.*\), expected"):  # never for wider weights
        load_parameters(narrower, parameters_blob(_model(2)))
    assert parameter_hash(narrower) == before  # refused before any tensor was copied


def test_tier_offers_round_trip_and_hostile_tier_fields_make_no_offer() -> None:
    offer = ModelOffer(3, "ab" * 32, step=41, matformer_tier=1, slices=((2, "cd" * 32), (3, "ef" * 32)))
    parsed = ModelOffer.parse(offer.encode(random.Random(1)))
    assert parsed is not None and (parsed.matformer_tier, parsed.slices) == (1, offer.slices)
    assert [parsed.hash_for(t) for t in range(5)] == [None, "ab" * 32, "cd" * 32, "ef" * 32, None]
    base = b'{"kind": "model_offer", "epoch": 1, "nonce": 0, "blob_hash": "' + b"a" * 64 + b'", '
    for hostile in (
        b'"matformer_tier": 256}',
        b'"matformer_tier": 2, "slices": [[1, "' + b"b" * 64 + b'"]]}',  # a wider tier than its own
        b'"slices": [[1, "b"]]}',
        b'"slices": [[1, "' + b"b" * 64 + b'"], [2, "' + b"b" * 64 + b'"], [3, "' + b"b" * 64 + b'"], [4, "x"]]}',
        b'"slices": {"1": 2}}',
    ):
        assert ModelOffer.parse(base + hostile) is None, hostile


async def _accept(_: SignedMessage) -> bool:
    return True


def _holder(node: P2PNode, tier: int, weights: bytes) -> ModelAcquisition:
    """A client of ``tier`` holding (its slice of) ``weights``, as after a Cooldown."""
    model = _model(tier, seed=5)
    load_parameters(model, weights)
    schedule = ConstantLR(1e-3, 1e-3, 0)
    trainer = Trainer(model, DistroConfig(0.9, 8, 64, True), schedule)
    data = SyntheticDataProvider(256, 16)
    models = ModelAcquisition(
        node,
        node.keypair.pubkey(),
        "run",
        SetupOptions("cpu", None, None, matformer_tier=tier),
        CheckpointKeeper("run", lambda: "account", None),
        lambda *_: None,
        random.Random(0),
        offer_wait=1.0,
        offer_interval=1.0,
    )
    models.setup = TrainingSetup(trainer, data, 16, True, "test", {})
    return models


@pytest.mark.asyncio
async def test_a_joiner_gets_its_slice_over_p2p_only_from_clients_that_hold_it() -> None:
    keys = [Keypair() for _ in range(3)]  # a tier-0 client, a tier-2 client, the joiner
    participants = {key.pubkey() for key in keys}
    limits = DownloadLimits(timeout=5, grace=0.5, min_bytes_per_sec=1000)
    nodes = [P2PNode(key, participants.__contains__, _accept, retry_delays=(), limits=limits) for key in keys]
    try:
        for index, node in enumerate(nodes):
            await node.start()
            await node.bootstrap([nodes[index - 1].url] if index else [])
        full = _model(0)
        weights = parameters_blob(full, run_id="run", step="7")
        holders = [_holder(nodes[0], 0, weights), _holder(nodes[1], 2, weights)]
        offers: dict[Pubkey, ModelOffer] = {}
        for key, holder, tier in zip(keys, holders, (0, 2), strict=False):
            served = holder.setup.trainer.model  # type: ignore[union-attr]
            holder.share(parameters_blob(served, run_id="run", step="7"), epoch=2, step=7)
            parsed = ModelOffer.parse(holder._my_offer.encode(random.Random(0)))  # type: ignore[union-attr]
            assert parsed is not None and parsed.matformer_tier == tier
            offers[key.pubkey()] = parsed
        tier0, tier2 = (offers[key.pubkey()] for key in keys[:2])
        assert [t for t in range(6) if tier0.hash_for(t)] == [0, 1, 2, 3]  # its own and 3 narrower slices
        assert [t for t in range(6) if tier2.hash_for(t)] == [2, 3, 4, 5]  # never the full model, nor tier 1
        for tier in (0, 1):  # what it serves is what it offers: the full model and tier 1 are not among them
            assert tier0.hash_for(tier) not in nodes[1].blobs
        for tier in (2, 3, 4, 5):
            served = read_parameters_blob(nodes[1].blobs.get(tier2.hash_for(tier) or "") or b"")
            assert served["model.layers.0.mlp.up_proj.weight"].shape[0] == FULL >> tier

        clients = {keys[0].pubkey(), keys[1].pubkey()}
        chosen = choose_offer(offers, clients, latest_step=7, matformer_tier=2)
        assert chosen is not None and set(chosen[1]) == clients  # both cut the same bytes: one hash
        joiner = _model(2, seed=123)
        limit = max_parameters_blob_bytes(joiner)  # a joiner downloads no more than its own slice's size
        load_parameters(joiner, await nodes[2].fetch_blob(chosen[0], [keys[1].pubkey()], MODEL_SHARE_TAG, limit))
        assert parameter_hash(joiner) == _slice_hash(full, 2)

        chosen = choose_offer(offers, clients, latest_step=7, matformer_tier=1)
        assert chosen is not None and chosen[1] == [keys[0].pubkey()]  # the tier-2 client cannot serve tier 1
        assert chosen[0] not in nodes[1].blobs
        wider = _model(1, seed=123)
        limit = max_parameters_blob_bytes(wider)
        load_parameters(wider, await nodes[2].fetch_blob(chosen[0], chosen[1], MODEL_SHARE_TAG, limit))
        assert parameter_hash(wider) == _slice_hash(full, 1)
    finally:
        for node in nodes:
            await node.stop()

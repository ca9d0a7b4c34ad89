"""The json-dump-run and json-dump-user documents (spec programs-and-cli.md §3.5), checked on the reference fixture
and on a run driven through the real coordinator program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.json_dump import json_dump_run, json_dump_user, node_id, render_json
from client.run_accounts import TreasurerRunView, TreasurerUserView
from coordinator_program.core.types import Client, ClientState, NodeIdentity, RunState
from coordinator_program.state.borsh_args import MODEL
from coordinator_program.state.coordinator_account import CoordinatorAccount, SolanaClient, load
from coordinator_program.state.coordinator_instance import CoordinatorInstance, find_coordinator_instance
from emulator.anchor import decode_account, encode
from formats.run_config import load_run_config
from formats.run_config.serde import from_serde
from tests.coordinator_program.program.chain import CoordinatorChain
from treasurer.state import Participant, Run, find_run

FIXTURE = Path("/work/shared/fixtures/coordinator-account-v1.bin")
REPO = Path(__file__).resolve().parents[2]

ACCOUNT_ADDRESS = Pubkey.from_bytes(bytes([1]) * 32)
OWNER = Pubkey.from_bytes(bytes([2]) * 32)
MINT = Pubkey.from_bytes(bytes([3]) * 32)
TEST_INSTANCE = "9L4yCH7TsMn9JfoXYEupuQwtcNPTTtHcyNL6uqDfjwGB"  # PDA of run id "test" (spec §0)
TEST_TREASURER_RUN = "tG3nRngwkJC3JAL9Aq9AMhFtTzr56hr9ZmaSRpD8dT8"  # Run PDA of the sha-derived index of "test"
TEST_TREASURER_INDEX = 7313085519096743583

SIGNER_A = bytes.fromhex("1a2b3c4d") + bytes(range(28))
SIGNER_B = bytes.fromhex("deadbeef") + bytes(28)

# Spec coordinator.md §8 scenario 4, as serde shapes it.
FIXTURE_SETUP = {
    "client_version": "test",
    "config": {
        "warmup_time": 15,
        "cooldown_time": 30,
        "max_round_train_time": 15,
        "round_witness_time": 1,
        "global_batch_size_warmup_tokens": 0,
        "epoch_time": 60,
        "total_steps": 25000,
        "init_min_clients": 1,
        "min_clients": 1,
        "witness_nodes": 0,
        "global_batch_size_start": 2048,
        "global_batch_size_end": 2048,
        "verification_percent": 0,
        "waiting_for_members_extra_time": 3,
    },
    "metadata": {"name": "", "description": "", "num_parameters": 1_100_000_000, "vocab_size": 32768},
    "model": {
        "LLM": {
            "max_seq_len": 2048,
            "cold_start_warmup_steps": 0,
            "architecture": "HfLlama",
            "checkpoint": {"Hub": {"repo_id": "emozilla/llama2-1.1b-gqa-init", "revision": None}},
            "data_type": "Pretraining",
            "data_location": {
                "Http": {
                    "location": {
                        "Gcp": {
                            "bucket_name": "nous-pretraining-public-us",
                            "filter_directory": "fineweb-edu-tokenized-llama2",
                        }
                    },
                    "token_size_in_bytes": "TwoBytes",
                    "shuffle": "DontShuffle",
                }
            },
            "lr_schedule": {
                "Cosine": {
                    "base_lr": 0.0004,
                    "warmup_init_lr": 0.0,
                    "final_lr": 0.00004,
                    "warmup_steps": 250,
                    "total_steps": 25000,
                }
            },
            "optimizer": {
                "Distro": {
                    "clip_grad_norm": 1.0,
                    "weight_decay": None,
                    "compression_decay": 0.999,
                    "compression_topk": 2,
                    "compression_chunk": 64,
                    "quantize_1bit": False,
                }
            },
        }
    },
}


@pytest.fixture
def account() -> CoordinatorAccount:
    return load(bytearray(FIXTURE.read_bytes()))


def test_test_run_addresses_match_the_spec_vectors() -> None:
    assert str(find_coordinator_instance("test")) == TEST_INSTANCE
    assert str(find_run(TEST_TREASURER_INDEX)[0]) == TEST_TREASURER_RUN


def instance_of(run_id: str, main_authority: Pubkey = OWNER) -> CoordinatorInstance:
    return CoordinatorInstance(255, main_authority, OWNER, ACCOUNT_ADDRESS, run_id)


def test_json_dump_run_of_the_reference_fixture(account: CoordinatorAccount) -> None:
    document = json_dump_run(account, instance_of("test"), find_coordinator_instance("test"))
    assert document == {
        "coordinator_account": {
            "address": str(ACCOUNT_ADDRESS),
            "run_id": "test",
            "nonce": 2,
            "setup": FIXTURE_SETUP,
            "status": {"epoch": 0, "next_active": 0, "state": "Uninitialized", "step": 0},
            "epoch": {
                "clients": {"alive": {}, "exited": {}},
                "rates": {"current": {"earning": 0, "slashing": 0}, "future": {"earning": 1_000_000, "slashing": 0}},
            },
            "clients": {},
            "accounting": {"max_active": None, "sum_earned": 0, "sum_slashed": 0},
        },
        "coordinator_instance": {"address": TEST_INSTANCE, "join_authority": str(OWNER), "main_authority": str(OWNER)},
        "treasurer_run": None,
    }


def test_rendered_json_is_sorted_indented_and_rust_like_for_f32(account: CoordinatorAccount) -> None:
    text = render_json(json_dump_run(account, instance_of("test"), find_coordinator_instance("test")))
    lines = text.splitlines()
    assert lines[:4] == ["{", '  "coordinator_account": {', '    "accounting": {', '      "max_active": null,']
    assert '"compression_decay": 0.999,' in text  # the f32 0.999 as Rust prints it, not 0.9990000128746033
    assert '"clients": {},' in text
    assert json.loads(text)["coordinator_account"]["setup"] == FIXTURE_SETUP


def test_render_json_keeps_non_ascii() -> None:
    assert render_json({"b": "λ", "a": [1, 2.5]}) == '{\n  "a": [\n    1,\n    2.5\n  ],\n  "b": "λ"\n}'


def node(signer: bytes) -> NodeIdentity:
    return NodeIdentity.from_keys(signer, bytes(32))


def register(account: CoordinatorAccount, signer: bytes, earned: int, slashed: int, active: int) -> None:
    account.state.clients_state.clients.push(
        SolanaClient(id=node(signer), earned=earned, slashed=slashed, active=active)
    )


def test_clients_epoch_and_status_sections(account: CoordinatorAccount) -> None:
    state = account.state
    register(account, SIGNER_A, earned=10, slashed=3, active=2)
    register(account, SIGNER_B, earned=5, slashed=0, active=1)
    state.clients_state.next_active = 2
    state.clients_state.current_epoch_rates.earning_rate_total_shared = 10
    state.clients_state.current_epoch_rates.slashing_rate_per_client = 10
    coordinator = state.coordinator
    coordinator.run_state = RunState.Warmup
    coordinator.progress.epoch = 1
    coordinator.progress.step = 9
    coordinator.epoch_state.clients.push(Client(id=node(SIGNER_A), state=ClientState.Healthy))
    coordinator.epoch_state.exited_clients.push(
        Client(id=node(SIGNER_B), state=ClientState.Withdrawn, exited_height=7)
    )
    dump = json_dump_run(account, instance_of("test"), find_coordinator_instance("test"))["coordinator_account"]
    assert dump["status"] == {"epoch": 1, "next_active": 2, "state": "Warmup", "step": 9}
    assert dump["epoch"] == {
        "clients": {"alive": {"1a2b3c4d": "Healthy"}, "exited": {"deadbeef": "Withdrawn"}},
        "rates": {"current": {"earning": 10, "slashing": 10}, "future": {"earning": 1_000_000, "slashing": 0}},
    }
    assert dump["clients"] == {
        "1a2b3c4d": {"active": 2, "earned": 10, "slashed": 3},
        "deadbeef": {"active": 1, "earned": 5, "slashed": 0},
    }
    assert dump["accounting"] == {"max_active": 2, "sum_earned": 15, "sum_slashed": 3}


def test_clients_sharing_a_4_byte_prefix_share_one_entry(account: CoordinatorAccount) -> None:
    """The reference keys clients by NodeIdentity Display (4 bytes of hex): the later client overwrites."""
    register(account, SIGNER_A, earned=1, slashed=0, active=0)
    register(account, SIGNER_A[:4] + bytes(28), earned=2, slashed=0, active=0)
    dump = json_dump_run(account, instance_of("test"), find_coordinator_instance("test"))["coordinator_account"]
    assert node_id(SIGNER_A) == "1a2b3c4d"
    assert dump["clients"] == {"1a2b3c4d": {"active": 0, "earned": 2, "slashed": 0}}
    assert dump["accounting"]["sum_earned"] == 3  # the sums still count every registered client


def treasurer_run(total_claimed: int, vault: int, decimals: int) -> TreasurerRunView:
    address, bump = find_run(TEST_TREASURER_INDEX)
    run = Run(
        bump=bump,
        index=TEST_TREASURER_INDEX,
        main_authority=OWNER,
        join_authority=OWNER,
        coordinator_account=ACCOUNT_ADDRESS,
        coordinator_instance=find_coordinator_instance("test"),
        collateral_mint=MINT,
        total_claimed_collateral_amount=total_claimed,
        total_claimed_earned_points=total_claimed,
    )
    return TreasurerRunView(address=address, run=run, vault_amount=vault, decimals=decimals)


def test_treasurer_run_of_the_spec_example(account: CoordinatorAccount) -> None:
    """Spec §3.5's example: permissionless treasurer run "test", decimals 0, rates 10/10, one paid epoch."""
    register(account, SIGNER_A, earned=10, slashed=0, active=2)
    account.state.clients_state.current_epoch_rates.earning_rate_total_shared = 10
    run_pda = find_run(TEST_TREASURER_INDEX)[0]
    document = json_dump_run(
        account,
        instance_of("test", main_authority=run_pda),
        find_coordinator_instance("test"),
        treasurer_run(0, 10, 0),
    )
    assert document["coordinator_instance"]["main_authority"] == TEST_TREASURER_RUN
    assert document["treasurer_run"] == {
        "address": TEST_TREASURER_RUN,
        "burn_collateral_amount_per_epoch": 10.0,
        "collateral_mint": str(MINT),
        "estimated_funded_epochs_count": 0.0,
        "funded_collateral_amount": 10.0,
        "index": 7313085519096743583,
        "join_authority": str(OWNER),
        "main_authority": str(OWNER),
        "total_claimable_earned_points": 10,
        "total_claimed_earned_points": 0,
        "total_missing_collateral_amount": 0.0,
        "total_surplus_collateral_amount": 0.0,
        "total_unclaimed_earned_points": 10,
    }
    assert '"index": 7313085519096743583,' in render_json(document)  # above 2**53, printed exactly


@pytest.mark.parametrize(
    ("claimed", "vault", "rate", "expected"),
    [
        # 300 earned, 100 claimed: 200 unclaimed against a vault of 150 -> 50 missing, nothing spare.
        (100, 150_000_000, 60, {"missing": 50.0, "surplus": 0.0, "epochs": 0.0}),
        # a vault of 500 leaves 300 spare: 5 epochs at 60 per epoch.
        (100, 500_000_000, 60, {"missing": 0.0, "surplus": 300.0, "epochs": 5.0}),
        # no earning rate: the estimate is null, as the reference's division guard gives.
        (300, 0, 0, {"missing": 0.0, "surplus": 0.0, "epochs": None}),
    ],
)
def test_treasurer_run_collateral_accounting(
    account: CoordinatorAccount, claimed: int, vault: int, rate: int, expected: dict[str, Any]
) -> None:
    register(account, SIGNER_A, earned=200 * 10**6, slashed=0, active=1)  # points are base units (decimals 6)
    register(account, SIGNER_B, earned=100 * 10**6, slashed=0, active=1)
    account.state.clients_state.current_epoch_rates.earning_rate_total_shared = rate * 10**6
    treasurer = treasurer_run(claimed * 10**6, vault, 6)
    dump = json_dump_run(account, instance_of("test"), find_coordinator_instance("test"), treasurer)["treasurer_run"]
    unclaimed = 300 * 10**6 - claimed * 10**6
    assert dump["total_claimable_earned_points"] == 300 * 10**6
    assert dump["total_unclaimed_earned_points"] == unclaimed
    assert dump["funded_collateral_amount"] == vault / 10**6
    assert dump["burn_collateral_amount_per_epoch"] == float(rate)
    assert dump["total_missing_collateral_amount"] == expected["missing"]
    assert dump["total_surplus_collateral_amount"] == expected["surplus"]
    assert dump["estimated_funded_epochs_count"] == expected["epochs"]


def test_json_dump_user_of_registered_alive_and_exited_clients(account: CoordinatorAccount) -> None:
    register(account, SIGNER_A, earned=7, slashed=1, active=3)
    epoch_state = account.state.coordinator.epoch_state
    epoch_state.clients.push(Client(id=node(SIGNER_A), state=ClientState.Healthy))
    epoch_state.exited_clients.push(Client(id=node(SIGNER_B), state=ClientState.Dropped, exited_height=4))
    alive = json_dump_user(account, Pubkey.from_bytes(SIGNER_A), 1_000)
    assert alive == {
        "address": str(Pubkey.from_bytes(SIGNER_A)),
        "lamports": 1_000,
        "coordinator_account": {
            "client": {"active": 3, "earned": 7, "slashed": 1},
            "epoch_alive": {"exited_height": 0, "state": "Healthy"},
            "epoch_exited": None,
        },
        "treasurer_participant": None,
    }
    exited = json_dump_user(account, Pubkey.from_bytes(SIGNER_B), 0)["coordinator_account"]
    assert exited == {"client": None, "epoch_alive": None, "epoch_exited": {"exited_height": 4, "state": "Dropped"}}
    stranger = json_dump_user(account, Pubkey.new_unique(), 0)["coordinator_account"]
    assert stranger == {"client": None, "epoch_alive": None, "epoch_exited": None}


def test_json_dump_user_treasurer_participant(account: CoordinatorAccount) -> None:
    user = Pubkey.from_bytes(SIGNER_A)
    never_claimed = TreasurerUserView(collateral_mint=MINT, decimals=6, user_collateral_amount=0, participant=None)
    assert json_dump_user(account, user, 0, never_claimed)["treasurer_participant"] == {
        "claimed_collateral_amount": None,
        "claimed_earned_points": None,
        "collateral_amount": 0.0,
        "collateral_mint": str(MINT),
    }
    participant = Participant(bump=254, claimed_collateral_amount=2_500_000, claimed_earned_points=2_500_000)
    claimed = TreasurerUserView(MINT, 6, user_collateral_amount=3_000_000, participant=participant)
    assert json_dump_user(account, user, 0, claimed)["treasurer_participant"] == {
        "claimed_collateral_amount": 2.5,
        "claimed_earned_points": 2_500_000,
        "collateral_amount": 3.0,
        "collateral_mint": str(MINT),
    }


def test_json_dump_run_of_a_run_configured_through_the_program() -> None:
    """The test configuration sent with ``update``, and a client that joined: the dump shows the file's values."""
    run_config = load_run_config(REPO / "config" / "test" / "state.toml")
    chain = CoordinatorChain(run_id="dump")
    chain.create_coordinator_account()
    assert chain.init(client_version="v1").err is None
    assert chain.update(config=run_config.config, model=run_config.model).err is None
    client = Keypair()
    assert chain.join(client, chain.authorize(client)).err is None
    instance_info = chain.bank.get_account(chain.instance)
    assert instance_info is not None
    instance = decode_account(bytes(instance_info.data), CoordinatorInstance)

    document = json_dump_run(chain.coordinator_account(), instance, chain.instance)
    dump = document["coordinator_account"]
    assert dump["address"] == str(chain.account_key)
    assert (dump["run_id"], dump["setup"]["client_version"]) == ("dump", "v1")
    assert dump["setup"]["config"]["global_batch_size_end"] == 4
    assert dump["setup"]["model"]["LLM"]["optimizer"]["Distro"]["weight_decay"] is None
    assert encode(MODEL, from_serde(MODEL, dump["setup"]["model"], "model", "dump")) == encode(MODEL, run_config.model)
    assert dump["clients"] == {node_id(bytes(client.pubkey())): {"active": 0, "earned": 0, "slashed": 0}}
    assert dump["accounting"] == {"max_active": 0, "sum_earned": 0, "sum_slashed": 0}
    assert document["coordinator_instance"] == {
        "address": str(chain.instance),
        "join_authority": str(chain.join_authority.pubkey()),
        "main_authority": str(chain.main_authority.pubkey()),
    }
    user = json_dump_user(chain.coordinator_account(), client.pubkey(), 0)["coordinator_account"]
    assert user["client"] == {"active": 0, "earned": 0, "slashed": 0}

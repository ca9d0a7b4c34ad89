"""Random and mutated instruction data for every instruction: only program errors, and a failure changes nothing.

"Program errors" are ``Custom`` codes (Anchor framework errors and the program's own 6000-6023) or a deliberate
reference panic (``ProgramFailedToComplete`` logged as ``panicked at``), never a Python exception escaping a
handler. Each example starts from the same snapshot: a run in Warmup with one registered client.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorFieldless, TransactionErrorInstructionError

from coordinator_program.core.types import (
    Checkpoint,
    Committee,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.program import INTERFACE
from coordinator_program.state.borsh_args import InitCoordinatorParams, JoinRunParams, NoArgs
from emulator import TransactionResult
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.errors import custom_error_code
from tests.coordinator_program.program.chain import (
    CoordinatorChain,
    coordinator_ix,
    instruction_data,
    scenario_settings,
)

NAMES = [ix.name for ix in INTERFACE.instructions]


class Fixture:
    """The run, the keys every instruction needs, and a snapshot of the accounts to restore per example."""

    def __init__(self) -> None:
        chain = CoordinatorChain()
        chain.setup(batch_end=4)
        self.client = Keypair()
        self.authorization = chain.authorize(self.client)
        assert chain.set_paused(False).err is None
        assert chain.join(self.client, self.authorization).err is None
        chain.forward(10)
        assert chain.tick().err is None
        self.chain = chain
        self.snapshot = {key: chain.bank.get_account(key) for key in (chain.account_key, chain.instance)}
        config, model = scenario_settings()
        client_id = NodeIdentity.from_keys(bytes(self.client.pubkey()), bytes(32))
        blooms = (WitnessProof(witness=1), WitnessBloom(), WitnessBloom(), MerkleRoot())
        self.valid_args: dict[str, tuple[Any, ...]] = {
            "init_coordinator": (InitCoordinatorParams(Pubkey.new_unique(), Pubkey.new_unique(), "fuzz", "v"),),
            "free_coordinator": (NoArgs(),),
            "update": (None, config, model, None),
            "update_client_version": ("v2",),
            "set_future_epoch_rates": (1, 2),
            "set_paused": (True,),
            "join_run": (JoinRunParams(client_id),),
            "tick": (),
            "witness": (*blooms, WitnessMetadata()),
            "warmup_witness": blooms,
            "health_check": (client_id, Committee.Trainer, 0, 0),
            "checkpoint": (Checkpoint(),),
        }

    def restore(self) -> None:
        for key, account in self.snapshot.items():
            assert isinstance(account, Account)
            self.chain.bank.set_account(key, account)

    def keys(self, name: str) -> tuple[dict[str, Pubkey], Keypair]:
        chain = self.chain
        match name:
            case "init_coordinator":
                keys = {"payer": chain.payer.pubkey(), "coordinator_instance": chain.instance}
                return keys | {
                    "coordinator_account": chain.account_key,
                    "system_program": SYSTEM_PROGRAM_ID,
                }, chain.payer
            case "free_coordinator":
                keys = chain.owner_keys(chain.main_authority.pubkey()) | {"spill": Pubkey.new_unique()}
                return keys, chain.main_authority
            case "join_run":
                return chain.user_keys(self.client.pubkey()) | {"authorization": self.authorization}, self.client
            case "update" | "update_client_version" | "set_future_epoch_rates" | "set_paused":
                return chain.owner_keys(chain.main_authority.pubkey()), chain.main_authority
            case _:
                return chain.user_keys(self.client.pubkey()), self.client

    def send(self, name: str, data: bytes) -> TransactionResult:
        keys, signer = self.keys(name)
        return self.chain.send([coordinator_ix(name, keys, data=data)], signer)

    def state(self) -> list[Account | None]:
        return [self.chain.bank.get_account(key) for key in self.snapshot]


FIXTURE: Fixture | None = None


def fixture() -> Fixture:
    global FIXTURE
    if FIXTURE is None:
        FIXTURE = Fixture()
    FIXTURE.restore()
    return FIXTURE


def assert_program_error_without_effect(fix: Fixture, result: TransactionResult, before: list[Account | None]) -> None:
    if result.err is None:
        return
    assert fix.state() == before, "a failed instruction changed an account"
    if custom_error_code(result.err) is not None:
        return
    err = result.err
    assert isinstance(err, TransactionErrorInstructionError)
    assert err.err == InstructionErrorFieldless.ProgramFailedToComplete, err
    assert any(line.startswith("Program log: panicked at '") for line in result.logs), result.logs


@settings(max_examples=120, deadline=None)
@given(name=st.sampled_from(NAMES), tail=st.binary(max_size=600))
def test_random_data_after_a_discriminator_is_a_program_error(name: str, tail: bytes) -> None:
    fix = fixture()
    before = fix.state()
    discriminator = INTERFACE.instruction(name).discriminator
    assert_program_error_without_effect(fix, fix.send(name, discriminator + tail), before)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=64))
def test_random_bytes_are_a_program_error(data: bytes) -> None:
    fix = fixture()
    before = fix.state()
    result = fix.send("tick", data)
    assert_program_error_without_effect(fix, result, before)
    if data[:8] != instruction_data("tick"):
        assert result.err is not None


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    flips=st.lists(st.tuples(st.integers(min_value=8), st.integers(1, 255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_mutated_valid_data_is_a_program_error_or_a_valid_instruction(
    name: str, flips: list[tuple[int, int]], cut: int | None
) -> None:
    fix = fixture()
    before = fix.state()
    data = bytearray(instruction_data(name, *fix.valid_args[name]))
    for position, mask in flips:
        data[position % len(data) if len(data) > 8 else 0] ^= mask
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    assert_program_error_without_effect(fix, fix.send(name, bytes(data)), before)

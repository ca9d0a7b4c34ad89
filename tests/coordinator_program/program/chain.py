"""Test support: the coordinator and the authorizer on a Bank, driven by signed transactions as a client does.

Instructions are built by the client's own builders (``client/instructions/``), or for what a client never sends
(another instruction's accounts, hand-made data) from the program's declared interface by :func:`coordinator_ix`;
they are signed with solders keypairs and sent to the Bank; the clock is moved with
``forward_unix_timestamp`` as the memnet tests do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from solders.transaction_status import (
    InstructionErrorFieldless,
    TransactionErrorInstructionError,
)

from authorizer.program import PROGRAM_SPEC as AUTHORIZER_SPEC
from client.instructions import authorizer, coordinator
from client.instructions.coordinator import RunKeys
from coordinator_program.core import committee_selection
from coordinator_program.core.types import (
    Coordinator,
    CoordinatorConfig,
    Model,
    NodeIdentity,
    WitnessProof,
)
from coordinator_program.program import INTERFACE, PROGRAM_ID, PROGRAM_SPEC
from coordinator_program.state.borsh_args import InitCoordinatorParams
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, CoordinatorAccount, load
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import Bank, TransactionResult
from emulator.constants import LAMPORTS_PER_SOL
from tests.coordinator_program.core.runs import T0, new_coordinator

__all__ = [
    "CoordinatorChain",
    "create_coordinator_account",
    "panicked",
    "coordinator_ix",
    "scenario_settings",
]


def panicked(result: TransactionResult) -> bool:
    """The instruction failed as a Rust panic does (ProgramFailedToComplete)."""
    err = result.err
    return (
        isinstance(err, TransactionErrorInstructionError)
        and err.err == InstructionErrorFieldless.ProgramFailedToComplete
    )


def instruction_data(name: str, *args: Any) -> bytes:
    return INTERFACE.instruction(name).data(*args)


def coordinator_ix(name: str, keys: dict[str, Pubkey], *args: Any, data: bytes | None = None) -> Instruction:
    """The instruction ``name`` with its declared accounts (flags as declared) and Borsh-encoded ``args``."""
    if data is None:
        return INTERFACE.instruction(name).build(PROGRAM_ID, keys, *args)
    return Instruction(PROGRAM_ID, data, INTERFACE.instruction(name).account_metas(keys))


def scenario_settings(**overrides: int) -> tuple[CoordinatorConfig, Model]:
    """Scenario 2's config and Dummy/Distro model (spec §8), with ``overrides`` as in ``new_coordinator``."""
    coordinator: Coordinator = new_coordinator(**overrides)
    return CoordinatorConfig.from_buffer_copy(coordinator.config), Model.from_buffer_copy(coordinator.model)


def create_coordinator_account(bank: Bank, payer: Keypair, size: int = COORDINATOR_ACCOUNT_SIZE) -> Pubkey:
    """The pre-allocated, zeroed, rent-exempt account owned by the coordinator (System create_account)."""
    keypair = Keypair()
    ix = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=keypair.pubkey(),
            lamports=bank.minimum_balance_for_rent_exemption(size),
            space=size,
            owner=PROGRAM_ID,
        )
    )
    bank.expire_blockhash()
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer, keypair], bank.latest_blockhash())
    assert bank.send_transaction(tx).err is None
    return keypair.pubkey()


class CoordinatorChain:
    """One run on a fresh Bank: a funded payer, the run's authorities, and helpers that send one instruction each."""

    def __init__(
        self,
        run_id: str = "this is a dummy run_id",
        start: int = T0,
        *,
        bank: Bank | None = None,
        payer: Keypair | None = None,
        join_authority: Keypair | None = None,
    ) -> None:
        """A fresh bank (clock at ``start``) and payer, unless the run shares those of another chain."""
        if bank is None:
            bank = Bank(programs=[PROGRAM_SPEC, AUTHORIZER_SPEC])
            bank.set_unix_timestamp(start)
        self.bank = bank
        if payer is None:
            payer = Keypair()
            assert self.bank.airdrop(payer.pubkey(), 1_000 * LAMPORTS_PER_SOL).err is None
        self.payer = payer
        self.main_authority = Keypair()
        self.join_authority = join_authority or Keypair()
        self.ticker = Keypair()
        self.run_id = run_id
        self.instance = find_coordinator_instance(run_id)
        self.account_key = Pubkey.default()

    # -- transactions ------------------------------------------------------------------
    def send(self, instructions: Sequence[Instruction], *signers: Keypair) -> TransactionResult:
        """Pay with the payer, sign with ``signers`` too, on a fresh blockhash (identical retries are new txs)."""
        self.bank.expire_blockhash()
        unique = {bytes(k.pubkey()): k for k in (self.payer, *signers)}
        tx = Transaction.new_signed_with_payer(
            list(instructions), self.payer.pubkey(), list(unique.values()), self.bank.latest_blockhash()
        )
        return self.bank.send_transaction(tx)

    def forward(self, seconds: int) -> None:
        self.bank.forward_unix_timestamp(seconds)

    # -- reading -----------------------------------------------------------------------
    def account_bytes(self) -> bytes:
        account = self.bank.get_account(self.account_key)
        assert account is not None
        return bytes(account.data)

    def coordinator_account(self) -> CoordinatorAccount:
        """A detached copy of the coordinator account, checked as readers check it."""
        return load(bytearray(self.account_bytes()))

    def coordinator(self) -> Coordinator:
        return self.coordinator_account().state.coordinator

    @property
    def run(self) -> RunKeys:
        """The run's two accounts, as the client's instruction builders take them."""
        return RunKeys(self.instance, self.account_key)

    # -- setup -------------------------------------------------------------------------
    def create_coordinator_account(self, size: int = COORDINATOR_ACCOUNT_SIZE) -> Pubkey:
        self.account_key = create_coordinator_account(self.bank, self.payer, size)
        return self.account_key

    def init(self, client_version: str = "test", run_id: str | None = None) -> TransactionResult:
        run_id = self.run_id if run_id is None else run_id
        params = InitCoordinatorParams(
            self.main_authority.pubkey(), self.join_authority.pubkey(), run_id, client_version
        )
        # No PDA exists for a run id over 32 bytes; the program must fail before it looks at the key.
        instance = find_coordinator_instance(run_id) if len(run_id) <= 32 else Pubkey.new_unique()
        return self.send(
            [coordinator.init_coordinator(self.payer.pubkey(), RunKeys(instance, self.account_key), params)]
        )

    def setup(self, **settings: int) -> None:
        """Create and init the run, then give it scenario 2's config and model (with overrides)."""
        self.create_coordinator_account()
        assert self.init().err is None
        config, model = scenario_settings(**settings)
        result = self.update(config=config, model=model)
        assert result.err is None, result.logs

    # -- owner instructions ------------------------------------------------------------
    def owner_keys(self, authority: Pubkey) -> dict[str, Pubkey]:
        return {"authority": authority, "coordinator_instance": self.instance, "coordinator_account": self.account_key}

    def owner(self, name: str, *args: Any, signer: Keypair | None = None) -> TransactionResult:
        signer = signer or self.main_authority
        return self.send([coordinator_ix(name, self.owner_keys(signer.pubkey()), *args)], signer)

    def update(
        self,
        *,
        metadata: Any = None,
        config: Any = None,
        model: Any = None,
        progress: Any = None,
        signer: Keypair | None = None,
    ) -> TransactionResult:
        signer = signer or self.main_authority
        return self.send([coordinator.update(signer.pubkey(), self.run, metadata, config, model, progress)], signer)

    def set_paused(self, paused: bool, signer: Keypair | None = None) -> TransactionResult:
        signer = signer or self.main_authority
        return self.send([coordinator.set_paused(signer.pubkey(), self.run, paused)], signer)

    def set_future_epoch_rates(
        self, earning: int | None, slashing: int | None = None, signer: Keypair | None = None
    ) -> TransactionResult:
        return self.owner("set_future_epoch_rates", earning, slashing, signer=signer)

    def update_client_version(self, version: str, signer: Keypair | None = None) -> TransactionResult:
        signer = signer or self.main_authority
        return self.send([coordinator.update_client_version(signer.pubkey(), self.run, version)], signer)

    def free(self, spill: Pubkey, signer: Keypair | None = None) -> TransactionResult:
        signer = signer or self.main_authority
        return self.send([coordinator.free_coordinator(signer.pubkey(), spill, self.run)], signer)

    # -- authorizations and joins ------------------------------------------------------
    def authorize(self, grantee: Keypair | Pubkey, delegates: Sequence[Pubkey] = (), active: bool = True) -> Pubkey:
        """Create (and activate) the join authorization of ``grantee``; a Keypair grantee may add delegates."""
        grantor = self.join_authority
        grantee_key = grantee.pubkey() if isinstance(grantee, Keypair) else grantee
        key = authorizer.join_authorization_address(grantor.pubkey(), grantee_key)
        ixs = [authorizer.authorization_create(self.payer.pubkey(), grantor.pubkey(), grantee_key)]
        if active:
            ixs.append(authorizer.authorization_grantor_update(grantor.pubkey(), key, True))
        assert self.send(ixs, grantor).err is None
        if delegates:
            assert isinstance(grantee, Keypair)
            update = authorizer.authorization_grantee_update(self.payer.pubkey(), grantee_key, key, False, delegates)
            assert self.send([update], grantee).err is None
        return key

    def join(
        self,
        client: Keypair,
        authorization: Pubkey,
        *,
        client_id: NodeIdentity | None = None,
        signer: Keypair | None = None,
        p2p: bytes = bytes(32),
    ) -> TransactionResult:
        signer = signer or client
        if client_id is None:
            client_id = NodeIdentity.from_keys(bytes(client.pubkey()), p2p)
        return self.send([coordinator.join_run(signer.pubkey(), authorization, self.run, client_id)], signer)

    # -- permissionless instructions ---------------------------------------------------
    def user_keys(self, user: Pubkey) -> dict[str, Pubkey]:
        return {"user": user, "coordinator_instance": self.instance, "coordinator_account": self.account_key}

    def permissionless(self, name: str, user: Keypair, *args: Any) -> TransactionResult:
        return self.send([coordinator_ix(name, self.user_keys(user.pubkey()), *args)], user)

    def tick(self, user: Keypair | None = None) -> TransactionResult:
        user = user or self.ticker
        return self.send([coordinator.tick(user.pubkey(), self.run)], user)

    def witness(self, user: Keypair, proof: WitnessProof) -> TransactionResult:
        return self.send([coordinator.witness(user.pubkey(), self.run, proof)], user)

    def warmup_witness(self, user: Keypair, proof: WitnessProof) -> TransactionResult:
        return self.send([coordinator.warmup_witness(user.pubkey(), self.run, proof)], user)

    def elected_proof(self, index: int) -> WitnessProof | None:
        """The witness proof epoch client ``index`` computes for the current round, or None if not elected."""
        position, elected = committee_selection(self.coordinator(), 0).get_witness(index)
        if not elected:
            return None
        return WitnessProof(position=position, index=index, witness=1)

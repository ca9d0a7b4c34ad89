"""The three programs on an in-process runtime, and the signed transactions a run owner and its clients send.

The owner creates the run the way a paid run is made (spec programs-and-cli §2-§3): a collateral mint, the
coordinator account, ``run_create`` under the treasurer, then one ``run_update`` with the config, the model, the
epoch rates and ``paused=false``; joining is opened to everyone with one public authorization (grantee = the
default key). Clients pay their own fees and sign their own transactions. Every key is derived from the seed, so a
run is reproducible byte for byte.

A simulation's parties are all in-process, so ``simulate`` runs its bank with signature verification off (LiteSVM's
``sigverify(false)``), which halves what a transaction costs: nothing is signed, and each transaction carries
stand-in signatures derived from its message instead. Ed25519 signatures are deterministic, so a resent message
meets the status cache exactly as a signed one would. A chain built for real clients (``sigverify=True``, the
default, as in the training tests) signs and verifies every transaction, as ``psyche-validator`` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import spl.token.instructions as spl
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from spl.token.constants import TOKEN_PROGRAM_ID

from client.chain.backend import TransactionFailed
from client.cli.failures import identify
from client.instructions import authorizer, coordinator, treasurer
from client.instructions.coordinator import RunKeys
from client.simulate.errors import ChainSetupError
from client.simulate.ledger import DiscardingLedger
from client.simulate.messages import StandInTransactions, stand_in_transaction
from client.simulate.record import TransactionTally
from coordinator_program.core.types import CommitteeProof, NodeIdentity, WitnessBloom, WitnessProof
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, CoordinatorAccount, load
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import Bank, TransactionResult
from emulator.constants import LAMPORTS_PER_SOL
from formats.run_config import RunConfig
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.state import find_run
from validator.genesis import PROGRAMS

__all__ = ["SimulationChain", "derived_keypair", "error_name"]

OWNER_LAMPORTS = 2_000 * LAMPORTS_PER_SOL  # the coordinator account alone needs ~830 SOL of rent
CLIENT_LAMPORTS = LAMPORTS_PER_SOL  # 200 000 fees of 5 000 lamports
MINT_SIZE = 82
TREASURER_RUN_INDEX = 1


def derived_keypair(seed: int, role: str) -> Keypair:
    """The keypair of ``role`` ("owner", "client 3", ...) in the simulation seeded with ``seed``."""
    return Keypair.from_seed(hashlib.sha256(f"psyche-sim simulate/{seed}/{role}".encode()).digest())


def error_name(result: TransactionResult) -> str | None:
    """The name the CLI gives a failed transaction's error (the failing program's error name), None on success."""
    if result.err is None:
        return None
    return identify(TransactionFailed(result.err, result.logs)).name


class SimulationChain:
    """A bank holding one run; helpers send one signed transaction each and count it in ``tally``."""

    def __init__(self, seed: int, tally: TransactionTally, *, sigverify: bool = True) -> None:
        self.bank = Bank(programs=list(PROGRAMS), ledger=DiscardingLedger(), sigverify=sigverify)
        self._sign = sigverify
        self.tally = tally
        self.owner = derived_keypair(seed, "owner")
        self.join_authority = derived_keypair(seed, "join authority")
        self._account_keypair = derived_keypair(seed, "coordinator account")
        self._mint_keypair = derived_keypair(seed, "collateral mint")
        self.coordinator_account = self._account_keypair.pubkey()
        self.mint = self._mint_keypair.pubkey()
        self.authorization = authorizer.join_authorization_address(self.join_authority.pubkey(), Pubkey.default())
        self.instance = Pubkey.default()
        self._stand_ins = StandInTransactions(self._client_instruction)

    @property
    def _run(self) -> RunKeys:
        return RunKeys(self.instance, self.coordinator_account)

    # -- the owner ------------------------------------------------------------------------
    def _owner_send(self, what: str, instructions: list[Instruction], *signers: Keypair) -> None:
        result = self._send(instructions, self.owner, *signers)
        error = error_name(result)
        if error is not None:
            raise ChainSetupError(f"{what} failed: {error}; logs: {result.logs[-3:]}")

    def create_run(self, run_id: str, run_config: RunConfig, earning_rate: int, slashing_rate: int) -> None:
        """Create, configure and unpause the run (it is then Waiting for members), and open it to every client."""
        owner = self.owner.pubkey()
        if self.bank.airdrop(owner, OWNER_LAMPORTS).err is not None:
            raise ChainSetupError("funding the run owner failed")
        self.instance = find_coordinator_instance(run_id)
        self._owner_send("creating the collateral mint", self._mint_instructions(), self._mint_keypair)
        account = coordinator.create_coordinator_account(
            owner, self.coordinator_account, self.bank.minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE)
        )
        self._owner_send("creating the coordinator account", [account], self._account_keypair)
        params = RunCreateParams(TREASURER_RUN_INDEX, run_id, "simulate", owner, self.join_authority.pubkey())
        self._owner_send("treasurer run_create", [treasurer.run_create(owner, self.mint, self._run, params)])
        update = RunUpdateParams(
            config=run_config.config,
            model=run_config.model,
            epoch_earning_rate_total_shared=earning_rate,
            epoch_slashing_rate_per_client=slashing_rate,
            paused=False,
        )
        run_update = treasurer.run_update(owner, find_run(TREASURER_RUN_INDEX)[0], self._run, update)
        self._owner_send("treasurer run_update (config, model, rates, unpause)", [run_update])
        self._open_to_everyone()

    def _mint_instructions(self) -> list[Instruction]:
        lamports = self.bank.minimum_balance_for_rent_exemption(MINT_SIZE)
        create = create_account(
            CreateAccountParams(
                from_pubkey=self.owner.pubkey(),
                to_pubkey=self.mint,
                lamports=lamports,
                space=MINT_SIZE,
                owner=TOKEN_PROGRAM_ID,
            )
        )
        init = spl.initialize_mint(
            spl.InitializeMintParams(
                decimals=0, program_id=TOKEN_PROGRAM_ID, mint=self.mint, mint_authority=self.owner.pubkey()
            )
        )
        return [create, init]

    def _open_to_everyone(self) -> None:
        grantor = self.join_authority.pubkey()
        create = authorizer.authorization_create(self.owner.pubkey(), grantor, Pubkey.default())
        activate = authorizer.authorization_grantor_update(grantor, self.authorization, True)
        self._owner_send("the public join authorization", [create, activate], self.join_authority)

    # -- clients --------------------------------------------------------------------------
    def fund(self, client: Pubkey) -> None:
        """Give a client the lamports for its fees (clients pay their own transactions)."""
        if self.bank.airdrop(client, CLIENT_LAMPORTS).err is not None:
            raise ChainSetupError(f"funding client {client} failed")

    def _client_send(self, name: str, client: Keypair, user: Pubkey, data: bytes) -> str | None:
        """Send a coordinator instruction (its data) signed and paid by the client; count it; return its error name."""
        if self._sign:
            result = self._send([self._client_instruction(name, user, data)], client, payer=user)
        else:
            blockhash = self.bank.latest_blockhash()
            result = self.bank.send_transaction(self._stand_ins.transaction(name, user, data, blockhash))
        error = error_name(result)
        self.tally.add(name, error)
        return error

    def _client_instruction(self, name: str, user: Pubkey, data: bytes) -> Instruction:
        """A client's coordinator instruction: the run's accounts, and the public authorization for a join."""
        keys = {
            "user": user,
            "coordinator_instance": self.instance,
            "coordinator_account": self.coordinator_account,
            "authorization": self.authorization,
        }
        return coordinator.instruction_of(name, keys, data)

    def join(self, client: Keypair, user: Pubkey) -> str | None:
        """``join_run``; returns the error name, or None when the client is now pending."""
        identity = NodeIdentity.from_keys(bytes(user), bytes(user))  # no p2p network here: reuse the wallet key
        return self._client_send(
            "join_run", client, user, coordinator.join_run(user, self.authorization, self._run, identity).data
        )

    def tick(self, client: Keypair, user: Pubkey) -> str | None:
        return self._client_send("tick", client, user, coordinator.tick(user, self._run).data)

    def warmup_witness(self, client: Keypair, user: Pubkey, index: int) -> str | None:
        """The warmup witness a client sends once it has the model: ``{position: index, index, witness: false}``."""
        proof = WitnessProof(position=index, index=index, witness=0)
        instruction = coordinator.warmup_witness(user, self._run, proof)
        return self._client_send("warmup_witness", client, user, instruction.data)

    def witness(self, client: Keypair, user: Pubkey, proof: WitnessProof, participants: WitnessBloom) -> str | None:
        """An elected witness's attestation; only the participant bloom matters to the coordinator's rules."""
        return self._client_send("witness", client, user, coordinator.witness_data(proof, participants))

    def health_check(self, client: Keypair, user: Pubkey, target: NodeIdentity, proof: CommitteeProof) -> str | None:
        """Report one trainer the previous round's witnesses missed."""
        instruction = coordinator.health_check(user, self._run, target, proof)
        return self._client_send("health_check", client, user, instruction.data)

    # -- reading ------------------------------------------------------------------------------
    def read(self) -> CoordinatorAccount:
        """The coordinator account as it is now, checked as readers check it: a view of the bank's own bytes, which
        later transactions leave as they are (:meth:`Bank.shared_account_data`); nothing here writes to it."""
        data = self.bank.shared_account_data(self.coordinator_account)
        if data is None:
            raise ChainSetupError("the coordinator account does not exist")
        return load(data)

    def transaction(self, instructions: list[Instruction], payer: Pubkey, signers: Sequence[Keypair]) -> Transaction:
        """A transaction for the current blockhash: signed by ``signers`` if the bank verifies signatures, else with
        stand-in signatures (:func:`client.simulate.messages.stand_in_signatures`)."""
        blockhash = self.bank.latest_blockhash()
        if self._sign:
            return Transaction.new_signed_with_payer(instructions, payer, list(signers), blockhash)
        return stand_in_transaction(Message.new_with_blockhash(instructions, payer, blockhash))

    def _send(
        self, instructions: list[Instruction], *signers: Keypair, payer: Pubkey | None = None
    ) -> TransactionResult:
        fee_payer = payer if payer is not None else signers[0].pubkey()
        return self.bank.send_transaction(self.transaction(instructions, fee_payer, signers))

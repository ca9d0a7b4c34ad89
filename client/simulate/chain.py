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
from typing import Any

import spl.token.instructions as spl
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID

from authorizer.join import JOIN_RUN_AUTHORIZATION_SCOPE
from authorizer.logic.authorization_create import AuthorizationCreateParams
from authorizer.logic.authorization_grantor_update import AuthorizationGrantorUpdateParams
from authorizer.program import INTERFACE as AUTHORIZER_INTERFACE
from authorizer.program import PROGRAM_ID as AUTHORIZER_PROGRAM_ID
from authorizer.program import PROGRAM_SPEC as AUTHORIZER_SPEC
from authorizer.state.authorization import find_authorization
from client.run_config import RunConfig
from client.simulate.errors import ChainSetupError
from client.simulate.ledger import DiscardingLedger
from client.simulate.record import TransactionTally
from coordinator_program.core.types import (
    Committee,
    CommitteeProof,
    MerkleRoot,
    NodeIdentity,
    WitnessBloom,
    WitnessMetadata,
    WitnessProof,
)
from coordinator_program.errors import CoordinatorProgramError
from coordinator_program.program import INTERFACE as COORDINATOR_INTERFACE
from coordinator_program.program import PROGRAM_ID as COORDINATOR_PROGRAM_ID
from coordinator_program.program import PROGRAM_SPEC as COORDINATOR_SPEC
from coordinator_program.state.borsh_args import JoinRunParams
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, CoordinatorAccount, load
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator import Bank, TransactionResult
from emulator.anchor import ErrorCode
from emulator.constants import LAMPORTS_PER_SOL, SYSTEM_PROGRAM_ID
from treasurer.logic.run_create import RunCreateParams
from treasurer.logic.run_update import RunUpdateParams
from treasurer.program import INTERFACE as TREASURER_INTERFACE
from treasurer.program import PROGRAM_ID as TREASURER_PROGRAM_ID
from treasurer.program import PROGRAM_SPEC as TREASURER_SPEC
from treasurer.state import find_run

__all__ = ["SimulationChain", "derived_keypair", "error_name"]

_COORDINATOR = {ix.name: ix for ix in COORDINATOR_INTERFACE.instructions}
_AUTHORIZER = {ix.name: ix for ix in AUTHORIZER_INTERFACE.instructions}
_TREASURER = {ix.name: ix for ix in TREASURER_INTERFACE.instructions}
OWNER_LAMPORTS = 2_000 * LAMPORTS_PER_SOL  # the coordinator account alone needs ~830 SOL of rent
CLIENT_LAMPORTS = LAMPORTS_PER_SOL  # 200 000 fees of 5 000 lamports
MINT_SIZE = 82
TREASURER_RUN_INDEX = 1


def _encoded_args(name: str, first: int, *values: Any) -> bytes:
    """Borsh of ``values``, typed as the coordinator instruction ``name`` declares its arguments from ``first`` on."""
    out = bytearray()
    for (_, borsh), value in zip(_COORDINATOR[name].arg_types[first:], values, strict=False):
        borsh.write(value, out)
    return bytes(out)


def derived_keypair(seed: int, role: str) -> Keypair:
    """The keypair of ``role`` ("owner", "client 3", ...) in the simulation seeded with ``seed``."""
    return Keypair.from_seed(hashlib.sha256(f"psyche-sim simulate/{seed}/{role}".encode()).digest())


def error_name(result: TransactionResult) -> str | None:
    """A short name for a failed transaction's error (the program's error name when it has one), None on success."""
    err = result.err
    if err is None:
        return None
    if isinstance(err, TransactionErrorInstructionError) and isinstance(err.err, InstructionErrorCustom):
        code = int(err.err.code)
        for enum in (CoordinatorProgramError, ErrorCode):
            try:
                return enum(code).name
            except ValueError:
                continue
        return f"Custom({code})"
    return str(err)


class SimulationChain:
    """A bank holding one run; helpers send one signed transaction each and count it in ``tally``."""

    def __init__(self, seed: int, tally: TransactionTally, *, sigverify: bool = True) -> None:
        self.bank = Bank(
            programs=[COORDINATOR_SPEC, AUTHORIZER_SPEC, TREASURER_SPEC],
            ledger=DiscardingLedger(),
            sigverify=sigverify,
        )
        self._sign = sigverify
        self.tally = tally
        self.owner = derived_keypair(seed, "owner")
        self.join_authority = derived_keypair(seed, "join authority")
        self._account_keypair = derived_keypair(seed, "coordinator account")
        self._mint_keypair = derived_keypair(seed, "collateral mint")
        self.coordinator_account = self._account_keypair.pubkey()
        self.mint = self._mint_keypair.pubkey()
        self.authorization = find_authorization(
            self.join_authority.pubkey(), Pubkey.default(), JOIN_RUN_AUTHORIZATION_SCOPE
        )[0]
        self.instance = Pubkey.default()
        self._metas: dict[tuple[str, Pubkey], list[AccountMeta]] = {}
        # Only the proof and the participant bloom of a witness vary: its other arguments are encoded once.
        self._witness_tail = _encoded_args("witness", 2, WitnessBloom(), MerkleRoot(), WitnessMetadata())

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
        run = find_run(TREASURER_RUN_INDEX)[0]
        vault = spl.get_associated_token_address(run, self.mint)
        self._owner_send("creating the collateral mint", self._mint_instructions(), self._mint_keypair)
        self._owner_send(
            "creating the coordinator account", [self._coordinator_account_instruction()], self._account_keypair
        )
        create_keys = {
            "payer": owner,
            "run": run,
            "run_collateral": vault,
            "collateral_mint": self.mint,
            "coordinator_instance": self.instance,
            "coordinator_account": self.coordinator_account,
            "coordinator_program": COORDINATOR_PROGRAM_ID,
            "associated_token_program": ASSOCIATED_TOKEN_PROGRAM_ID,
            "token_program": TOKEN_PROGRAM_ID,
            "system_program": SYSTEM_PROGRAM_ID,
        }
        params = RunCreateParams(TREASURER_RUN_INDEX, run_id, "simulate", owner, self.join_authority.pubkey())
        run_create = _TREASURER["run_create"].build(TREASURER_PROGRAM_ID, create_keys, params)
        self._owner_send("treasurer run_create", [run_create])
        update_keys = {
            "authority": owner,
            "run": run,
            "coordinator_instance": self.instance,
            "coordinator_account": self.coordinator_account,
            "coordinator_program": COORDINATOR_PROGRAM_ID,
        }
        update = RunUpdateParams(
            config=run_config.config,
            model=run_config.model,
            epoch_earning_rate_total_shared=earning_rate,
            epoch_slashing_rate_per_client=slashing_rate,
            paused=False,
        )
        run_update = _TREASURER["run_update"].build(TREASURER_PROGRAM_ID, update_keys, update)
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

    def _coordinator_account_instruction(self) -> Instruction:
        return create_account(
            CreateAccountParams(
                from_pubkey=self.owner.pubkey(),
                to_pubkey=self.coordinator_account,
                lamports=self.bank.minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE),
                space=COORDINATOR_ACCOUNT_SIZE,
                owner=COORDINATOR_PROGRAM_ID,
            )
        )

    def _open_to_everyone(self) -> None:
        grantor = self.join_authority.pubkey()
        create = _AUTHORIZER["authorization_create"].build(
            AUTHORIZER_PROGRAM_ID,
            {
                "payer": self.owner.pubkey(),
                "grantor": grantor,
                "authorization": self.authorization,
                "system_program": SYSTEM_PROGRAM_ID,
            },
            AuthorizationCreateParams(Pubkey.default(), JOIN_RUN_AUTHORIZATION_SCOPE),
        )
        activate = _AUTHORIZER["authorization_grantor_update"].build(
            AUTHORIZER_PROGRAM_ID,
            {"grantor": grantor, "authorization": self.authorization},
            AuthorizationGrantorUpdateParams(True),
        )
        self._owner_send("the public join authorization", [create, activate], self.join_authority)

    # -- clients --------------------------------------------------------------------------
    def fund(self, client: Pubkey) -> None:
        """Give a client the lamports for its fees (clients pay their own transactions)."""
        if self.bank.airdrop(client, CLIENT_LAMPORTS).err is not None:
            raise ChainSetupError(f"funding client {client} failed")

    def _client_send(self, name: str, client: Keypair, user: Pubkey, data: bytes) -> str | None:
        """Send one coordinator instruction signed (and paid) by the client; count it; return its error name."""
        metas = self._metas.get((name, user))
        if metas is None:
            keys = {
                "user": user,
                "authorization": self.authorization,
                "coordinator_instance": self.instance,
                "coordinator_account": self.coordinator_account,
            }
            metas = self._metas[(name, user)] = _COORDINATOR[name].account_metas(keys)
        error = error_name(self._send([Instruction(COORDINATOR_PROGRAM_ID, data, metas)], client, payer=user))
        self.tally.add(name, error)
        return error

    def join(self, client: Keypair, user: Pubkey) -> str | None:
        """``join_run``; returns the error name, or None when the client is now pending."""
        identity = NodeIdentity.from_keys(bytes(user), bytes(user))  # no p2p network here: reuse the wallet key
        return self._client_send("join_run", client, user, _COORDINATOR["join_run"].data(JoinRunParams(identity)))

    def tick(self, client: Keypair, user: Pubkey) -> str | None:
        return self._client_send("tick", client, user, _COORDINATOR["tick"].data())

    def warmup_witness(self, client: Keypair, user: Pubkey, index: int) -> str | None:
        """The warmup witness a client sends once it has the model: ``{position: index, index, witness: false}``."""
        proof = WitnessProof(position=index, index=index, witness=0)
        data = _COORDINATOR["warmup_witness"].data(proof, WitnessBloom(), WitnessBloom(), MerkleRoot())
        return self._client_send("warmup_witness", client, user, data)

    def witness(self, client: Keypair, user: Pubkey, proof: WitnessProof, participants: WitnessBloom) -> str | None:
        """An elected witness's attestation; only the participant bloom matters to the coordinator's rules."""
        data = _COORDINATOR["witness"].discriminator + _encoded_args("witness", 0, proof, participants)
        return self._client_send("witness", client, user, data + self._witness_tail)

    def health_check(self, client: Keypair, user: Pubkey, target: NodeIdentity, proof: CommitteeProof) -> str | None:
        """Report one trainer the previous round's witnesses missed."""
        data = _COORDINATOR["health_check"].data(target, Committee(proof.committee), proof.position, proof.index)
        return self._client_send("health_check", client, user, data)

    # -- reading ------------------------------------------------------------------------------
    def read(self) -> CoordinatorAccount:
        """A detached copy of the coordinator account, checked as readers check it."""
        data = self.bank.get_account_data(self.coordinator_account)
        if data is None:
            raise ChainSetupError("the coordinator account does not exist")
        return load(data)

    def transaction(self, instructions: list[Instruction], payer: Pubkey, signers: Sequence[Keypair]) -> Transaction:
        """A transaction for the current blockhash: signed by ``signers`` if the bank verifies signatures, else with
        stand-in signatures ``sha512(message, signer number)``."""
        blockhash = self.bank.latest_blockhash()
        if self._sign:
            return Transaction.new_signed_with_payer(instructions, payer, list(signers), blockhash)
        message = Message.new_with_blockhash(instructions, payer, blockhash)
        encoded = bytes(message)
        signatures = [
            Signature(hashlib.sha512(encoded + bytes((number,))).digest())
            for number in range(message.header.num_required_signatures)
        ]
        return Transaction.populate(message, signatures)

    def _send(
        self, instructions: list[Instruction], *signers: Keypair, payer: Pubkey | None = None
    ) -> TransactionResult:
        fee_payer = payer if payer is not None else signers[0].pubkey()
        return self.bank.send_transaction(self.transaction(instructions, fee_payer, signers))

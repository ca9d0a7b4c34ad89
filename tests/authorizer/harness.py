"""Driving the authorizer the way a client does: anchorpy builds the instructions from the checked-in IDL,
solders signs them, the Bank executes them, anchorpy's AccountsCoder decodes the account.

``Program(idl, program_id, provider)`` over an ``AsyncClient`` that is never connected is enough for
anchorpy's coders and instruction builder. Struct arguments go to anchorpy as dicts (anchorpy's
dataclass path deep-copies solders Pubkeys, which cannot be copied).
"""

from __future__ import annotations

from collections.abc import Sequence

from anchorpy.program.context import Context
from anchorpy.program.core import Program
from anchorpy.provider import Provider, Wallet
from anchorpy_core.idl import Idl
from solana.rpc.async_api import AsyncClient
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from authorizer.program import LEGACY_IDL_PATH, PROGRAM_ID, PROGRAM_SPEC
from authorizer.state.authorization import Authorization, find_authorization
from emulator import Bank, TransactionResult
from emulator.constants import LAMPORTS_PER_SIGNATURE, LAMPORTS_PER_SOL, SYSTEM_PROGRAM_ID

PROGRAM = Program(
    Idl.from_json(LEGACY_IDL_PATH.read_text()),
    PROGRAM_ID,
    Provider(AsyncClient("http://127.0.0.1:9"), Wallet(Keypair())),
)
PAYER_AIRDROP = 5 * LAMPORTS_PER_SOL


def new_bank() -> Bank:
    return Bank(programs=[PROGRAM_SPEC])


def funded(bank: Bank, lamports: int = PAYER_AIRDROP) -> Keypair:
    keypair = Keypair()
    assert bank.airdrop(keypair.pubkey(), lamports).err is None
    return keypair


def send(bank: Bank, instructions: Sequence[Instruction], signers: Sequence[Keypair]) -> TransactionResult:
    """Sign with ``signers`` (the first pays the fee) on a fresh blockhash, so identical retries are new txs."""
    bank.expire_blockhash()
    tx = Transaction.new_signed_with_payer(
        list(instructions), signers[0].pubkey(), list(signers), bank.latest_blockhash()
    )
    return bank.send_transaction(tx)


def fee(signatures: int) -> int:
    return signatures * LAMPORTS_PER_SIGNATURE


def address(grantor: Pubkey, grantee: Pubkey, scope: bytes) -> Pubkey:
    return find_authorization(grantor, grantee, scope)[0]


def create_ix(payer: Pubkey, grantor: Pubkey, grantee: Pubkey, scope: bytes, **overrides: Pubkey) -> Instruction:
    """``overrides`` replaces accounts by name (the PDA is only derived when ``authorization`` is not given)."""
    accounts = {"payer": payer, "grantor": grantor, "system_program": SYSTEM_PROGRAM_ID} | overrides
    if "authorization" not in accounts:
        accounts["authorization"] = address(grantor, grantee, scope)
    return PROGRAM.instruction["authorization_create"](
        {"grantee": grantee, "scope": scope}, ctx=Context(accounts=accounts)
    )


def grantor_update_ix(grantor: Pubkey, authorization: Pubkey, active: bool) -> Instruction:
    accounts = {"grantor": grantor, "authorization": authorization}
    return PROGRAM.instruction["authorization_grantor_update"]({"active": active}, ctx=Context(accounts=accounts))


def grantee_update_ix(
    payer: Pubkey, grantee: Pubkey, authorization: Pubkey, clear: bool, added: Sequence[Pubkey]
) -> Instruction:
    accounts = {
        "payer": payer,
        "grantee": grantee,
        "authorization": authorization,
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return PROGRAM.instruction["authorization_grantee_update"](
        {"delegates_clear": clear, "delegates_added": list(added)}, ctx=Context(accounts=accounts)
    )


def close_ix(grantor: Pubkey, spill: Pubkey, authorization: Pubkey, **overrides: Pubkey) -> Instruction:
    accounts = {
        "grantor": grantor,
        "spill": spill,
        "authorization": authorization,
        "system_program": SYSTEM_PROGRAM_ID,
    }
    return PROGRAM.instruction["authorization_close"]({}, ctx=Context(accounts=accounts | overrides))


def read_authorization(bank: Bank, key: Pubkey) -> Authorization | None:
    """The account as anchorpy's AccountsCoder decodes it, in our typed form; None when there is no account."""
    account = bank.get_account(key)
    if account is None:
        return None
    assert account.owner == PROGRAM_ID
    decoded = PROGRAM.coder.accounts.decode(account.data)
    return Authorization(
        bump=decoded.bump,
        grantor=decoded.grantor,
        grantee=decoded.grantee,
        scope=bytes(decoded.scope),
        active=decoded.active,
        delegates=list(decoded.delegates),
        grantor_update_unix_timestamp=decoded.grantor_update_unix_timestamp,
    )


def rent(bank: Bank, data_len: int) -> int:
    return bank.minimum_balance_for_rent_exemption(data_len)

"""Unmodified anchorpy Programs over a psyche-validator subprocess: the authorizer and the treasurer.

``rpc`` goes through preflight, so a program's own error comes back as anchorpy's ProgramError with
the code and message of the IDL; ``fetch``, ``all`` and ``fetch_multiple`` read accounts the way
anchorpy does (the last one as a gzip-labelled batch asking for base64+zstd).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from anchorpy import Context, Program, Provider, Wallet
from anchorpy.error import ProgramError
from anchorpy_core.idl import Idl
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Processed
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction
from spl.token.async_client import AsyncToken
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID
from spl.token.instructions import get_associated_token_address

from authorizer.program import LEGACY_IDL_PATH as AUTHORIZER_IDL
from authorizer.program import PROGRAM_ID as AUTHORIZER_ID
from authorizer.state.authorization import find_authorization
from coordinator_program.program import PROGRAM_ID as COORDINATOR_ID
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE
from coordinator_program.state.coordinator_instance import find_coordinator_instance
from emulator.constants import SYSTEM_PROGRAM_ID
from treasurer.program import LEGACY_IDL_PATH as TREASURER_IDL
from treasurer.program import PROGRAM_ID as TREASURER_ID
from treasurer.state import find_participant, find_run
from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]
SOL = 1_000_000_000


@pytest_asyncio.fixture
async def provider(validator: ValidatorProcess) -> AsyncIterator[Provider]:
    """A funded wallet on a processed-commitment connection, as ``Provider.local()`` builds it."""
    client = AsyncClient(validator.url, commitment=Processed)
    wallet = Keypair()
    await client.confirm_transaction((await client.request_airdrop(wallet.pubkey(), 10 * SOL)).value)
    try:
        yield Provider(client, Wallet(wallet))
    finally:
        await client.close()


def program(idl: Path, program_id: Pubkey, provider: Provider) -> Program:
    return Program(Idl.from_json(idl.read_text()), program_id, provider)


async def test_authorizer_rpc_fetch_all_fetch_multiple_and_program_errors(provider: Provider) -> None:
    authorizer = program(AUTHORIZER_IDL, AUTHORIZER_ID, provider)
    grantor = provider.wallet.public_key
    grantees = [Pubkey.new_unique(), Pubkey.new_unique()]
    scope = b"e2e scope"
    records = [find_authorization(grantor, grantee, scope)[0] for grantee in grantees]
    for grantee, record in zip(grantees, records, strict=True):
        await (
            authorizer.methods["authorization_create"]
            .args([{"grantee": grantee, "scope": scope}])
            .accounts(
                {"payer": grantor, "grantor": grantor, "authorization": record, "system_program": SYSTEM_PROGRAM_ID}
            )
            .rpc()
        )
    await (
        authorizer.methods["authorization_grantor_update"]
        .args([{"active": True}])
        .accounts({"grantor": grantor, "authorization": records[0]})
        .rpc()
    )

    fetched = await authorizer.account["Authorization"].fetch(records[0])
    assert (fetched.grantor, fetched.grantee, fetched.scope, fetched.active) == (grantor, grantees[0], scope, True)
    mine = {
        item.public_key for item in await authorizer.account["Authorization"].all() if item.account.grantor == grantor
    }
    assert mine == set(records)
    many = await authorizer.account["Authorization"].fetch_multiple([*records, Pubkey.new_unique()])
    assert [item.active if item is not None else None for item in many] == [True, False, None]

    close = {"grantor": grantor, "spill": grantor, "authorization": records[0], "system_program": SYSTEM_PROGRAM_ID}
    with pytest.raises(ProgramError) as raised:
        await authorizer.rpc["authorization_close"]({}, ctx=Context(accounts=close))
    assert (raised.value.code, raised.value.msg) == (6000, "AuthorizationActive is true")
    assert (await authorizer.account["Authorization"].fetch(records[0])).active


async def create_coordinator_account(provider: Provider, payer: Keypair) -> Pubkey:
    """The zeroed 119,160-byte account a coordinator run lives in, owned by the coordinator."""
    account = Keypair()
    client = provider.connection
    rent = (await client.get_minimum_balance_for_rent_exemption(COORDINATOR_ACCOUNT_SIZE)).value
    ix = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=account.pubkey(),
            lamports=rent,
            space=COORDINATOR_ACCOUNT_SIZE,
            owner=COORDINATOR_ID,
        )
    )
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer, account], blockhash)
    await client.confirm_transaction((await client.send_transaction(tx)).value)
    return account.pubkey()


async def test_treasurer_run_fetch_all_and_a_refused_claim(provider: Provider) -> None:
    treasurer = program(TREASURER_IDL, TREASURER_ID, provider)
    payer = provider.wallet.payer
    me = payer.pubkey()
    token = await AsyncToken.create_mint(provider.connection, payer, me, 6, TOKEN_PROGRAM_ID)
    coordinator_account = await create_coordinator_account(provider, payer)
    index = random.getrandbits(63)
    run_id = f"e2e-{index:x}"[:32]
    run = find_run(index)[0]
    vault = get_associated_token_address(run, token.pubkey)
    await (
        treasurer.methods["run_create"]
        .args(
            [
                {
                    "index": index,
                    "run_id": run_id,
                    "client_version": "latest",
                    "main_authority": me,
                    "join_authority": me,
                }
            ]
        )
        .accounts(
            {
                "payer": me,
                "run": run,
                "run_collateral": vault,
                "collateral_mint": token.pubkey,
                "coordinator_instance": find_coordinator_instance(run_id),
                "coordinator_account": coordinator_account,
                "coordinator_program": COORDINATOR_ID,
                "associated_token_program": ASSOCIATED_TOKEN_PROGRAM_ID,
                "token_program": TOKEN_PROGRAM_ID,
                "system_program": SYSTEM_PROGRAM_ID,
            }
        )
        .rpc()
    )

    fetched = await treasurer.account["Run"].fetch(run)
    assert (fetched.index, fetched.collateral_mint, fetched.coordinator_account) == (
        index,
        token.pubkey,
        coordinator_account,
    )
    assert run in {item.public_key for item in await treasurer.account["Run"].all()}

    participant = find_participant(run, me)[0]
    await (
        treasurer.methods["participant_create"]
        .args([{}])
        .accounts(
            {"payer": me, "user": me, "run": run, "participant": participant, "system_program": SYSTEM_PROGRAM_ID}
        )
        .rpc()
    )
    my_collateral = await token.create_associated_token_account(me)
    claim = (
        treasurer.methods["participant_claim"]
        .args([{"claim_earned_points": 1}])
        .accounts(
            {
                "user": me,
                "user_collateral": my_collateral,
                "run": run,
                "run_collateral": vault,
                "coordinator_account": coordinator_account,
                "participant": participant,
                "token_program": TOKEN_PROGRAM_ID,
            }
        )
    )
    with pytest.raises(ProgramError) as raised:  # no points earned yet
        await claim.rpc()
    assert (raised.value.code, raised.value.msg) == (6000, "Invalid parameter")

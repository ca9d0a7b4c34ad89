"""Unmodified spl.token AsyncToken against a psyche-validator subprocess: mint, ATAs, mint_to, transfer, balances."""

from __future__ import annotations

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import MemcmpOpts, TxOpts
from solders.keypair import Keypair
from spl.token.async_client import AsyncToken
from spl.token.constants import TOKEN_PROGRAM_ID

from validator.process import ValidatorProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]
SOL = 1_000_000_000
CONFIRMED = TxOpts(skip_confirmation=False, preflight_commitment=Confirmed)


async def test_mint_ata_mint_to_transfer_and_balances(validator: ValidatorProcess) -> None:
    async with AsyncClient(validator.url, commitment=Confirmed) as client:
        payer, alice, bob = Keypair(), Keypair(), Keypair()
        await client.confirm_transaction((await client.request_airdrop(payer.pubkey(), 10 * SOL)).value)
        token = await AsyncToken.create_mint(client, payer, payer.pubkey(), 6, TOKEN_PROGRAM_ID)
        mint_info = await token.get_mint_info()
        assert (mint_info.decimals, mint_info.supply, mint_info.mint_authority) == (6, 0, payer.pubkey())

        alice_ata = await token.create_associated_token_account(alice.pubkey())
        bob_ata = await token.create_associated_token_account(bob.pubkey())
        await token.mint_to(alice_ata, payer, 1_000_000_000, opts=CONFIRMED)
        await token.transfer(alice_ata, bob_ata, alice, 250_000_000, opts=CONFIRMED)

        assert (await token.get_balance(alice_ata)).value.ui_amount_string == "750"
        assert (await token.get_balance(bob_ata)).value.amount == "250000000"
        bob_account = await token.get_account_info(bob_ata)
        assert (bob_account.owner, bob_account.amount) == (bob.pubkey(), 250_000_000)
        supply = (await client.get_token_supply(token.pubkey)).value
        assert supply.ui_amount_string == "1000"

        parsed = (await token.get_accounts_by_owner_json_parsed(alice.pubkey())).value
        assert [(keyed.pubkey, keyed.account.data.parsed["info"]["tokenAmount"]["amount"]) for keyed in parsed] == [
            (alice_ata, "750000000")
        ]
        holders = (
            await client.get_program_accounts(
                TOKEN_PROGRAM_ID, encoding="base64", filters=[165, MemcmpOpts(offset=0, bytes=str(token.pubkey))]
            )
        ).value
        assert sorted(str(keyed.pubkey) for keyed in holders) == sorted([str(alice_ata), str(bob_ata)])

"""SPL Token reads as spl.token's AsyncToken parses them: balances, supply, accounts by owner and delegate."""

from __future__ import annotations

import pytest
from solders.account_decoder import UiAccountEncoding, UiTokenAmount
from solders.pubkey import Pubkey
from solders.rpc.config import RpcAccountInfoConfig, RpcTokenAccountsFilterMint, RpcTokenAccountsFilterProgramId
from solders.rpc.errors import InvalidParamsMessage
from solders.rpc.requests import (
    GetTokenAccountBalance,
    GetTokenAccountsByDelegate,
    GetTokenAccountsByOwner,
    GetTokenSupply,
)
from solders.rpc.responses import (
    GetTokenAccountBalanceResp,
    GetTokenAccountsByDelegateResp,
    GetTokenAccountsByOwnerJsonParsedResp,
    GetTokenAccountsByOwnerResp,
    GetTokenSupplyResp,
)
from solders.transaction import Transaction
from spl.token.instructions import ApproveParams, approve

from emulator.constants import TOKEN_PROGRAM_ID
from tests.validator.rpc_harness import RpcHarness


def test_token_account_balance_and_supply(rpc: RpcHarness) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner, decimals=6)
    ata = rpc.token_account_with(owner, mint, owner.pubkey(), 1_250_000)
    balance = GetTokenAccountBalanceResp.from_json(rpc.post(GetTokenAccountBalance(ata).to_json()))
    assert isinstance(balance, GetTokenAccountBalanceResp)
    assert balance.value == UiTokenAmount(1.25, 6, "1250000", "1.25")
    supply = GetTokenSupplyResp.from_json(rpc.post(GetTokenSupply(mint).to_json()))
    assert isinstance(supply, GetTokenSupplyResp)
    assert supply.value == UiTokenAmount(1.25, 6, "1250000", "1.25")


@pytest.mark.parametrize(
    "method, which, message",
    [
        ("getTokenAccountBalance", "missing", "Invalid param: could not find account"),
        ("getTokenAccountBalance", "wallet", "Invalid param: not a Token account"),
        ("getTokenAccountBalance", "mint", "Invalid param: not a Token account"),
        ("getTokenSupply", "missing", "Invalid param: could not find account"),
        ("getTokenSupply", "wallet", "Invalid param: not a Token mint"),
        ("getTokenSupply", "ata", "Invalid param: Token mint could not be unpacked"),
    ],
)
def test_token_reads_of_the_wrong_account_say_why(rpc: RpcHarness, method: str, which: str, message: str) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner)
    keys = {
        "missing": Pubkey.new_unique(),
        "wallet": owner.pubkey(),
        "mint": mint,
        "ata": rpc.token_account_with(owner, mint, owner.pubkey(), 1),
    }
    resp = GetTokenAccountBalanceResp.from_json(rpc.call(method, str(keys[which])))
    assert isinstance(resp, InvalidParamsMessage)
    assert resp.message == message


def test_token_accounts_by_owner_filter_by_mint_or_program(rpc: RpcHarness) -> None:
    owner, other = rpc.funded(), rpc.funded()
    mint_a, mint_b = rpc.create_mint(owner), rpc.create_mint(owner)
    ata_a = rpc.token_account_with(owner, mint_a, owner.pubkey(), 5)
    ata_b = rpc.token_account_with(owner, mint_b, owner.pubkey(), 7)
    rpc.token_account_with(owner, mint_a, other.pubkey(), 9)
    config = RpcAccountInfoConfig(UiAccountEncoding.Base64)
    by_mint = GetTokenAccountsByOwnerResp.from_json(
        rpc.post(GetTokenAccountsByOwner(owner.pubkey(), RpcTokenAccountsFilterMint(mint_a), config).to_json())
    )
    assert isinstance(by_mint, GetTokenAccountsByOwnerResp)
    assert [keyed.pubkey for keyed in by_mint.value] == [ata_a]
    by_program = GetTokenAccountsByOwnerResp.from_json(
        rpc.post(
            GetTokenAccountsByOwner(
                owner.pubkey(), RpcTokenAccountsFilterProgramId(TOKEN_PROGRAM_ID), config
            ).to_json()
        )
    )
    assert isinstance(by_program, GetTokenAccountsByOwnerResp)
    assert sorted(str(keyed.pubkey) for keyed in by_program.value) == sorted([str(ata_a), str(ata_b)])


def test_token_accounts_by_owner_json_parsed(rpc: RpcHarness) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner, decimals=2)
    ata = rpc.token_account_with(owner, mint, owner.pubkey(), 1234)
    config = RpcAccountInfoConfig(UiAccountEncoding.JsonParsed)
    resp = GetTokenAccountsByOwnerJsonParsedResp.from_json(
        rpc.post(GetTokenAccountsByOwner(owner.pubkey(), RpcTokenAccountsFilterMint(mint), config).to_json())
    )
    assert isinstance(resp, GetTokenAccountsByOwnerJsonParsedResp)
    (keyed,) = resp.value
    assert keyed.pubkey == ata
    assert keyed.account.data.parsed["info"]["tokenAmount"]["uiAmountString"] == "12.34"


def test_token_accounts_by_delegate(rpc: RpcHarness) -> None:
    owner, delegate = rpc.funded(), Pubkey.new_unique()
    mint = rpc.create_mint(owner)
    ata = rpc.token_account_with(owner, mint, owner.pubkey(), 100)
    ix = approve(ApproveParams(TOKEN_PROGRAM_ID, ata, delegate, owner.pubkey(), 40))
    tx = Transaction.new_signed_with_payer([ix], owner.pubkey(), [owner], rpc.bank.latest_blockhash())
    assert rpc.bank.send_transaction(tx).err is None
    resp = GetTokenAccountsByDelegateResp.from_json(
        rpc.post(
            GetTokenAccountsByDelegate(
                delegate,
                RpcTokenAccountsFilterProgramId(TOKEN_PROGRAM_ID),
                RpcAccountInfoConfig(UiAccountEncoding.Base64),
            ).to_json()
        )
    )
    assert isinstance(resp, GetTokenAccountsByDelegateResp)
    assert [keyed.pubkey for keyed in resp.value] == [ata]


@pytest.mark.parametrize(
    "token_filter",
    [{"programId": "11111111111111111111111111111111"}, {"mint": "11111111111111111111111111111111"}, {"both": 1}],
)
def test_token_accounts_by_owner_rejects_a_bad_filter(rpc: RpcHarness, token_filter: dict[str, object]) -> None:
    body = rpc.call("getTokenAccountsByOwner", str(Pubkey.new_unique()), token_filter)
    assert isinstance(GetTokenAccountsByOwnerResp.from_json(body), InvalidParamsMessage)

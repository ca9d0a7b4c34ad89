"""Account reads answer in shapes solders parses, for every encoding, and refuse what Agave refuses."""

from __future__ import annotations

import pytest
from solders.account_decoder import UiAccountEncoding, UiDataSliceConfig
from solders.commitment_config import CommitmentLevel
from solders.pubkey import Pubkey
from solders.rpc.config import RpcAccountInfoConfig, RpcProgramAccountsConfig
from solders.rpc.errors import InvalidParamsMessage, InvalidRequestMessage, MinContextSlotNotReachedMessage
from solders.rpc.filter import Memcmp
from solders.rpc.requests import (
    GetAccountInfo,
    GetBalance,
    GetMinimumBalanceForRentExemption,
    GetMultipleAccounts,
    GetProgramAccounts,
)
from solders.rpc.responses import (
    GetAccountInfoJsonParsedResp,
    GetAccountInfoResp,
    GetBalanceResp,
    GetMinimumBalanceForRentExemptionResp,
    GetMultipleAccountsResp,
    GetProgramAccountsResp,
    GetProgramAccountsWithContextResp,
)

from authorizer.program import PROGRAM_ID as AUTHORIZER_ID
from emulator.constants import TOKEN_PROGRAM_ID
from emulator.native.spl_token import NATIVE_MINT_ID
from tests.validator.rpc_harness import RpcHarness


@pytest.mark.parametrize(
    "encoding", [UiAccountEncoding.Base64, UiAccountEncoding.Base58, UiAccountEncoding.Base64Zstd, None]
)
def test_get_account_info_returns_the_account_in_every_binary_encoding(rpc: RpcHarness, encoding: object) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner)
    config = RpcAccountInfoConfig(encoding=encoding) if encoding is not None else None
    resp = GetAccountInfoResp.from_json(rpc.post(GetAccountInfo(mint, config).to_json()))
    assert isinstance(resp, GetAccountInfoResp)
    account = rpc.bank.get_account(mint)
    assert resp.value == account
    assert resp.context.slot == rpc.bank.slot


def test_get_account_info_of_a_missing_account_is_null(rpc: RpcHarness) -> None:
    resp = GetAccountInfoResp.from_json(rpc.post(GetAccountInfo(Pubkey.new_unique()).to_json()))
    assert isinstance(resp, GetAccountInfoResp)
    assert resp.value is None


def test_get_account_info_slices_data(rpc: RpcHarness) -> None:
    mint = rpc.create_mint(rpc.funded())
    config = RpcAccountInfoConfig(UiAccountEncoding.Base64, UiDataSliceConfig(36, 8))
    resp = GetAccountInfoResp.from_json(rpc.post(GetAccountInfo(mint, config).to_json()))
    assert isinstance(resp, GetAccountInfoResp) and resp.value is not None
    assert resp.value.data == bytes(rpc.bank.get_account(mint).data)[36:44]  # type: ignore[union-attr]


def test_get_account_info_refuses_base58_over_128_bytes(rpc: RpcHarness) -> None:
    owner = rpc.funded()
    ata = rpc.token_account_with(owner, rpc.create_mint(owner), owner.pubkey(), 5)
    config = RpcAccountInfoConfig(encoding=UiAccountEncoding.Base58)
    resp = GetAccountInfoResp.from_json(rpc.post(GetAccountInfo(ata, config).to_json()))
    assert isinstance(resp, InvalidRequestMessage)
    assert "base 58" in resp.message


def test_get_account_info_json_parsed_decodes_a_token_account(rpc: RpcHarness) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner, decimals=6)
    ata = rpc.token_account_with(owner, mint, owner.pubkey(), 1_500_000)
    config = RpcAccountInfoConfig(encoding=UiAccountEncoding.JsonParsed)
    resp = GetAccountInfoJsonParsedResp.from_json(rpc.post(GetAccountInfo(ata, config).to_json()))
    assert isinstance(resp, GetAccountInfoJsonParsedResp) and resp.value is not None
    parsed = resp.value.data.parsed
    assert resp.value.data.program == "spl-token"
    assert parsed["type"] == "account"
    assert parsed["info"]["mint"] == str(mint)
    assert parsed["info"]["owner"] == str(owner.pubkey())
    assert parsed["info"]["state"] == "initialized"
    assert parsed["info"]["tokenAmount"] == {
        "amount": "1500000",
        "decimals": 6,
        "uiAmount": 1.5,
        "uiAmountString": "1.5",
    }


def test_json_parsed_with_a_data_slice_is_an_invalid_request(rpc: RpcHarness) -> None:
    config = RpcAccountInfoConfig(UiAccountEncoding.JsonParsed, UiDataSliceConfig(0, 8))
    resp = GetAccountInfoResp.from_json(rpc.post(GetAccountInfo(Pubkey.new_unique(), config).to_json()))
    assert isinstance(resp, InvalidRequestMessage)


@pytest.mark.parametrize("bad_key", ["not-base58!", "1111", "4" * 60, 7])
def test_a_bad_pubkey_is_invalid_params(rpc: RpcHarness, bad_key: object) -> None:
    resp = GetAccountInfoResp.from_json(rpc.call("getAccountInfo", bad_key))
    assert isinstance(resp, InvalidParamsMessage)


def test_min_context_slot_ahead_of_the_bank_is_refused_with_the_bank_slot(rpc: RpcHarness) -> None:
    body = rpc.call("getBalance", str(Pubkey.new_unique()), {"minContextSlot": rpc.bank.slot + 5})
    resp = GetBalanceResp.from_json(body)
    assert isinstance(resp, MinContextSlotNotReachedMessage)
    assert resp.data.context_slot == rpc.bank.slot


def test_get_multiple_accounts_answers_in_order_with_null_for_missing(rpc: RpcHarness) -> None:
    payer = rpc.funded()
    missing = Pubkey.new_unique()
    resp = GetMultipleAccountsResp.from_json(
        rpc.post(
            GetMultipleAccounts(
                [payer.pubkey(), missing], RpcAccountInfoConfig(UiAccountEncoding.Base64Zstd)
            ).to_json()
        )
    )
    assert isinstance(resp, GetMultipleAccountsResp)
    assert resp.value == [rpc.bank.get_account(payer.pubkey()), None]


def test_get_multiple_accounts_caps_at_100_keys(rpc: RpcHarness) -> None:
    body = rpc.call("getMultipleAccounts", [str(Pubkey.new_unique()) for _ in range(101)])
    resp = GetMultipleAccountsResp.from_json(body)
    assert isinstance(resp, InvalidParamsMessage)


def test_get_balance_of_a_missing_account_is_zero(rpc: RpcHarness) -> None:
    payer = rpc.funded(123_456_789)
    for key, expected in ((payer.pubkey(), 123_456_789), (Pubkey.new_unique(), 0)):
        resp = GetBalanceResp.from_json(rpc.post(GetBalance(key).to_json()))
        assert isinstance(resp, GetBalanceResp)
        assert resp.value == expected


@pytest.mark.parametrize("length, lamports", [(0, 890_880), (82, 1_461_600), (165, 2_039_280)])
def test_minimum_balance_for_rent_exemption_matches_solana(rpc: RpcHarness, length: int, lamports: int) -> None:
    resp = GetMinimumBalanceForRentExemptionResp.from_json(
        rpc.post(GetMinimumBalanceForRentExemption(length).to_json())
    )
    assert isinstance(resp, GetMinimumBalanceForRentExemptionResp)
    assert resp.value == lamports


def test_get_program_accounts_filters_by_data_size_and_memcmp(rpc: RpcHarness) -> None:
    owner, other = rpc.funded(), rpc.funded()
    mint = rpc.create_mint(owner)
    mine = rpc.token_account_with(owner, mint, owner.pubkey(), 10)
    rpc.token_account_with(owner, mint, other.pubkey(), 20)
    config = RpcProgramAccountsConfig(
        RpcAccountInfoConfig(UiAccountEncoding.Base64, commitment=CommitmentLevel.Processed),
        filters=[165, Memcmp(32, bytes(owner.pubkey()))],
    )
    resp = GetProgramAccountsResp.from_json(rpc.post(GetProgramAccounts(TOKEN_PROGRAM_ID, config).to_json()))
    assert isinstance(resp, GetProgramAccountsResp)
    assert [(keyed.pubkey, keyed.account) for keyed in resp.value] == [(mine, rpc.bank.get_account(mine))]


def test_get_program_accounts_with_context_and_a_slice(rpc: RpcHarness) -> None:
    owner = rpc.funded()
    mint = rpc.create_mint(owner)
    config = RpcProgramAccountsConfig(
        RpcAccountInfoConfig(UiAccountEncoding.Base58, UiDataSliceConfig(0, 4)), filters=[82], with_context=True
    )
    resp = GetProgramAccountsWithContextResp.from_json(
        rpc.post(GetProgramAccounts(TOKEN_PROGRAM_ID, config).to_json())
    )
    assert isinstance(resp, GetProgramAccountsWithContextResp)
    assert sorted((str(keyed.pubkey), keyed.account.data) for keyed in resp.value) == sorted(
        (str(key), bytes(rpc.bank.get_account(key).data)[:4])  # type: ignore[union-attr]
        for key in (mint, NATIVE_MINT_ID)  # genesis holds the native mint, as solana-test-validator's does
    )


def test_get_program_accounts_of_a_program_without_accounts_is_empty(rpc: RpcHarness) -> None:
    resp = GetProgramAccountsResp.from_json(rpc.post(GetProgramAccounts(AUTHORIZER_ID).to_json()))
    assert isinstance(resp, GetProgramAccountsResp)
    assert resp.value == []


@pytest.mark.parametrize(
    "filters",
    [
        [{"dataSize": 1}] * 5,
        [{"memcmp": {"offset": 0, "bytes": "1" * 200}}],
        [{"memcmp": {"offset": 0, "bytes": "0OIl"}}],
        [{"memcmp": {"offset": 0, "bytes": "AAAA", "encoding": "hex"}}],
        [{"nonsense": 1}],
    ],
)
def test_get_program_accounts_rejects_bad_filters(rpc: RpcHarness, filters: list[object]) -> None:
    resp = GetProgramAccountsResp.from_json(
        rpc.call("getProgramAccounts", str(TOKEN_PROGRAM_ID), {"filters": filters})
    )
    assert isinstance(resp, InvalidParamsMessage)

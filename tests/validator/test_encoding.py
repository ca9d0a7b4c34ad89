"""base58, raw-block zstd frames (read back by solders' own decoder) and request-body inflation."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey
from solders.rpc.responses import GetAccountInfoResp

from validator.encoding import (
    AccountEncoding,
    BodyTooLarge,
    b58decode,
    b58encode,
    encode_account_data,
    request_body,
)


@given(st.binary(max_size=200))
def test_base58_round_trips(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_base58_matches_solders_for_keys() -> None:
    key = Pubkey.new_unique()
    assert b58encode(bytes(key)) == str(key)
    with pytest.raises(ValueError):
        b58decode("0OIl")


@pytest.mark.parametrize("size", [0, 1, 255, 256, 65_791, 65_792, 128 * 1024, 300_000])
def test_zstd_frames_decode_in_solders(size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    account = {
        "lamports": 1,
        "owner": str(Pubkey.default()),
        "data": encode_account_data(data, AccountEncoding.BASE64_ZSTD),
        "executable": False,
        "rentEpoch": 0,
    }
    body = json.dumps({"jsonrpc": "2.0", "id": 0, "result": {"context": {"slot": 0}, "value": account}})
    resp = GetAccountInfoResp.from_json(body)
    assert isinstance(resp, GetAccountInfoResp) and resp.value is not None
    assert resp.value.data == data


def test_request_bodies_are_inflated_only_when_they_are_gzip() -> None:
    plain = b'{"method":"getSlot"}'
    assert request_body(plain, "gzip", 100) == plain
    assert request_body(gzip.compress(plain), "gzip", 100) == plain
    assert request_body(gzip.compress(plain), "", 100) == gzip.compress(plain)
    assert request_body(b"\x1f\x8bnot really gzip", "gzip", 100) == b"\x1f\x8bnot really gzip"
    with pytest.raises(BodyTooLarge):
        request_body(gzip.compress(bytes(10_000)), "gzip", 100)


def test_base64_account_data_is_plain_base64() -> None:
    assert encode_account_data(b"abc", AccountEncoding.BASE64) == [base64.b64encode(b"abc").decode(), "base64"]

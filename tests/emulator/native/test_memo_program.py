"""The SPL Memo programs (v1 and v3) behave as the real ones LiteSVM runs: UTF-8 check, signer check, logs."""

from __future__ import annotations

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from emulator.native.memo import MEMO_V1_PROGRAM_ID, MEMO_V3_PROGRAM_ID
from tests.emulator.litesvm_oracle import DualChain

MEMOS = [b"hello", 'hé "quoted"\n\ttab'.encode(), "🦖".encode(), b"", b"\xff\xfe", b"ok\x00\x07"]


@pytest.mark.parametrize("memo", MEMOS)
def test_memo_v3_matches_the_real_program(memo: bytes) -> None:
    chain = DualChain()
    payer, cosigner = chain.new_funded(), Keypair()
    signed = Instruction(
        MEMO_V3_PROGRAM_ID,
        memo,
        [AccountMeta(payer.pubkey(), True, True), AccountMeta(cosigner.pubkey(), True, False)],
    )
    chain.assert_same(chain.sign([signed], payer, cosigner), [payer.pubkey()])


@pytest.mark.parametrize("memo", MEMOS)
def test_memo_v1_matches_the_real_program(memo: bytes) -> None:
    """Without accounts: LiteSVM loads v1 (a BPFLoader1 program on real clusters) with the loader-2 input
    layout, so with accounts its real v1 reads the wrong bytes as the memo."""
    chain = DualChain()
    payer = chain.new_funded()
    chain.assert_same(chain.sign([Instruction(MEMO_V1_PROGRAM_ID, memo, [])], payer), [payer.pubkey()])


def test_memo_v3_refuses_an_account_that_did_not_sign() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    unsigned = Instruction(MEMO_V3_PROGRAM_ID, b"x", [AccountMeta(Pubkey.new_unique(), False, False)])
    err = chain.assert_same(chain.sign([unsigned], payer), [payer.pubkey()])
    assert err == '{"InstructionError":[0,"MissingRequiredSignature"]}'


def test_memo_v1_checks_only_the_text() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    bad = Instruction(MEMO_V1_PROGRAM_ID, b"\xff", [AccountMeta(Pubkey.new_unique(), False, False)])
    good = Instruction(MEMO_V1_PROGRAM_ID, b"fine", [AccountMeta(Pubkey.new_unique(), False, False)])
    assert chain.bank.send_transaction(chain.sign([good], payer)).err is None
    result = chain.bank.send_transaction(chain.sign([bad], payer))
    assert result.err is not None and "InvalidInstructionData" in str(result.err)


def test_v3_logs_the_signers_and_the_memo_as_rust_debug_text() -> None:
    chain = DualChain()
    payer = chain.new_funded()
    ours, _ = chain.send(
        chain.sign([Instruction(MEMO_V3_PROGRAM_ID, b'say "hi"', [AccountMeta(payer.pubkey(), True, True)])], payer)
    )
    assert ours.logs[1:3] == (f"Program log: Signed by {payer.pubkey()}", 'Program log: Memo (len 8): "say \\"hi\\""')

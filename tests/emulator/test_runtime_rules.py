"""The runtime enforces Solana's rules on what a program may do, with Solana's errors."""

from __future__ import annotations

import base64

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from emulator import Bank
from emulator.errors import transaction_error_json
from tests.emulator.toy_programs import MISCHIEF, MISCHIEF_ID, Act, vault_address

SOL = 1_000_000_000


@pytest.fixture
def bank() -> Bank:
    return Bank([MISCHIEF])


def funded(bank: Bank, lamports: int = 10 * SOL) -> Keypair:
    keypair = Keypair()
    bank.airdrop(keypair.pubkey(), lamports)
    return keypair


def owned_account(bank: Bank, owner: Pubkey, size: int = 8) -> Pubkey:
    key = Pubkey.new_unique()
    bank.set_account(key, Account(bank.minimum_balance_for_rent_exemption(size), bytes(size), owner, False, 0))
    return key


def run(bank: Bank, payer: Keypair, act: Act, metas: list[AccountMeta], *signers: Keypair) -> str | None:
    ix = Instruction(MISCHIEF_ID, bytes([act]), metas)
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer, *signers], bank.latest_blockhash())
    result = bank.send_transaction(tx)
    return None if result.err is None else transaction_error_json(result.err)


def snapshot(bank: Bank, *keys: Pubkey) -> list[Account | None]:
    return [bank.get_account(key) for key in keys]


def test_debiting_an_account_the_program_does_not_own_fails(bank: Bank) -> None:
    payer, victim = funded(bank), funded(bank)
    before = snapshot(bank, victim.pubkey())
    err = run(
        bank,
        payer,
        Act.DEBIT_FOREIGN,
        [AccountMeta(victim.pubkey(), False, True), AccountMeta(payer.pubkey(), False, True)],
    )
    assert err == '{"InstructionError":[0,"ExternalAccountLamportSpend"]}'
    assert snapshot(bank, victim.pubkey()) == before


def test_writing_a_readonly_account_fails_even_for_its_owner(bank: Bank) -> None:
    payer = funded(bank)
    account = owned_account(bank, MISCHIEF_ID)
    err = run(bank, payer, Act.WRITE_READONLY, [AccountMeta(account, False, False)])
    assert err == '{"InstructionError":[0,"ReadonlyDataModified"]}'
    assert run(bank, payer, Act.WRITE_OWNED, [AccountMeta(account, False, True)]) is None
    assert bank.get_account(account).data[0] == 0xFF


def test_writing_data_of_a_foreign_account_fails(bank: Bank) -> None:
    payer = funded(bank)
    account = owned_account(bank, Pubkey.new_unique())
    err = run(bank, payer, Act.WRITE_OWNED, [AccountMeta(account, False, True)])
    assert err == '{"InstructionError":[0,"ExternalAccountDataModified"]}'


def test_cpi_cannot_forge_a_signature(bank: Bank) -> None:
    payer, victim = funded(bank), funded(bank)
    before = snapshot(bank, victim.pubkey())
    err = run(
        bank,
        payer,
        Act.CPI_FAKE_SIGNER,
        [
            AccountMeta(victim.pubkey(), False, True),
            AccountMeta(payer.pubkey(), False, True),
            AccountMeta(Pubkey.default(), False, False),
        ],
    )
    assert err == '{"InstructionError":[0,"PrivilegeEscalation"]}'
    assert snapshot(bank, victim.pubkey()) == before


def test_cpi_cannot_make_a_readonly_account_writable(bank: Bank) -> None:
    payer = funded(bank)
    account = owned_account(bank, MISCHIEF_ID)
    err = run(
        bank,
        payer,
        Act.CPI_FAKE_WRITABLE,
        [AccountMeta(account, False, False), AccountMeta(MISCHIEF_ID, False, False)],
    )
    assert err == '{"InstructionError":[0,"PrivilegeEscalation"]}'


def test_cpi_signs_for_the_programs_pda(bank: Bank) -> None:
    payer = funded(bank)
    vault = vault_address()
    bank.airdrop(vault, SOL)
    err = run(
        bank,
        payer,
        Act.CPI_PDA_TRANSFER,
        [
            AccountMeta(vault, False, True),
            AccountMeta(payer.pubkey(), False, True),
            AccountMeta(Pubkey.default(), False, False),
        ],
    )
    assert err is None
    assert bank.get_balance(vault) == SOL - 1_000


def test_cpi_without_the_callee_among_the_accounts_is_missing_account(bank: Bank) -> None:
    payer = funded(bank)
    vault = vault_address()
    bank.airdrop(vault, SOL)
    err = run(
        bank, payer, Act.CPI_PDA_TRANSFER, [AccountMeta(vault, False, True), AccountMeta(payer.pubkey(), False, True)]
    )
    assert err == '{"InstructionError":[0,"MissingAccount"]}'


def test_cpi_depth_is_limited_to_four_nested_calls(bank: Bank) -> None:
    payer = funded(bank)
    ix = Instruction(MISCHIEF_ID, bytes([Act.RECURSE]), [AccountMeta(MISCHIEF_ID, False, False)])
    tx = Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    result = bank.send_transaction(tx)
    assert transaction_error_json(result.err) == '{"InstructionError":[0,"CallDepth"]}'
    assert f"Program {MISCHIEF_ID} invoke [5]" in result.logs
    assert f"Program {MISCHIEF_ID} invoke [6]" not in result.logs


def test_creating_lamports_is_unbalanced(bank: Bank) -> None:
    payer = funded(bank)
    account = owned_account(bank, MISCHIEF_ID)
    assert run(bank, payer, Act.MINT_LAMPORTS, [AccountMeta(account, False, True)]) == (
        '{"InstructionError":[0,"UnbalancedInstruction"]}'
    )


def test_assigning_a_foreign_account_is_modified_program_id(bank: Bank) -> None:
    payer, other = funded(bank), funded(bank)
    assert run(bank, payer, Act.STEAL_OWNERSHIP, [AccountMeta(other.pubkey(), True, True)], other) == (
        '{"InstructionError":[0,"ModifiedProgramId"]}'
    )


def test_a_python_exception_in_a_program_is_a_failed_program_not_a_crash(bank: Bank) -> None:
    payer = funded(bank)
    ix = Instruction(MISCHIEF_ID, bytes([Act.PANIC]), [])
    result = bank.send_transaction(
        Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    )
    assert transaction_error_json(result.err) == '{"InstructionError":[0,"ProgramFailedToComplete"]}'
    assert "Program log: panicked: ZeroDivisionError: division by zero" in result.logs


def test_growing_data_past_10_kib_in_one_instruction_is_invalid_realloc(bank: Bank) -> None:
    payer = funded(bank)
    account = owned_account(bank, MISCHIEF_ID)
    assert run(bank, payer, Act.GROW_TOO_MUCH, [AccountMeta(account, False, True)]) == (
        '{"InstructionError":[0,"InvalidRealloc"]}'
    )


def test_logs_are_framed_as_solana_frames_them(bank: Bank) -> None:
    payer = funded(bank)
    ix = Instruction(MISCHIEF_ID, bytes([Act.RETURN_AND_EMIT]), [])
    result = bank.send_transaction(
        Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    )
    assert result.err is None
    assert result.logs[0] == f"Program {MISCHIEF_ID} invoke [1]"
    assert result.logs[1] == "Program log: emitting"
    assert (
        result.logs[2]
        == f"Program data: {base64.b64encode(b'event').decode()} {base64.b64encode(bytes([1, 2])).decode()}"
    )
    assert result.logs[3] == f"Program return: {MISCHIEF_ID} {base64.b64encode(b'answer').decode()}"
    assert result.logs[4].startswith(f"Program {MISCHIEF_ID} consumed ")
    assert result.logs[5] == f"Program {MISCHIEF_ID} success"
    assert result.return_data == (MISCHIEF_ID, b"answer")


def test_custom_error_log_line_is_what_anchorpy_parses(bank: Bank) -> None:
    payer = funded(bank)
    ix = Instruction(MISCHIEF_ID, bytes([Act.FAIL_CUSTOM]), [])
    result = bank.send_transaction(
        Transaction.new_signed_with_payer([ix], payer.pubkey(), [payer], bank.latest_blockhash())
    )
    assert transaction_error_json(result.err) == '{"InstructionError":[0,{"Custom":42}]}'
    assert result.logs[-1] == f"Program {MISCHIEF_ID} failed: custom program error: 0x2a"


def test_a_failing_second_instruction_rolls_back_the_first_except_the_fee(bank: Bank) -> None:
    payer = funded(bank)
    target = Pubkey.new_unique()
    ok = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=SOL))
    failing = Instruction(MISCHIEF_ID, bytes([Act.FAIL_CUSTOM]), [])
    before = bank.get_balance(payer.pubkey())
    tx = Transaction.new_signed_with_payer([ok, failing], payer.pubkey(), [payer], bank.latest_blockhash())
    result = bank.send_transaction(tx)
    assert transaction_error_json(result.err) == '{"InstructionError":[1,{"Custom":42}]}'
    assert bank.get_account(target) is None
    assert bank.get_balance(payer.pubkey()) == before - 5_000

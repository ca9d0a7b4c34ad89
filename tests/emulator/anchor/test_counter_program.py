"""The toy counter, declared with emulator.anchor, runs in the Bank driven by anchorpy-built transactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from anchorpy.error import ProgramError as AnchorpyProgramError
from anchorpy.program.context import Context
from anchorpy.program.core import _parse_idl_errors
from anchorpy.program.event import EventParser
from solders.instruction import AccountMeta
from solders.instruction import Instruction as SoldersInstruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from emulator import Bank, TransactionResult
from emulator.anchor import U64, decode, encode
from emulator.anchor.borsh import borsh_type
from emulator.anchor.discriminator import account_discriminator
from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.errors import custom_error_code
from tests.emulator.anchor.anchorpy_bridge import anchorpy_program, to_anchorpy
from tests.emulator.anchor.counter_program import (
    COUNTER_SPACE,
    INCREMENT,
    PROGRAM_ID,
    Counter,
    Inner,
    Mode,
    Settings,
    counter_address,
    program_spec,
)

PROGRAM = anchorpy_program()


@dataclass
class Chain:
    bank: Bank
    payer: Keypair
    authority: Keypair

    def send(self, ix: SoldersInstruction, *signers: Keypair) -> TransactionResult:
        self.bank.expire_blockhash()  # identical retries must not collide in the status cache
        message = Message.new_with_blockhash([ix], self.payer.pubkey(), self.bank.latest_blockhash())
        return self.bank.send_transaction(VersionedTransaction(message, [self.payer, *signers]))

    def call(
        self, name: str, *args: Any, accounts: dict[str, Pubkey], signers: tuple[Keypair, ...] = ()
    ) -> TransactionResult:
        return self.send(PROGRAM.instruction[name](*args, ctx=Context(accounts=dict(accounts))), *signers)

    def initialize(self, start: int, counter: Pubkey | None = None) -> TransactionResult:
        authority = self.authority.pubkey()
        return self.call(
            "initialize",
            start,
            accounts={
                "payer": self.payer.pubkey(),
                "authority": authority,
                "counter": counter or counter_address(authority),
                "system_program": SYSTEM_PROGRAM_ID,
            },
        )

    def increment(self, amount: int, authority: Keypair | None = None) -> TransactionResult:
        signer = authority or self.authority
        counter = counter_address(self.authority.pubkey())
        return self.call(
            "increment_by", amount, accounts={"counter": counter, "authority": signer.pubkey()}, signers=(signer,)
        )

    def counter(self) -> Counter:
        account = self.bank.get_account(counter_address(self.authority.pubkey()))
        assert account is not None and account.owner == PROGRAM_ID
        assert account.data[:8] == account_discriminator("Counter")
        return decode(Counter, account.data[8 : 8 + 41])


@pytest.fixture
def chain() -> Chain:
    bank = Bank()
    bank.add_program(program_spec())
    payer, authority = Keypair(), Keypair()
    bank.airdrop(payer.pubkey(), 10**10)
    bank.airdrop(authority.pubkey(), 10**9)
    return Chain(bank, payer, authority)


def increment_metas(chain: Chain) -> list[AccountMeta]:
    """The account metas anchorpy builds for ``increment_by``, to be tampered with."""
    accounts = {"counter": counter_address(chain.authority.pubkey()), "authority": chain.authority.pubkey()}
    return list(PROGRAM.instruction["increment_by"](1, ctx=Context(accounts=accounts)).accounts)


def increment_ix(metas: list[AccountMeta]) -> SoldersInstruction:
    return SoldersInstruction(PROGRAM_ID, INCREMENT.discriminator + encode(U64, 1), metas)


def anchor_log(result: TransactionResult) -> str:
    return next(line for line in result.logs if line.startswith("Program log: AnchorError"))


def test_initialize_creates_the_pda_through_the_system_program(chain: Chain) -> None:
    result = chain.initialize(5)
    assert result.err is None, result.logs
    counter = chain.counter()
    assert (counter.authority, counter.count) == (chain.authority.pubkey(), 5)
    assert counter.bump == Pubkey.find_program_address([b"counter", bytes(chain.authority.pubkey())], PROGRAM_ID)[1]
    account = chain.bank.get_account(counter_address(chain.authority.pubkey()))
    assert account is not None
    assert account.lamports == chain.bank.minimum_balance_for_rent_exemption(COUNTER_SPACE)
    assert result.logs[:5] == [
        f"Program {PROGRAM_ID} invoke [1]",
        "Program log: Instruction: Initialize",
        f"Program {SYSTEM_PROGRAM_ID} invoke [2]",
        f"Program {SYSTEM_PROGRAM_ID} success",
        result.logs[4],
    ]
    assert result.logs[-1] == f"Program {PROGRAM_ID} success"


def test_increment_updates_the_state_and_emits_an_event_anchorpy_parses(chain: Chain) -> None:
    chain.initialize(5)
    result = chain.increment(3)
    assert result.err is None, result.logs
    assert chain.counter().count == 8
    events: list[Any] = []
    EventParser(PROGRAM_ID, PROGRAM.coder).parse_logs(result.logs, events.append)
    assert [(event.name, event.data.new_count, event.data.by) for event in events] == [
        ("Incremented", 8, chain.authority.pubkey())
    ]


def test_a_user_error_rolls_back_and_reports_custom_with_anchor_logs(chain: Chain) -> None:
    chain.initialize(5)
    result = chain.increment(2**64 - 5)
    assert custom_error_code(result.err) == 6000
    assert result.err is not None
    assert chain.counter().count == 5
    assert anchor_log(result) == (
        "Program log: AnchorError occurred. Error Code: Overflow. Error Number: 6000. "
        "Error Message: Counter would overflow."
    )
    assert f"Program {PROGRAM_ID} failed: custom program error: 0x1770" in result.logs
    parsed = AnchorpyProgramError.parse_tx_error(result.err, _parse_idl_errors(PROGRAM.idl), PROGRAM_ID, result.logs)
    assert parsed is not None and (parsed.code, parsed.msg) == (6000, "Counter would overflow")


def test_another_signer_is_not_the_authority(chain: Chain) -> None:
    chain.initialize(5)
    intruder = Keypair()
    chain.bank.airdrop(intruder.pubkey(), 10**9)
    assert custom_error_code(chain.increment(1, authority=intruder).err) == 6001


def test_an_unsigned_authority_is_account_not_signer(chain: Chain) -> None:
    chain.initialize(5)
    ix = PROGRAM.instruction["increment_by"](
        1,
        ctx=Context(
            accounts={"counter": counter_address(chain.authority.pubkey()), "authority": chain.authority.pubkey()}
        ),
    )
    unsigned = SoldersInstruction(
        ix.program_id, ix.data, [ix.accounts[0], AccountMeta(ix.accounts[1].pubkey, False, False)]
    )
    result = chain.send(unsigned)
    assert custom_error_code(result.err) == 3010
    assert anchor_log(result) == (
        "Program log: AnchorError caused by account: authority. Error Code: AccountNotSigner. "
        "Error Number: 3010. Error Message: The given account did not sign."
    )


def test_a_read_only_counter_violates_the_mut_constraint(chain: Chain) -> None:
    chain.initialize(5)
    ix = PROGRAM.instruction["increment_by"](
        1,
        ctx=Context(
            accounts={"counter": counter_address(chain.authority.pubkey()), "authority": chain.authority.pubkey()}
        ),
    )
    read_only = SoldersInstruction(
        ix.program_id, ix.data, [AccountMeta(ix.accounts[0].pubkey, False, False), ix.accounts[1]]
    )
    result = chain.send(read_only, chain.authority)
    assert custom_error_code(result.err) == 2000
    assert "caused by account: counter. Error Code: ConstraintMut" in anchor_log(result)


def test_initialize_at_another_address_violates_the_seeds_constraint(chain: Chain) -> None:
    wrong = Keypair()
    result = chain.initialize(5, counter=wrong.pubkey())
    assert custom_error_code(result.err) == 2006
    at = result.logs.index(anchor_log(result))
    assert result.logs[at : at + 5] == [
        "Program log: AnchorError caused by account: counter. Error Code: ConstraintSeeds. Error Number: 2006. "
        "Error Message: A seeds constraint was violated.",
        "Program log: Left:",
        f"Program log: {wrong.pubkey()}",
        "Program log: Right:",
        f"Program log: {counter_address(chain.authority.pubkey())}",
    ]


def test_initializing_twice_fails_inside_the_system_program(chain: Chain) -> None:
    chain.initialize(5)
    result = chain.initialize(7)
    assert custom_error_code(result.err) == 0  # SystemError::AccountAlreadyInUse
    assert chain.counter().count == 5
    assert not any("AnchorError" in line for line in result.logs)


def test_a_non_counter_account_is_rejected_by_owner_and_discriminator(chain: Chain) -> None:
    chain.initialize(5)
    ix = PROGRAM.instruction["increment_by"](
        1, ctx=Context(accounts={"counter": chain.payer.pubkey(), "authority": chain.authority.pubkey()})
    )
    result = chain.send(ix, chain.authority)
    assert custom_error_code(result.err) == 3007
    assert "caused by account: counter. Error Code: AccountOwnedByWrongProgram" in anchor_log(result)


@pytest.mark.parametrize(
    ("data", "code"), [(b"", 100), (b"\x00" * 8, 101), (bytes.fromhex("afaf6d1f0d989bed05"), 102)]
)
def test_bad_instruction_data(chain: Chain, data: bytes, code: int) -> None:
    assert custom_error_code(chain.send(SoldersInstruction(PROGRAM_ID, data, [])).err) == code


def test_resize_grows_at_the_payers_expense_and_shrinks_with_a_refund(chain: Chain) -> None:
    authority = chain.authority
    chain.payer = authority  # the counter's authority pays for its space
    chain.initialize(5)
    counter = counter_address(authority.pubkey())
    accounts = {"payer": authority.pubkey(), "counter": counter, "system_program": SYSTEM_PROGRAM_ID}
    before = chain.bank.get_balance(authority.pubkey())
    assert chain.call("resize", 200, accounts=accounts).err is None
    grown = chain.bank.get_account(counter)
    assert grown is not None and len(grown.data) == 200 and grown.data[COUNTER_SPACE:] == bytes(200 - COUNTER_SPACE)
    assert grown.lamports == chain.bank.minimum_balance_for_rent_exemption(200)
    assert chain.counter().count == 5
    assert chain.call("resize", COUNTER_SPACE, accounts=accounts).err is None
    assert chain.bank.get_balance(counter) == chain.bank.minimum_balance_for_rent_exemption(COUNTER_SPACE)
    assert chain.bank.get_balance(authority.pubkey()) == before - 2 * 5_000
    assert custom_error_code(chain.call("resize", COUNTER_SPACE + 10_241, accounts=accounts).err) == 3016


def test_close_returns_the_rent_and_removes_the_account(chain: Chain) -> None:
    chain.initialize(5)
    counter = counter_address(chain.authority.pubkey())
    rent = chain.bank.get_balance(counter)
    before = chain.bank.get_balance(chain.authority.pubkey())
    accounts = {"authority": chain.authority.pubkey(), "counter": counter}
    result = chain.call("close", accounts=accounts, signers=(chain.authority,))
    assert result.err is None, result.logs
    assert chain.bank.get_account(counter) is None
    assert chain.bank.get_balance(chain.authority.pubkey()) == before + rent


def test_optional_and_remaining_accounts(chain: Chain) -> None:
    settings = Settings(
        1, -1, 2, -2, 3, 0.5, 0.25, "demo", b"", [], None, [[0, 0]] * 3, Mode.Slow, [], Inner(False, 0)
    )
    extra = AccountMeta(Pubkey.new_unique(), False, False)
    ix = PROGRAM.instruction["configure"](
        to_anchorpy(borsh_type(Settings), settings, PROGRAM),
        "hello",
        [PROGRAM_ID],
        ctx=Context(accounts={"authority": chain.authority.pubkey(), "audit": PROGRAM_ID}, remaining_accounts=[extra]),
    )
    result = chain.send(ix, chain.authority)
    assert result.err is None, result.logs
    assert (
        "Program log: configured demo: 0 shapes, 1 delegates, audit None, 1 more accounts, note hello" in result.logs
    )

"""The generated entry point dispatches, validates accounts and reports errors as Anchor's does."""

from __future__ import annotations

from typing import Any

import pytest
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorCustom

from emulator.account import AccountInfo
from emulator.anchor import (
    U64,
    Accounts,
    AnchorError,
    ErrorCode,
    Instruction,
    InstructionAccount,
    ProgramInterface,
    encode,
    entrypoint,
    instruction_discriminator,
)
from tests.emulator.anchor.counter_program import CLOSE, INCREMENT, INTERFACE, PROGRAM_ID, CounterError
from tests.emulator.anchor.fakes import RecordingContext, info


class Probe:
    """A program with one instruction whose handler records what it was given, or raises what it is told."""

    def __init__(self, *accounts: InstructionAccount, raises: AnchorError | None = None) -> None:
        self.calls: list[tuple[Accounts, int]] = []
        self.raises = raises
        self.interface = ProgramInterface(
            "probe", "0.1.0", instructions=(Instruction("poke", accounts, {"amount": U64}, self.handler),)
        )

    def handler(self, ctx: Any, accounts: Accounts, amount: int) -> None:
        self.calls.append((accounts, amount))
        if self.raises is not None:
            raise self.raises

    def run(self, infos: list[AccountInfo], data: bytes | None = None) -> RecordingContext:
        ctx = RecordingContext()
        entrypoint(self.interface)(ctx, infos, data if data is not None else probe_data())
        return ctx


def failure(probe: Probe, infos: list[AccountInfo], data: bytes | None = None) -> tuple[AnchorError, list[str]]:
    ctx = RecordingContext()
    with pytest.raises(AnchorError) as caught:
        entrypoint(probe.interface)(ctx, infos, data if data is not None else probe_data())
    return caught.value, ctx.logs


def probe_data(amount: int = 7) -> bytes:
    return instruction_discriminator("poke") + encode(U64, amount)


def anchor_line(name: str, number: int, message: str, account: str | None = None) -> str:
    origin = f"AnchorError caused by account: {account}." if account else "AnchorError occurred."
    return f"{origin} Error Code: {name}. Error Number: {number}. Error Message: {message}."


def test_the_handler_gets_named_accounts_remaining_accounts_and_typed_args() -> None:
    probe = Probe(InstructionAccount("counter", mut=True), InstructionAccount("authority", signer=True))
    counter, authority, extra = info(writable=True), info(signer=True), info()
    ctx = probe.run([counter, authority, extra])
    accounts, amount = probe.calls[0]
    assert (accounts.counter, accounts.authority, accounts.remaining_accounts, amount) == (
        counter,
        authority,
        [extra],
        7,
    )
    assert ctx.logs == ["Instruction: Poke"]


def test_bytes_after_the_arguments_are_ignored_as_anchor_ignores_them() -> None:
    probe = Probe()
    probe.run([], probe_data(9) + b"\xff\xff")
    assert probe.calls[0][1] == 9


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ErrorCode.InstructionMissing),
        (b"\x01" * 7, ErrorCode.InstructionMissing),
        (b"\x00" * 8, ErrorCode.InstructionFallbackNotFound),
        (instruction_discriminator("poke") + b"\x01\x02", ErrorCode.InstructionDidNotDeserialize),
    ],
)
def test_instruction_data_errors(data: bytes, code: ErrorCode) -> None:
    probe = Probe()
    err, logs = failure(probe, [], data)
    assert err.code == code.value
    assert err.as_instruction_error() == InstructionErrorCustom(code.value)
    assert logs[-1] == anchor_line(code.name, code.value, code.message)
    assert not probe.calls


def test_fallback_not_found_logs_the_anchor_line_exactly() -> None:
    _, logs = failure(Probe(), [], b"\x00" * 8)
    assert logs == [
        "AnchorError occurred. Error Code: InstructionFallbackNotFound. Error Number: 101. "
        "Error Message: Fallback functions are not supported."
    ]


def test_missing_accounts_name_the_first_missing_one() -> None:
    probe = Probe(InstructionAccount("payer", signer=True), InstructionAccount("authority"))
    err, logs = failure(probe, [info(signer=True)])
    assert err.code == 3005
    assert logs[-1] == anchor_line(
        "AccountNotEnoughKeys", 3005, "Not enough account keys given to the instruction", "authority"
    )


def test_an_unsigned_signer_account_is_account_not_signer() -> None:
    probe = Probe(InstructionAccount("authority", signer=True))
    err, logs = failure(probe, [info()])
    assert err.code == 3010
    assert logs[-1] == anchor_line("AccountNotSigner", 3010, "The given account did not sign", "authority")


def test_a_read_only_mut_account_is_constraint_mut() -> None:
    probe = Probe(InstructionAccount("counter", mut=True))
    err, logs = failure(probe, [info(signer=True)])
    assert err.code == 2000
    assert logs[-1] == anchor_line("ConstraintMut", 2000, "A mut constraint was violated", "counter")


def test_signers_are_checked_while_taking_accounts_before_any_mut_constraint() -> None:
    probe = Probe(InstructionAccount("counter", mut=True), InstructionAccount("authority", signer=True))
    err, _ = failure(probe, [info(), info()])
    assert err.code == 3010


def test_an_absent_optional_account_is_none_and_constraints_on_it_fail() -> None:
    probe = Probe(InstructionAccount("audit", mut=True, optional=True))
    probe.run([info(key=PROGRAM_ID)])
    accounts, _ = probe.calls[0]
    assert accounts.maybe("audit") is None
    with pytest.raises(AnchorError) as caught:
        accounts.audit  # noqa: B018
    assert caught.value.code == ErrorCode.ConstraintAccountIsNone.value


def test_a_handler_error_about_an_account_key_is_logged_with_the_declared_name() -> None:
    counter = info(writable=True)
    expected = Pubkey.new_unique()
    probe = Probe(
        InstructionAccount("counter", mut=True),
        raises=AnchorError(ErrorCode.ConstraintSeeds, account=counter.key, compared=(counter.key, expected)),
    )
    _, logs = failure(probe, [counter])
    assert logs[1:] == [
        anchor_line("ConstraintSeeds", 2006, "A seeds constraint was violated", "counter"),
        "Left:",
        str(counter.key),
        "Right:",
        str(expected),
    ]


def test_user_errors_carry_their_code_and_message() -> None:
    err, logs = failure(Probe(raises=AnchorError(CounterError.Overflow)), [])
    assert err.as_instruction_error() == InstructionErrorCustom(6000)
    assert logs[-1] == anchor_line("Overflow", 6000, "Counter would overflow")


def test_a_user_error_without_a_message_is_reported_by_name() -> None:
    _, logs = failure(Probe(raises=AnchorError(CounterError.Unexplained)), [])
    assert logs[-1] == anchor_line("Unexplained", 6002, "Unexplained")


def test_an_error_already_logged_by_an_invoked_program_is_not_logged_again() -> None:
    nested = AnchorError(CounterError.Overflow)
    nested.logged = True
    _, logs = failure(Probe(raises=nested), [])
    assert logs == ["Instruction: Poke"]


def test_compared_values_that_are_not_keys_are_logged_inline() -> None:
    err = AnchorError(ErrorCode.RequireGteViolated, compared=(1, 2))
    assert err.log_lines()[1:] == ["Left: 1", "Right: 2"]


def test_the_counter_interface_rejects_duplicate_declarations() -> None:
    with pytest.raises(ValueError, match="same discriminator"):
        ProgramInterface("twice", "0.1.0", instructions=INTERFACE.instructions * 2)
    with pytest.raises(ValueError, match="account name twice"):
        Instruction("poke", (InstructionAccount("a"), InstructionAccount("a")), {}, Probe().handler)
    with pytest.raises(ValueError, match="round-trips"):
        Instruction("Poke", (), {}, Probe().handler)


def test_an_instruction_is_found_by_its_declared_name() -> None:
    assert INTERFACE.instruction("increment_by") is INCREMENT
    assert INTERFACE.instruction("close") is CLOSE
    with pytest.raises(KeyError, match="program counter has no instruction .increment."):
        INTERFACE.instruction("increment")


def test_accounts_read_as_attributes_and_the_class_keeps_its_own_names() -> None:
    user, spare, shadowed = info(signer=True), info(), info()
    accounts = Accounts({"user": user, "absent": None, "maybe": shadowed, "remaining_accounts": spare}, [spare])
    assert accounts.user is user
    assert accounts.remaining_accounts == [spare]  # a declared name never hides the handler's remaining accounts
    assert accounts.maybe("maybe") is shadowed and accounts.maybe("absent") is None
    with pytest.raises(AnchorError) as caught:
        _ = accounts.absent
    assert caught.value.code == ErrorCode.ConstraintAccountIsNone.value
    with pytest.raises(AttributeError):
        _ = accounts.undeclared

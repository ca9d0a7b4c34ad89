"""A stand-in invoke context and account infos for exercising Anchor helpers without a bank."""

from __future__ import annotations

from collections.abc import Sequence

from solders.clock import Clock
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.rent import Rent

from emulator.account import Account, AccountInfo
from tests.emulator.anchor.counter_program import PROGRAM_ID


class RecordingContext:
    """The syscalls a dispatcher uses, recording the log; a CPI is not expected here."""

    program_id = PROGRAM_ID
    stack_height = 1
    clock = Clock(0, 0, 0, 0, 0)
    rent = Rent.default()

    def __init__(self) -> None:
        self.logs: list[str] = []

    def log(self, message: str) -> None:
        self.logs.append(message)

    def log_data(self, *chunks: bytes) -> None:
        self.logs.append("data")

    def runtime_message(self, message: str) -> None:
        self.logs.append(message)

    def consume_units(self, units: int) -> None:
        pass

    def set_return_data(self, data: bytes) -> None:
        pass

    def get_return_data(self) -> tuple[Pubkey, bytes] | None:
        return None

    def invoke(self, instruction: Instruction, signer_seeds: Sequence[Sequence[bytes]] = ()) -> None:
        raise AssertionError("no CPI expected")


def info(
    signer: bool = False,
    writable: bool = False,
    key: Pubkey | None = None,
    *,
    lamports: int = 1_000_000,
    data: bytes = b"",
    owner: Pubkey | None = None,
) -> AccountInfo:
    account = Account(lamports, bytearray(data)) if owner is None else Account(lamports, bytearray(data), owner)
    return AccountInfo(key or Pubkey.new_unique(), signer, writable, account)

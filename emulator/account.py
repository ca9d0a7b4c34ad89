"""Accounts as the runtime stores them, and the view a program gets of one during an instruction."""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.account import Account as SoldersAccount
from solders.pubkey import Pubkey

from emulator.constants import MAX_PERMITTED_DATA_LENGTH, SYSTEM_PROGRAM_ID
from emulator.errors import InstructionErrorFieldless, InstructionFailure


@dataclass(slots=True)
class Account:
    """A mutable account: the runtime copies these per transaction so a failure can be rolled back."""

    lamports: int
    data: bytearray = field(default_factory=bytearray)
    owner: Pubkey = SYSTEM_PROGRAM_ID
    executable: bool = False
    rent_epoch: int = 0

    def copy(self) -> Account:
        return Account(self.lamports, bytearray(self.data), self.owner, self.executable, self.rent_epoch)

    def to_solders(self) -> SoldersAccount:
        return SoldersAccount(self.lamports, bytes(self.data), self.owner, self.executable, self.rent_epoch)

    @classmethod
    def from_solders(cls, account: SoldersAccount) -> Account:
        return cls(account.lamports, bytearray(account.data), account.owner, account.executable, account.rent_epoch)


class AccountInfo:
    """One instruction account as a program sees it: the key, its privileges and the live account.

    The account object is shared with the transaction's working set, so what a program writes is
    what the next instruction (or the caller after a CPI) sees; the runtime checks the changes
    against the privileges when the instruction returns.
    """

    __slots__ = ("key", "is_signer", "is_writable", "account")

    def __init__(self, key: Pubkey, is_signer: bool, is_writable: bool, account: Account) -> None:
        self.key = key
        self.is_signer = is_signer
        self.is_writable = is_writable
        self.account = account

    @property
    def lamports(self) -> int:
        return self.account.lamports

    @lamports.setter
    def lamports(self, value: int) -> None:
        self.account.lamports = value

    @property
    def data(self) -> bytearray:
        return self.account.data

    @property
    def owner(self) -> Pubkey:
        return self.account.owner

    @owner.setter
    def owner(self, value: Pubkey) -> None:
        self.account.owner = value

    @property
    def executable(self) -> bool:
        return self.account.executable

    def realloc(self, new_len: int) -> None:
        """Resize the data in place, zero-filling growth; the runtime bounds growth per instruction."""
        if not 0 <= new_len <= MAX_PERMITTED_DATA_LENGTH:
            raise InstructionFailure(InstructionErrorFieldless.InvalidRealloc)
        data = self.account.data
        if new_len < len(data):
            del data[new_len:]
        else:
            data.extend(bytes(new_len - len(data)))

    def __repr__(self) -> str:
        flags = ("s" if self.is_signer else "") + ("w" if self.is_writable else "")
        return f"AccountInfo({self.key}, {flags or 'r'}, {self.account.lamports} lamports)"

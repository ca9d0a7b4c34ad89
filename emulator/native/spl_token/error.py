"""The SPL Token program's own errors, numbered and worded as ``spl_token::error::TokenError``.

A failing instruction reports ``InstructionError::Custom(code)``; the program also logs the
``Error: ...`` line its entry point prints (the wording of ``TokenError``'s ``PrintProgramError``).
"""

from __future__ import annotations

from enum import IntEnum

from emulator.errors import CustomError


class TokenError(IntEnum):
    """Codes in declaration order: the numbers are the wire format, never renumber."""

    NotRentExempt = 0
    InsufficientFunds = 1
    InvalidMint = 2
    MintMismatch = 3
    OwnerMismatch = 4
    FixedSupply = 5
    AlreadyInUse = 6
    InvalidNumberOfProvidedSigners = 7
    InvalidNumberOfRequiredSigners = 8
    UninitializedState = 9
    NativeNotSupported = 10
    NonNativeHasBalance = 11
    InvalidInstruction = 12
    InvalidState = 13
    Overflow = 14
    AuthorityTypeNotSupported = 15
    MintCannotFreeze = 16
    AccountFrozen = 17
    MintDecimalsMismatch = 18
    NonNativeNotSupported = 19

    @property
    def log_message(self) -> str:
        """The line the real program logs (after ``Program log: ``) when it fails with this error."""
        return _LOG_MESSAGES[self]

    def error(self) -> TokenProgramError:
        """The exception to raise for this error."""
        return TokenProgramError(self)


class TokenProgramError(CustomError):
    """``Custom(code)`` carrying which :class:`TokenError` it is, so the entry point can log its text."""

    def __init__(self, token_error: TokenError) -> None:
        super().__init__(int(token_error), token_error.log_message)
        self.token_error = token_error


_LOG_MESSAGES: dict[TokenError, str] = {
    TokenError.NotRentExempt: "Error: Lamport balance below rent-exempt threshold",
    TokenError.InsufficientFunds: "Error: insufficient funds",
    TokenError.InvalidMint: "Error: Invalid Mint",
    TokenError.MintMismatch: "Error: Account not associated with this Mint",
    TokenError.OwnerMismatch: "Error: owner does not match",
    TokenError.FixedSupply: "Error: the total supply of this token is fixed",
    TokenError.AlreadyInUse: "Error: account or token already in use",
    TokenError.InvalidNumberOfProvidedSigners: "Error: Invalid number of provided signers",
    TokenError.InvalidNumberOfRequiredSigners: "Error: Invalid number of required signers",
    TokenError.UninitializedState: "Error: State is uninitialized",
    TokenError.NativeNotSupported: "Error: Instruction does not support native tokens",
    TokenError.NonNativeHasBalance: "Error: Non-native account can only be closed if its balance is zero",
    TokenError.InvalidInstruction: "Error: Invalid instruction",
    TokenError.InvalidState: "Error: Invalid account state for operation",
    TokenError.Overflow: "Error: Operation overflowed",
    TokenError.AuthorityTypeNotSupported: "Error: Account does not support specified authority type",
    TokenError.MintCannotFreeze: "Error: This token mint cannot freeze accounts",
    TokenError.AccountFrozen: "Error: Account is frozen",
    TokenError.MintDecimalsMismatch: "Error: decimals different from the Mint decimals",
    TokenError.NonNativeNotSupported: "Error: Instruction does not support non-native tokens",
}

"""Anchor's error codes and the error a Python Anchor program raises.

Numbers, names and messages are Anchor's ``anchor_lang::error::ErrorCode`` as of the revision the
reference programs build with (the 0.30.1-era ``a7a23eea``, after discriminators became
configurable, hence "Instruction discriminator not provided"). A program declares its own errors
the same way, numbered from 6000::

    class CounterError(ErrorCodeEnum):
        Overflow = 6000, "Counter would overflow"
        WrongAuthority = 6001, "Wrong authority"

and fails with ``raise AnchorError(CounterError.Overflow)``. The runtime reports that as
``InstructionError(i, Custom(6000))``; the dispatcher logs Anchor's ``AnchorError ...`` line.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, NoReturn

from solders.pubkey import Pubkey

from emulator.errors import CustomError, InstructionErrorFieldless, InstructionFailure

if TYPE_CHECKING:
    from emulator.program import InvokeContext

# The first number of a program's own errors (``ERROR_CODE_OFFSET``).
ERROR_CODE_OFFSET = 6000


class ErrorCodeEnum(IntEnum):
    """An error enum whose members are ``code`` or ``(code, message)``; subclass it to declare errors."""

    _message: str | None

    def __new__(cls, code: int, message: str | None = None) -> ErrorCodeEnum:
        member = int.__new__(cls, code)
        member._value_ = code
        member._message = message
        return member

    @property
    def message(self) -> str:
        """The ``#[msg(...)]`` text; Anchor falls back to the variant name when there is none."""
        return self._message if self._message is not None else self.name

    @property
    def declared_message(self) -> str | None:
        """The message as declared (``None`` when the variant has no ``#[msg]``), for the IDL."""
        return self._message


class ErrorCode(ErrorCodeEnum):
    """Anchor's framework errors (``anchor_lang::error::ErrorCode``)."""

    # Instructions
    InstructionMissing = 100, "Instruction discriminator not provided"
    InstructionFallbackNotFound = 101, "Fallback functions are not supported"
    InstructionDidNotDeserialize = 102, "The program could not deserialize the given instruction"
    InstructionDidNotSerialize = 103, "The program could not serialize the given instruction"
    # IDL instructions
    IdlInstructionStub = 1000, "The program was compiled without idl instructions"
    IdlInstructionInvalidProgram = 1001, "Invalid program given to the IDL instruction"
    IdlAccountNotEmpty = 1002, "IDL account must be empty in order to resize, try closing first"
    # Event instructions
    EventInstructionStub = 1500, "The program was compiled without `event-cpi` feature"
    # Constraints
    ConstraintMut = 2000, "A mut constraint was violated"
    ConstraintHasOne = 2001, "A has one constraint was violated"
    ConstraintSigner = 2002, "A signer constraint was violated"
    ConstraintRaw = 2003, "A raw constraint was violated"
    ConstraintOwner = 2004, "An owner constraint was violated"
    ConstraintRentExempt = 2005, "A rent exemption constraint was violated"
    ConstraintSeeds = 2006, "A seeds constraint was violated"
    ConstraintExecutable = 2007, "An executable constraint was violated"
    ConstraintState = 2008, "Deprecated Error, feel free to replace with something else"
    ConstraintAssociated = 2009, "An associated constraint was violated"
    ConstraintAssociatedInit = 2010, "An associated init constraint was violated"
    ConstraintClose = 2011, "A close constraint was violated"
    ConstraintAddress = 2012, "An address constraint was violated"
    ConstraintZero = 2013, "Expected zero account discriminant"
    ConstraintTokenMint = 2014, "A token mint constraint was violated"
    ConstraintTokenOwner = 2015, "A token owner constraint was violated"
    ConstraintMintMintAuthority = 2016, "A mint mint authority constraint was violated"
    ConstraintMintFreezeAuthority = 2017, "A mint freeze authority constraint was violated"
    ConstraintMintDecimals = 2018, "A mint decimals constraint was violated"
    ConstraintSpace = 2019, "A space constraint was violated"
    ConstraintAccountIsNone = 2020, "A required account for the constraint is None"
    ConstraintTokenTokenProgram = 2021, "A token account token program constraint was violated"
    ConstraintMintTokenProgram = 2022, "A mint token program constraint was violated"
    ConstraintAssociatedTokenTokenProgram = 2023, "An associated token account token program constraint was violated"
    ConstraintMintGroupPointerExtension = 2024, "A group pointer extension constraint was violated"
    ConstraintMintGroupPointerExtensionAuthority = 2025, "A group pointer extension authority constraint was violated"
    ConstraintMintGroupPointerExtensionGroupAddress = (
        2026,
        "A group pointer extension group address constraint was violated",
    )
    ConstraintMintGroupMemberPointerExtension = 2027, "A group member pointer extension constraint was violated"
    ConstraintMintGroupMemberPointerExtensionAuthority = (
        2028,
        "A group member pointer extension authority constraint was violated",
    )
    ConstraintMintGroupMemberPointerExtensionMemberAddress = (
        2029,
        "A group member pointer extension group address constraint was violated",
    )
    ConstraintMintMetadataPointerExtension = 2030, "A metadata pointer extension constraint was violated"
    ConstraintMintMetadataPointerExtensionAuthority = (
        2031,
        "A metadata pointer extension authority constraint was violated",
    )
    ConstraintMintMetadataPointerExtensionMetadataAddress = (
        2032,
        "A metadata pointer extension metadata address constraint was violated",
    )
    ConstraintMintCloseAuthorityExtension = 2033, "A close authority constraint was violated"
    ConstraintMintCloseAuthorityExtensionAuthority = (
        2034,
        "A close authority extension authority constraint was violated",
    )
    ConstraintMintPermanentDelegateExtension = 2035, "A permanent delegate extension constraint was violated"
    ConstraintMintPermanentDelegateExtensionDelegate = (
        2036,
        "A permanent delegate extension delegate constraint was violated",
    )
    ConstraintMintTransferHookExtension = 2037, "A transfer hook extension constraint was violated"
    ConstraintMintTransferHookExtensionAuthority = 2038, "A transfer hook extension authority constraint was violated"
    ConstraintMintTransferHookExtensionProgramId = (
        2039,
        "A transfer hook extension transfer hook program id constraint was violated",
    )
    # Require
    RequireViolated = 2500, "A require expression was violated"
    RequireEqViolated = 2501, "A require_eq expression was violated"
    RequireKeysEqViolated = 2502, "A require_keys_eq expression was violated"
    RequireNeqViolated = 2503, "A require_neq expression was violated"
    RequireKeysNeqViolated = 2504, "A require_keys_neq expression was violated"
    RequireGtViolated = 2505, "A require_gt expression was violated"
    RequireGteViolated = 2506, "A require_gte expression was violated"
    # Accounts
    AccountDiscriminatorAlreadySet = 3000, "The account discriminator was already set on this account"
    AccountDiscriminatorNotFound = 3001, "No discriminator was found on the account"
    AccountDiscriminatorMismatch = 3002, "Account discriminator did not match what was expected"
    AccountDidNotDeserialize = 3003, "Failed to deserialize the account"
    AccountDidNotSerialize = 3004, "Failed to serialize the account"
    AccountNotEnoughKeys = 3005, "Not enough account keys given to the instruction"
    AccountNotMutable = 3006, "The given account is not mutable"
    AccountOwnedByWrongProgram = 3007, "The given account is owned by a different program than expected"
    InvalidProgramId = 3008, "Program ID was not as expected"
    InvalidProgramExecutable = 3009, "Program account is not executable"
    AccountNotSigner = 3010, "The given account did not sign"
    AccountNotSystemOwned = 3011, "The given account is not owned by the system program"
    AccountNotInitialized = 3012, "The program expected this account to be already initialized"
    AccountNotProgramData = 3013, "The given account is not a program data account"
    AccountNotAssociatedTokenAccount = 3014, "The given account is not the associated token account"
    AccountSysvarMismatch = 3015, "The given public key does not match the required sysvar"
    AccountReallocExceedsLimit = 3016, "The account reallocation exceeds the MAX_PERMITTED_DATA_INCREASE limit"
    AccountDuplicateReallocs = 3017, "The account was duplicated for more than one reallocation"
    # Miscellaneous
    DeclaredProgramIdMismatch = 4100, "The declared program id does not match the actual program id"
    TryingToInitPayerAsProgramAccount = 4101, "You cannot/should not initialize the payer account as a program account"
    InvalidNumericConversion = 4102, "Error during numeric conversion"
    # Deprecated
    Deprecated = 5000, "The API being used is deprecated and should no longer be used"


Compared = tuple[Pubkey, Pubkey] | tuple[Any, Any]
"""The two sides of a failed comparison that Anchor logs after the error (``Left:`` / ``Right:``)."""


class AnchorError(CustomError):
    """An Anchor error: ``Custom(code)`` to the runtime, plus what Anchor logs about it.

    ``account`` names the account the error is about (Anchor's ``with_account_name``): a declared
    account name, or an account's key, which the dispatcher turns into the declared name.
    ``compared`` are the values Anchor logs below the error (``with_pubkeys`` / ``with_values``).
    """

    def __init__(
        self,
        error: ErrorCodeEnum,
        *,
        account: str | Pubkey | None = None,
        compared: Compared | None = None,
    ) -> None:
        super().__init__(int(error), error.message)
        self.error = error
        self.account = account
        self.compared = compared
        # Set once the line is logged, so a caller whose CPI failed does not log the callee's error again.
        self.logged = False

    @property
    def name(self) -> str:
        return self.error.name

    @property
    def message(self) -> str:
        return self.error.message

    def log_lines(self) -> list[str]:
        """The ``Program log:`` messages Anchor writes for this error, in order.

        >>> AnchorError(ErrorCode.InstructionMissing).log_lines()
        ['AnchorError occurred. Error Code: InstructionMissing. Error Number: 100. Error Message: \
Instruction discriminator not provided.']
        >>> AnchorError(ErrorCode.ConstraintMut, account="counter").log_lines()[0][:48]
        'AnchorError caused by account: counter. Error Co'
        """
        detail = f"Error Code: {self.name}. Error Number: {self.code}. Error Message: {self.message}."
        if isinstance(self.account, str):
            lines = [f"AnchorError caused by account: {self.account}. {detail}"]
        else:
            lines = [f"AnchorError occurred. {detail}"]
        if self.compared is not None:
            left, right = self.compared
            if isinstance(left, Pubkey) and isinstance(right, Pubkey):  # Pubkey::log() is a line of its own
                lines += ["Left:", str(left), "Right:", str(right)]
            else:
                lines += [f"Left: {left}", f"Right: {right}"]
        return lines

    def __repr__(self) -> str:
        return f"AnchorError({self.name}={self.code}, account={self.account!r})"


def panic(ctx: InvokeContext, message: str) -> NoReturn:
    """Fail as a Rust panic does on chain (overflow check, ``unwrap``): a log line and ``ProgramFailedToComplete``."""
    ctx.log(f"panicked at '{message}'")
    raise InstructionFailure(InstructionErrorFieldless.ProgramFailedToComplete)

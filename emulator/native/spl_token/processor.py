"""The SPL Token program (``TokenkegQ...``): every instruction's checks, in the real processor's order.

The order of checks is part of the contract: when several things are wrong, the real program
reports the first one it tests, and clients and differential tests see that error. Each handler
therefore walks its accounts and checks in the order ``spl_token::processor`` does. Ownership of
written accounts is not checked here (the real program does not either): the runtime rejects
writes to accounts the program does not own.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import assert_never

from solders.pubkey import Pubkey
from solders.rent import Rent
from solders.sysvar import RENT as RENT_SYSVAR_ID

from emulator.account import AccountInfo
from emulator.constants import SYSTEM_PROGRAM_ID, TOKEN_PROGRAM_ID
from emulator.errors import InstructionErrorFieldless, InstructionFailure, ProgramError
from emulator.native.spl_token.error import TokenError, TokenProgramError
from emulator.native.spl_token.instruction import (
    AmountToUiAmount,
    Approve,
    ApproveChecked,
    AuthorityType,
    Burn,
    BurnChecked,
    CloseAccount,
    FreezeAccount,
    GetAccountDataSize,
    InitializeAccount,
    InitializeAccount2,
    InitializeAccount3,
    InitializeImmutableOwner,
    InitializeMint,
    InitializeMint2,
    InitializeMultisig,
    InitializeMultisig2,
    MintTo,
    MintToChecked,
    Revoke,
    SetAuthority,
    SyncNative,
    ThawAccount,
    TokenInstruction,
    Transfer,
    TransferChecked,
    UiAmountToAmount,
    parse_instruction,
)
from emulator.native.spl_token.state import (
    INCINERATOR_ID,
    MAX_SIGNERS,
    NATIVE_MINT_ID,
    AccountState,
    Mint,
    Multisig,
    TokenAccount,
)
from emulator.program import InvokeContext, ProgramSpec

U64_MAX = 2**64 - 1
_RENT_LAYOUT = struct.Struct("<QdB")  # bincode Rent: lamports_per_byte_year, exemption_threshold, burn_percent
_U64_DIGITS = re.compile(r"\+?[0-9]+")  # what Rust's u64::from_str accepts


# Compute units the real program spends on each instruction's success path (measured on the SPL
# Token build LiteSVM ships), so that a client's compute-unit limit binds as it would on chain.
# The entry cost is what a malformed instruction costs; the runtime charges it as base_units.
_ENTRY_UNITS = 290
_INSTRUCTION_UNITS: dict[type[TokenInstruction], int] = {
    InitializeMint: 2967,
    InitializeMint2: 2779,
    InitializeAccount: 4527,
    InitializeAccount2: 4388,
    InitializeAccount3: 4240,
    InitializeMultisig: 2782,
    InitializeMultisig2: 2600,
    Transfer: 4645,
    Approve: 2904,
    Revoke: 2677,
    SetAuthority: 2896,
    MintTo: 4537,
    Burn: 4753,
    CloseAccount: 3014,
    FreezeAccount: 4264,
    ThawAccount: 4266,
    TransferChecked: 6201,
    ApproveChecked: 4485,
    MintToChecked: 4545,
    BurnChecked: 4755,
    SyncNative: 3045,
    GetAccountDataSize: 1595,
    InitializeImmutableOwner: 1404,
    AmountToUiAmount: 2426,
    UiAmountToAmount: 2904,
}


def process_instruction(ctx: InvokeContext, accounts: list[AccountInfo], data: bytes) -> None:
    """Entry point: like the real one, it logs ``Error: ...`` for any error it returns.

    Running out of compute units is not such an error (the VM aborts the program), so the units
    are charged outside the error-printing scope.
    """
    with _printing_errors(ctx):
        instruction = parse_instruction(data)
        ctx.log(f"Instruction: {type(instruction).__name__}")
    ctx.consume_units(_INSTRUCTION_UNITS[type(instruction)] - _ENTRY_UNITS)
    with _printing_errors(ctx):
        _dispatch(ctx, _AccountCursor(accounts), instruction)


@contextmanager
def _printing_errors(ctx: InvokeContext) -> Iterator[None]:
    try:
        yield
    except (TokenProgramError, InstructionFailure) as error:
        ctx.log(_error_log_line(error))
        raise


def _error_log_line(error: ProgramError) -> str:
    """``PrintProgramError``: TokenError's own wording, or ``Error: <ProgramError variant>``."""
    if isinstance(error, TokenProgramError):
        return error.token_error.log_message
    assert isinstance(error, InstructionFailure)
    return "Error: " + str(error.kind).rsplit(".", 1)[-1]


def _dispatch(ctx: InvokeContext, accounts: _AccountCursor, ix: TokenInstruction) -> None:
    match ix:
        case InitializeMint() | InitializeMint2():
            _initialize_mint(ctx, accounts, ix, rent_sysvar_account=isinstance(ix, InitializeMint))
        case InitializeAccount():
            _initialize_account(ctx, accounts, owner=None, rent_sysvar_account=True)
        case InitializeAccount2(owner):
            _initialize_account(ctx, accounts, owner=owner, rent_sysvar_account=True)
        case InitializeAccount3(owner):
            _initialize_account(ctx, accounts, owner=owner, rent_sysvar_account=False)
        case InitializeMultisig(m):
            _initialize_multisig(ctx, accounts, m, rent_sysvar_account=True)
        case InitializeMultisig2(m):
            _initialize_multisig(ctx, accounts, m, rent_sysvar_account=False)
        case Transfer(amount):
            _transfer(ctx, accounts, amount, expected_decimals=None)
        case TransferChecked(amount, decimals):
            _transfer(ctx, accounts, amount, expected_decimals=decimals)
        case Approve(amount):
            _approve(ctx, accounts, amount, expected_decimals=None)
        case ApproveChecked(amount, decimals):
            _approve(ctx, accounts, amount, expected_decimals=decimals)
        case Revoke():
            _revoke(ctx, accounts)
        case SetAuthority(authority_type, new_authority):
            _set_authority(ctx, accounts, authority_type, new_authority)
        case MintTo(amount):
            _mint_to(ctx, accounts, amount, expected_decimals=None)
        case MintToChecked(amount, decimals):
            _mint_to(ctx, accounts, amount, expected_decimals=decimals)
        case Burn(amount):
            _burn(ctx, accounts, amount, expected_decimals=None)
        case BurnChecked(amount, decimals):
            _burn(ctx, accounts, amount, expected_decimals=decimals)
        case CloseAccount():
            _close_account(ctx, accounts)
        case FreezeAccount():
            _toggle_freeze(ctx, accounts, freeze=True)
        case ThawAccount():
            _toggle_freeze(ctx, accounts, freeze=False)
        case SyncNative():
            _sync_native(ctx, accounts)
        case GetAccountDataSize():
            _get_account_data_size(ctx, accounts)
        case InitializeImmutableOwner():
            _initialize_immutable_owner(ctx, accounts)
        case AmountToUiAmount(amount):
            _amount_to_ui_amount(ctx, accounts, amount)
        case UiAmountToAmount(ui_amount):
            _ui_amount_to_amount(ctx, accounts, ui_amount)
        case _:
            assert_never(ix)


class _AccountCursor:
    """``next_account_info`` over the instruction's accounts: NotEnoughAccountKeys when they run out.

    Accounts are taken lazily, as the real handlers take them, so a short account list fails at
    the same point (possibly after another check has already failed).
    """

    def __init__(self, accounts: list[AccountInfo]) -> None:
        self._accounts = accounts
        self._next = 0

    def next(self) -> AccountInfo:
        if self._next >= len(self._accounts):
            raise InstructionFailure(InstructionErrorFieldless.NotEnoughAccountKeys)
        info = self._accounts[self._next]
        self._next += 1
        return info

    def rest(self) -> list[AccountInfo]:
        """The remaining accounts: the multisig signers, when the authority is a multisig."""
        return self._accounts[self._next :]


# --- shared checks -------------------------------------------------------------------------------


def _fail(kind: InstructionErrorFieldless) -> InstructionFailure:
    return InstructionFailure(kind)


def _checked_add(a: int, b: int) -> int:
    total = a + b
    if total > U64_MAX:
        raise TokenError.Overflow.error()
    return total


def _checked_sub(a: int, b: int) -> int:
    if b > a:
        raise TokenError.Overflow.error()
    return a - b


def _check_account_owner(ctx: InvokeContext, info: AccountInfo) -> None:
    if info.owner != ctx.program_id:
        raise _fail(InstructionErrorFieldless.IncorrectProgramId)


def _rent(ctx: InvokeContext, accounts: _AccountCursor, rent_sysvar_account: bool) -> Rent:
    """The Rent sysvar: from the account the instruction names (``Rent::from_account_info``) or the syscall."""
    if not rent_sysvar_account:
        return ctx.rent
    info = accounts.next()
    if info.key != RENT_SYSVAR_ID or len(info.data) < _RENT_LAYOUT.size:
        raise _fail(InstructionErrorFieldless.InvalidArgument)
    lamports_per_byte_year, exemption_threshold, burn_percent = _RENT_LAYOUT.unpack_from(info.data)
    return Rent(lamports_per_byte_year, exemption_threshold, burn_percent)


def _load_account(info: AccountInfo) -> TokenAccount:
    return TokenAccount.unpack(info.data)


def _load_mint_or_invalid_mint(info: AccountInfo) -> Mint:
    """``Mint::unpack(..).map_err(|_| TokenError::InvalidMint)``."""
    try:
        return Mint.unpack(info.data)
    except InstructionFailure as exc:
        raise TokenError.InvalidMint.error() from exc


def _check_mint_and_decimals(mint_info: AccountInfo, account: TokenAccount, expected_decimals: int) -> None:
    """The extra checks of the ``*Checked`` variants that name the mint after the source account."""
    if mint_info.key != account.mint:
        raise TokenError.MintMismatch.error()
    if Mint.unpack(mint_info.data).decimals != expected_decimals:
        raise TokenError.MintDecimalsMismatch.error()


def _validate_owner(
    ctx: InvokeContext, expected_owner: Pubkey, owner_info: AccountInfo, signers: list[AccountInfo]
) -> None:
    """The authority must be ``expected_owner`` and have signed, or be a multisig with m of its n signing."""
    if owner_info.key != expected_owner:
        raise TokenError.OwnerMismatch.error()
    if owner_info.owner == ctx.program_id and len(owner_info.data) == Multisig.LEN:
        multisig = Multisig.unpack(owner_info.data)
        matched = [False] * MAX_SIGNERS
        num_signers = 0
        for signer in signers:
            for position, key in enumerate(multisig.signers[: multisig.n]):
                if key == signer.key and not matched[position]:
                    if not signer.is_signer:
                        raise _fail(InstructionErrorFieldless.MissingRequiredSignature)
                    matched[position] = True
                    num_signers += 1
        if num_signers < multisig.m:
            raise _fail(InstructionErrorFieldless.MissingRequiredSignature)
    elif not owner_info.is_signer:
        raise _fail(InstructionErrorFieldless.MissingRequiredSignature)


def _debit_as_delegate_or_owner(
    ctx: InvokeContext,
    account: TokenAccount,
    authority_info: AccountInfo,
    signers: list[AccountInfo],
    amount: int,
    consume_allowance: bool,
) -> TokenAccount:
    """Authorise spending ``amount`` from ``account`` by its delegate (within the allowance) or its owner.

    Returns the account with the allowance reduced (the delegate cleared when it reaches zero)
    when the delegate spends and ``consume_allowance`` is set (a self-transfer does not consume).
    """
    if account.delegate is not None and authority_info.key == account.delegate:
        _validate_owner(ctx, account.delegate, authority_info, signers)
        if account.delegated_amount < amount:
            raise TokenError.InsufficientFunds.error()
        if consume_allowance:
            remaining = _checked_sub(account.delegated_amount, amount)
            return replace(account, delegated_amount=remaining, delegate=account.delegate if remaining else None)
        return account
    _validate_owner(ctx, account.owner, authority_info, signers)
    return account


# --- initialization ------------------------------------------------------------------------------


def _initialize_mint(
    ctx: InvokeContext, accounts: _AccountCursor, ix: InitializeMint | InitializeMint2, rent_sysvar_account: bool
) -> None:
    mint_info = accounts.next()
    rent = _rent(ctx, accounts, rent_sysvar_account)
    mint = Mint.unpack_unchecked(mint_info.data)
    if mint.is_initialized:
        raise TokenError.AlreadyInUse.error()
    if not rent.is_exempt(mint_info.lamports, len(mint_info.data)):
        raise TokenError.NotRentExempt.error()
    # The supply bytes are left as they were, as the real program leaves them.
    replace(
        mint,
        mint_authority=ix.mint_authority,
        decimals=ix.decimals,
        is_initialized=True,
        freeze_authority=ix.freeze_authority,
    ).pack_into(mint_info.data)


def _initialize_account(
    ctx: InvokeContext, accounts: _AccountCursor, owner: Pubkey | None, rent_sysvar_account: bool
) -> None:
    account_info = accounts.next()
    mint_info = accounts.next()
    owner_key = owner if owner is not None else accounts.next().key
    rent = _rent(ctx, accounts, rent_sysvar_account)
    account = TokenAccount.unpack_unchecked(account_info.data)
    if account.is_initialized:
        raise TokenError.AlreadyInUse.error()
    data_len = len(account_info.data)
    if not rent.is_exempt(account_info.lamports, data_len):
        raise TokenError.NotRentExempt.error()
    is_native_mint = mint_info.key == NATIVE_MINT_ID
    if not is_native_mint:
        _check_account_owner(ctx, mint_info)
        _load_mint_or_invalid_mint(mint_info)
    if is_native_mint:
        reserve = rent.minimum_balance(data_len)
        is_native: int | None = reserve
        amount = _checked_sub(account_info.lamports, reserve)
    else:
        is_native, amount = None, 0
    replace(
        account,
        mint=mint_info.key,
        owner=owner_key,
        close_authority=None,
        delegate=None,
        delegated_amount=0,
        state=AccountState.Initialized,
        is_native=is_native,
        amount=amount,
    ).pack_into(account_info.data)


def _is_valid_signer_index(n: int) -> bool:
    return 1 <= n <= MAX_SIGNERS


def _initialize_multisig(ctx: InvokeContext, accounts: _AccountCursor, m: int, rent_sysvar_account: bool) -> None:
    multisig_info = accounts.next()
    rent = _rent(ctx, accounts, rent_sysvar_account)
    multisig = Multisig.unpack_unchecked(multisig_info.data)
    if multisig.is_initialized:
        raise TokenError.AlreadyInUse.error()
    if not rent.is_exempt(multisig_info.lamports, len(multisig_info.data)):
        raise TokenError.NotRentExempt.error()
    signer_infos = accounts.rest()
    n = len(signer_infos) % 256  # stored as u8
    if not _is_valid_signer_index(n):
        raise TokenError.InvalidNumberOfProvidedSigners.error()
    if not _is_valid_signer_index(m):
        raise TokenError.InvalidNumberOfRequiredSigners.error()
    signers = tuple(info.key for info in signer_infos) + multisig.signers[n:]
    Multisig(m=m, n=n, is_initialized=True, signers=signers).pack_into(multisig_info.data)


def _initialize_immutable_owner(ctx: InvokeContext, accounts: _AccountCursor) -> None:
    """SPL Token accounts have no extensions: this only checks the account is still uninitialized."""
    account_info = accounts.next()
    if TokenAccount.unpack_unchecked(account_info.data).is_initialized:
        raise TokenError.AlreadyInUse.error()
    ctx.log("Please upgrade to SPL Token 2022 for immutable owner support")


# --- moving tokens -------------------------------------------------------------------------------


def _transfer(ctx: InvokeContext, accounts: _AccountCursor, amount: int, expected_decimals: int | None) -> None:
    source_info = accounts.next()
    mint_info = accounts.next() if expected_decimals is not None else None
    destination_info = accounts.next()
    authority_info = accounts.next()

    source = _load_account(source_info)
    destination = _load_account(destination_info)
    if source.is_frozen or destination.is_frozen:
        raise TokenError.AccountFrozen.error()
    if source.amount < amount:
        raise TokenError.InsufficientFunds.error()
    if source.mint != destination.mint:
        raise TokenError.MintMismatch.error()
    if mint_info is not None and expected_decimals is not None:
        _check_mint_and_decimals(mint_info, source, expected_decimals)

    self_transfer = source_info.key == destination_info.key
    source = _debit_as_delegate_or_owner(
        ctx, source, authority_info, accounts.rest(), amount, consume_allowance=not self_transfer
    )
    if self_transfer or amount == 0:
        _check_account_owner(ctx, source_info)
        _check_account_owner(ctx, destination_info)
    # Only now, with every check done, may a self-transfer return (the real program's comment
    # insists on this order so that self-transfers are fully validated).
    if self_transfer:
        return

    source = replace(source, amount=_checked_sub(source.amount, amount))
    destination = replace(destination, amount=_checked_add(destination.amount, amount))
    if source.is_native_account:
        source_info.lamports = _checked_sub(source_info.lamports, amount)
        destination_info.lamports = _checked_add(destination_info.lamports, amount)
    source.pack_into(source_info.data)
    destination.pack_into(destination_info.data)


def _approve(ctx: InvokeContext, accounts: _AccountCursor, amount: int, expected_decimals: int | None) -> None:
    source_info = accounts.next()
    mint_info = accounts.next() if expected_decimals is not None else None
    delegate_info = accounts.next()
    owner_info = accounts.next()

    source = _load_account(source_info)
    if source.is_frozen:
        raise TokenError.AccountFrozen.error()
    if mint_info is not None and expected_decimals is not None:
        _check_mint_and_decimals(mint_info, source, expected_decimals)
    _validate_owner(ctx, source.owner, owner_info, accounts.rest())
    replace(source, delegate=delegate_info.key, delegated_amount=amount).pack_into(source_info.data)


def _revoke(ctx: InvokeContext, accounts: _AccountCursor) -> None:
    source_info = accounts.next()
    source = _load_account(source_info)
    owner_info = accounts.next()
    if source.is_frozen:
        raise TokenError.AccountFrozen.error()
    _validate_owner(ctx, source.owner, owner_info, accounts.rest())
    replace(source, delegate=None, delegated_amount=0).pack_into(source_info.data)


def _mint_to(ctx: InvokeContext, accounts: _AccountCursor, amount: int, expected_decimals: int | None) -> None:
    mint_info = accounts.next()
    destination_info = accounts.next()
    authority_info = accounts.next()

    destination = _load_account(destination_info)
    if destination.is_frozen:
        raise TokenError.AccountFrozen.error()
    if destination.is_native_account:
        raise TokenError.NativeNotSupported.error()
    if mint_info.key != destination.mint:
        raise TokenError.MintMismatch.error()
    mint = Mint.unpack(mint_info.data)
    if expected_decimals is not None and expected_decimals != mint.decimals:
        raise TokenError.MintDecimalsMismatch.error()
    if mint.mint_authority is None:
        raise TokenError.FixedSupply.error()
    _validate_owner(ctx, mint.mint_authority, authority_info, accounts.rest())
    if amount == 0:
        _check_account_owner(ctx, mint_info)
        _check_account_owner(ctx, destination_info)

    destination = replace(destination, amount=_checked_add(destination.amount, amount))
    mint = replace(mint, supply=_checked_add(mint.supply, amount))
    destination.pack_into(destination_info.data)
    mint.pack_into(mint_info.data)


def _burn(ctx: InvokeContext, accounts: _AccountCursor, amount: int, expected_decimals: int | None) -> None:
    source_info = accounts.next()
    mint_info = accounts.next()
    authority_info = accounts.next()

    source = _load_account(source_info)
    mint = Mint.unpack(mint_info.data)
    if source.is_frozen:
        raise TokenError.AccountFrozen.error()
    if source.is_native_account:
        raise TokenError.NativeNotSupported.error()
    if source.amount < amount:
        raise TokenError.InsufficientFunds.error()
    if mint_info.key != source.mint:
        raise TokenError.MintMismatch.error()
    if expected_decimals is not None and expected_decimals != mint.decimals:
        raise TokenError.MintDecimalsMismatch.error()
    # Tokens held for the System program or the incinerator can never be spent, so anyone may burn them.
    if not source.is_owned_by_system_program_or_incinerator:
        source = _debit_as_delegate_or_owner(
            ctx, source, authority_info, accounts.rest(), amount, consume_allowance=True
        )
    if amount == 0:
        _check_account_owner(ctx, source_info)
        _check_account_owner(ctx, mint_info)

    source = replace(source, amount=_checked_sub(source.amount, amount))
    mint = replace(mint, supply=_checked_sub(mint.supply, amount))
    source.pack_into(source_info.data)
    mint.pack_into(mint_info.data)


def _sync_native(ctx: InvokeContext, accounts: _AccountCursor) -> None:
    """Set a wrapped-SOL account's token amount from its lamports above the rent reserve."""
    native_info = accounts.next()
    _check_account_owner(ctx, native_info)
    account = _load_account(native_info)
    if account.is_native is None:
        raise TokenError.NonNativeNotSupported.error()
    new_amount = _checked_sub(native_info.lamports, account.is_native)
    if new_amount < account.amount:
        raise TokenError.InvalidState.error()
    replace(account, amount=new_amount).pack_into(native_info.data)


# --- authorities and account lifecycle -----------------------------------------------------------


def _set_authority(
    ctx: InvokeContext, accounts: _AccountCursor, authority_type: AuthorityType, new_authority: Pubkey | None
) -> None:
    account_info = accounts.next()
    authority_info = accounts.next()
    signers = accounts.rest()
    # The account kind is told apart by data length, as the real program does.
    if len(account_info.data) == TokenAccount.LEN:
        account = _load_account(account_info)
        if account.is_frozen:
            raise TokenError.AccountFrozen.error()
        if authority_type == AuthorityType.AccountOwner:
            _validate_owner(ctx, account.owner, authority_info, signers)
            if new_authority is None:
                raise TokenError.InvalidInstruction.error()
            # A new owner must not inherit the old owner's delegation (nor, for wrapped SOL, its closer).
            account = replace(
                account,
                owner=new_authority,
                delegate=None,
                delegated_amount=0,
                close_authority=None if account.is_native_account else account.close_authority,
            )
        elif authority_type == AuthorityType.CloseAccount:
            closer = account.close_authority if account.close_authority is not None else account.owner
            _validate_owner(ctx, closer, authority_info, signers)
            account = replace(account, close_authority=new_authority)
        else:
            raise TokenError.AuthorityTypeNotSupported.error()
        account.pack_into(account_info.data)
    elif len(account_info.data) == Mint.LEN:
        mint = Mint.unpack(account_info.data)
        if authority_type == AuthorityType.MintTokens:
            # Once the supply is fixed it stays fixed: a None mint authority cannot be replaced.
            if mint.mint_authority is None:
                raise TokenError.FixedSupply.error()
            _validate_owner(ctx, mint.mint_authority, authority_info, signers)
            mint = replace(mint, mint_authority=new_authority)
        elif authority_type == AuthorityType.FreezeAccount:
            if mint.freeze_authority is None:
                raise TokenError.MintCannotFreeze.error()
            _validate_owner(ctx, mint.freeze_authority, authority_info, signers)
            mint = replace(mint, freeze_authority=new_authority)
        else:
            raise TokenError.AuthorityTypeNotSupported.error()
        mint.pack_into(account_info.data)
    else:
        raise _fail(InstructionErrorFieldless.InvalidArgument)


def _close_account(ctx: InvokeContext, accounts: _AccountCursor) -> None:
    source_info = accounts.next()
    destination_info = accounts.next()
    authority_info = accounts.next()
    if source_info.key == destination_info.key:
        raise _fail(InstructionErrorFieldless.InvalidAccountData)
    source = _load_account(source_info)
    if not source.is_native_account and source.amount != 0:
        raise TokenError.NonNativeHasBalance.error()
    closer = source.close_authority if source.close_authority is not None else source.owner
    if not source.is_owned_by_system_program_or_incinerator:
        _validate_owner(ctx, closer, authority_info, accounts.rest())
    elif destination_info.key != INCINERATOR_ID:
        raise _fail(InstructionErrorFieldless.InvalidAccountData)

    destination_info.lamports = _checked_add(destination_info.lamports, source_info.lamports)
    source_info.lamports = 0
    # delete_account: hand the account back to the System program with no data.
    source_info.owner = SYSTEM_PROGRAM_ID
    source_info.realloc(0)


def _toggle_freeze(ctx: InvokeContext, accounts: _AccountCursor, freeze: bool) -> None:
    source_info = accounts.next()
    mint_info = accounts.next()
    authority_info = accounts.next()
    source = _load_account(source_info)
    if source.is_frozen == freeze:
        raise TokenError.InvalidState.error()
    if source.is_native_account:
        raise TokenError.NativeNotSupported.error()
    if mint_info.key != source.mint:
        raise TokenError.MintMismatch.error()
    mint = Mint.unpack(mint_info.data)
    if mint.freeze_authority is None:
        raise TokenError.MintCannotFreeze.error()
    _validate_owner(ctx, mint.freeze_authority, authority_info, accounts.rest())
    new_state = AccountState.Frozen if freeze else AccountState.Initialized
    replace(source, state=new_state).pack_into(source_info.data)


# --- queries (answered through return data) ------------------------------------------------------


def _get_account_data_size(ctx: InvokeContext, accounts: _AccountCursor) -> None:
    """The size of a token account for this mint; extension types appended to the data are ignored."""
    mint_info = accounts.next()
    _check_account_owner(ctx, mint_info)
    _load_mint_or_invalid_mint(mint_info)
    ctx.set_return_data(TokenAccount.LEN.to_bytes(8, "little"))


def _owned_mint(ctx: InvokeContext, accounts: _AccountCursor) -> Mint:
    mint_info = accounts.next()
    _check_account_owner(ctx, mint_info)
    return _load_mint_or_invalid_mint(mint_info)


def _amount_to_ui_amount(ctx: InvokeContext, accounts: _AccountCursor, amount: int) -> None:
    mint = _owned_mint(ctx, accounts)
    ctx.set_return_data(amount_to_ui_amount(amount, mint.decimals).encode())


def _ui_amount_to_amount(ctx: InvokeContext, accounts: _AccountCursor, ui_amount: str) -> None:
    mint = _owned_mint(ctx, accounts)
    ctx.set_return_data(ui_amount_to_amount(ui_amount, mint.decimals).to_bytes(8, "little"))


def amount_to_ui_amount(amount: int, decimals: int) -> str:
    """A raw amount as a decimal string in whole tokens, trailing zeros and a bare point trimmed.

    What ``AmountToUiAmount`` returns and what RPC's ``uiAmountString`` shows (Agave's
    ``real_number_string_trimmed``).

    >>> amount_to_ui_amount(1_500_000, 6), amount_to_ui_amount(7, 3), amount_to_ui_amount(42, 0)
    ('1.5', '0.007', '42')
    >>> amount_to_ui_amount(0, 6)
    '0'
    """
    if decimals == 0:
        return str(amount)
    padded = str(amount).rjust(decimals + 1, "0")
    text = f"{padded[:-decimals]}.{padded[-decimals:]}"
    return text.rstrip("0").rstrip(".")


def ui_amount_to_amount(ui_amount: str, decimals: int) -> int:
    """Parse a decimal string into a raw amount (InvalidArgument when it has too many decimals or no digits).

    >>> ui_amount_to_amount("1.5", 6), ui_amount_to_amount("0.0070", 3)
    (1500000, 7)
    """
    parts = ui_amount.split(".")
    whole = parts[0]
    fraction = parts[1].rstrip("0") if len(parts) > 1 else ""
    if (not whole and not fraction) or len(parts) > 2 or len(fraction) > decimals:
        raise _fail(InstructionErrorFieldless.InvalidArgument)
    digits = whole + fraction + "0" * (decimals - len(fraction))
    if not _U64_DIGITS.fullmatch(digits) or int(digits) > U64_MAX:
        raise _fail(InstructionErrorFieldless.InvalidArgument)
    return int(digits)


PROGRAM_SPEC = ProgramSpec(
    program_id=TOKEN_PROGRAM_ID, entrypoint=process_instruction, name="spl_token", base_units=_ENTRY_UNITS
)

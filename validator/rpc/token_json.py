"""SPL Token accounts as Agave's ``jsonParsed`` encoding writes them, and UiTokenAmount.

spl.token's ``*_json_parsed`` calls and the token balance methods read these shapes; the state
itself is decoded by the runtime's own SPL Token layouts, so the bytes mean the same thing here
as they do to the program.
"""

from __future__ import annotations

from collections.abc import Callable

from solders.pubkey import Pubkey

from emulator.constants import TOKEN_PROGRAM_ID
from emulator.errors import InstructionFailure
from emulator.native.spl_token import NATIVE_MINT_ID, AccountState, Mint, Multisig, TokenAccount, amount_to_ui_amount
from emulator.native.spl_token.state import NATIVE_MINT_DECIMALS

__all__ = ["parsed_token_data", "ui_token_amount"]


def ui_token_amount(amount: int, decimals: int) -> dict[str, object]:
    """UiTokenAmount: the raw amount as a string, and the float and exact string in whole tokens."""
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": amount / 10**decimals,
        "uiAmountString": amount_to_ui_amount(amount, decimals),
    }


def mint_decimals(mint: Pubkey, load: Callable[[Pubkey], bytes | None]) -> int | None:
    """A mint's decimals (the native mint is known without an account); None if it is not a readable mint."""
    if mint == NATIVE_MINT_ID:
        return NATIVE_MINT_DECIMALS
    data = load(mint)
    if data is None:
        return None
    try:
        return Mint.unpack(data).decimals
    except InstructionFailure:
        return None


def _optional_key(key: Pubkey | None) -> str | None:
    return str(key) if key is not None else None


def _token_account_info(account: TokenAccount, decimals: int) -> dict[str, object]:
    info: dict[str, object] = {
        "isNative": account.is_native is not None,
        "mint": str(account.mint),
        "owner": str(account.owner),
        "state": "frozen" if account.state == AccountState.Frozen else "initialized",
        "tokenAmount": ui_token_amount(account.amount, decimals),
    }
    if account.delegate is not None:
        info["delegate"] = str(account.delegate)
        info["delegatedAmount"] = ui_token_amount(account.delegated_amount, decimals)
    if account.is_native is not None:
        info["rentExemptReserve"] = ui_token_amount(account.is_native, decimals)
    if account.close_authority is not None:
        info["closeAuthority"] = str(account.close_authority)
    return info


def _parsed(data: bytes, load: Callable[[Pubkey], bytes | None]) -> dict[str, object] | None:
    """``{"type":..., "info":...}`` as Agave's parse_token writes it, or None where it cannot parse."""
    try:
        if len(data) == TokenAccount.LEN:
            account = TokenAccount.unpack(data)
            decimals = mint_decimals(account.mint, load)
            if decimals is None:  # Agave's AdditionalDataMissing: the caller falls back to base64
                return None
            return {"type": "account", "info": _token_account_info(account, decimals)}
        if len(data) == Mint.LEN:
            mint = Mint.unpack(data)
            mint_info: dict[str, object] = {
                "mintAuthority": _optional_key(mint.mint_authority),
                "supply": str(mint.supply),
                "decimals": mint.decimals,
                "isInitialized": mint.is_initialized,
                "freezeAuthority": _optional_key(mint.freeze_authority),
            }
            return {"type": "mint", "info": mint_info}
        if len(data) == Multisig.LEN:
            multisig = Multisig.unpack(data)
            info: dict[str, object] = {
                "numRequiredSigners": multisig.m,
                "numValidSigners": multisig.n,
                "isInitialized": multisig.is_initialized,
                "signers": [str(signer) for signer in multisig.signers[: multisig.n]],
            }
            return {"type": "multisig", "info": info}
    except InstructionFailure:
        return None
    return None


def parsed_token_data(owner: Pubkey, data: bytes, load: Callable[[Pubkey], bytes | None]) -> dict[str, object] | None:
    """The ``data`` field of a jsonParsed account owned by SPL Token; None for any other account.

    ``load`` reads another account's data (a token account's mint, for its decimals).
    """
    if owner != TOKEN_PROGRAM_ID:
        return None
    parsed = _parsed(data, load)
    if parsed is None:
        return None
    return {"program": "spl-token", "parsed": parsed, "space": len(data)}

"""jsonParsed instructions: the ``type`` and ``info`` Agave's solana-transaction-status writes, or its fallback."""

from __future__ import annotations

from solders.compute_budget import set_compute_unit_limit
from solders.instruction import Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import (
    CreateAccountWithSeedParams,
    TransferParams,
    create_account_with_seed,
    transfer,
)
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.memo.instructions import MemoParams, create_memo
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    AuthorityType,
    SetAuthorityParams,
    TransferCheckedParams,
    create_idempotent_associated_token_account,
    set_authority,
    transfer_checked,
)

from validator.rpc.parsed_instructions import ui_instruction


def _ui(ix: Instruction, payer: Pubkey) -> dict[str, object]:
    message = Message([ix], payer)
    keys = [str(key) for key in message.account_keys]
    compiled = message.instructions[0]
    return ui_instruction(keys, compiled.program_id_index, bytes(compiled.accounts), bytes(compiled.data), None)


A, B, C, D = (Pubkey.new_unique() for _ in range(4))


def test_system_transfer_and_seeded_create() -> None:
    assert _ui(transfer(TransferParams(from_pubkey=A, to_pubkey=B, lamports=5)), A) == {
        "program": "system",
        "programId": "11111111111111111111111111111111",
        "parsed": {"type": "transfer", "info": {"source": str(A), "destination": str(B), "lamports": 5}},
        "stackHeight": None,
    }
    params = CreateAccountWithSeedParams(from_pubkey=A, to_pubkey=B, base=A, seed="s", lamports=9, space=3, owner=C)
    parsed = _ui(create_account_with_seed(params), A)["parsed"]
    assert parsed == {
        "type": "createAccountWithSeed",
        "info": {
            "source": str(A),
            "newAccount": str(B),
            "base": str(A),
            "seed": "s",
            "lamports": 9,
            "space": 3,
            "owner": str(C),
        },
    }


def test_token_transfer_checked_with_a_multisig_authority_lists_its_signers() -> None:
    params = TransferCheckedParams(TOKEN_PROGRAM_ID, A, B, C, D, 1_500, 3, signers=[A, B])
    parsed = _ui(transfer_checked(params), A)["parsed"]
    assert parsed == {
        "type": "transferChecked",
        "info": {
            "source": str(A),
            "mint": str(B),
            "destination": str(C),
            "tokenAmount": {"amount": "1500", "decimals": 3, "uiAmount": 1.5, "uiAmountString": "1.5"},
            "multisigAuthority": str(D),
            "signers": [str(A), str(B)],
        },
    }


def test_token_set_authority_names_what_it_owns() -> None:
    params = SetAuthorityParams(TOKEN_PROGRAM_ID, A, AuthorityType.CLOSE_ACCOUNT, B, new_authority=None)
    assert _ui(set_authority(params), B)["parsed"] == {
        "type": "setAuthority",
        "info": {"account": str(A), "authorityType": "closeAccount", "newAuthority": None, "authority": str(B)},
    }


def test_associated_token_create_idempotent() -> None:
    parsed = _ui(create_idempotent_associated_token_account(A, B, C), A)["parsed"]
    assert isinstance(parsed, dict) and parsed["type"] == "createIdempotent"
    assert set(parsed["info"]) == {"source", "account", "wallet", "mint", "systemProgram", "tokenProgram"}


def test_memo_is_its_text() -> None:
    ui = _ui(create_memo(MemoParams(MEMO_PROGRAM_ID, A, "hé".encode())), A)
    assert (ui["program"], ui["parsed"]) == ("spl-memo", "hé")


def test_unparsable_and_unparsed_programs_stay_partially_decoded() -> None:
    budget = _ui(set_compute_unit_limit(1000), A)  # Agave has no ComputeBudget parser
    assert set(budget) == {"programId", "accounts", "data", "stackHeight"}
    bad_memo = _ui(Instruction(MEMO_PROGRAM_ID, b"\xff", []), A)
    assert "parsed" not in bad_memo and bad_memo["data"] == "5Q"  # base58 of 0xff
    truncated = _ui(Instruction(TOKEN_PROGRAM_ID, bytes([3, 1]), []), A)  # Transfer without its amount
    assert "parsed" not in truncated

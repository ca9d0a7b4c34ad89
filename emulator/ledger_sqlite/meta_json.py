"""How the SQLite ledger stores a transaction's inner instructions and token balances: compact JSON text.

Rows written by a schema-1 ledger have neither; they read back as null columns, which the callers
turn into empty lists.
"""

from __future__ import annotations

import base64
import json

from solders.pubkey import Pubkey

from emulator.results import InnerInstruction
from emulator.token_balances import TokenBalance

__all__ = [
    "inner_instructions_from_json",
    "inner_instructions_json",
    "token_balances_from_json",
    "token_balances_json",
]


def inner_instructions_json(instructions: list[InnerInstruction]) -> str:
    return json.dumps(
        [
            [
                ix.index,
                ix.program_id_index,
                base64.b64encode(ix.accounts).decode(),
                base64.b64encode(ix.data).decode(),
                ix.stack_height,
            ]
            for ix in instructions
        ]
    )


def inner_instructions_from_json(text: str) -> list[InnerInstruction]:
    return [
        InnerInstruction(index, program, base64.b64decode(accounts), base64.b64decode(data), height)
        for index, program, accounts, data, height in json.loads(text)
    ]


def _balances(balances: list[TokenBalance]) -> list[list[object]]:
    return [
        [b.account_index, str(b.mint), str(b.owner), str(b.amount), b.decimals, str(b.program_id)] for b in balances
    ]


def _from_balances(rows: list[list[object]]) -> list[TokenBalance]:
    return [
        TokenBalance(
            int(str(index)),
            Pubkey.from_string(str(mint)),
            Pubkey.from_string(str(owner)),
            int(str(amount)),
            int(str(decimals)),
            Pubkey.from_string(str(program)),
        )
        for index, mint, owner, amount, decimals, program in rows
    ]


def token_balances_json(pre: list[TokenBalance], post: list[TokenBalance]) -> str:
    return json.dumps([_balances(pre), _balances(post)])


def token_balances_from_json(text: str) -> tuple[list[TokenBalance], list[TokenBalance]]:
    pre, post = json.loads(text)
    return _from_balances(pre), _from_balances(post)

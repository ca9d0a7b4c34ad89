"""The JSON of each notification, in the shapes solders' ``parse_websocket_message`` accepts.

A notification's ``result`` is rendered once per event and shared by every subscription that gets
it, so only the subscription id is spliced in per subscriber: the same 119 kB coordinator account
is not re-encoded for each client following it.
"""

from __future__ import annotations

import json

from solders.account import Account as SoldersAccount
from solders.pubkey import Pubkey

from emulator.constants import SYSTEM_PROGRAM_ID
from emulator.errors import transaction_error_value
from emulator.results import TransactionRecord
from validator.pubsub.params import SubscriptionKind

# What accountNotification reports for an account that was closed (Agave sends the default account).
CLOSED_ACCOUNT = SoldersAccount(0, b"", SYSTEM_PROGRAM_ID, False, 0)


def notification(kind: SubscriptionKind, subscription_id: int, result_json: str) -> str:
    """``{"jsonrpc":"2.0","method":"<kind>Notification","params":{"result":..,"subscription":id}}``."""
    return (
        f'{{"jsonrpc":"2.0","method":"{kind.notification_method}",'
        f'"params":{{"result":{result_json},"subscription":{subscription_id}}}}}'
    )


def to_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def with_context(slot: int, value: object) -> dict[str, object]:
    return {"context": {"slot": slot}, "value": value}


def program_value(pubkey: Pubkey, ui_account: dict[str, object]) -> dict[str, object]:
    return {"pubkey": str(pubkey), "account": ui_account}


def logs_value(record: TransactionRecord) -> dict[str, object]:
    return {"signature": str(record.signature), "err": _err(record), "logs": record.result.logs}


def signature_value(record: TransactionRecord) -> dict[str, object]:
    return {"err": _err(record)}


def slot_info(parent: int, root: int, slot: int) -> dict[str, int]:
    return {"parent": parent, "root": root, "slot": slot}


def _err(record: TransactionRecord) -> object:
    err = record.result.err
    return None if err is None else transaction_error_value(err)

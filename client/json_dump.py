"""The documents of ``json-dump-run`` and ``json-dump-user`` (spec programs-and-cli.md §3.5), from decoded accounts.

Pure functions: the CLI reads the accounts and balances, these shape them. The result is plain JSON values;
:func:`render_json` prints them as the reference does (2-space indent, keys sorted at every level, UTF-8).

Reference details kept on purpose:

* a client ``id`` is the NodeIdentity's Display, the first 4 bytes of the signer as 8 hex digits, so two clients
  with the same prefix share one entry (the later one wins);
* token amounts in "UI" units are ``base units / 10**decimals`` as ``f64``; ``estimated_funded_epochs_count`` is
  null when the earning rate is 0;
* ``config`` and ``model`` have the shape of their TOML sections (:mod:`formats.run_config.serde`).
"""

from __future__ import annotations

import json
from typing import Any

from solders.pubkey import Pubkey

from client.run_accounts import TreasurerRunView, TreasurerUserView
from coordinator_program.core.types import Client, ClientState, FixedVec, RunState
from coordinator_program.state.borsh_args import COORDINATOR_CONFIG, MODEL, RUN_METADATA
from coordinator_program.state.clients_state import find_client
from coordinator_program.state.coordinator_account import ClientsEpochRates, CoordinatorAccount, SolanaClient
from coordinator_program.state.coordinator_instance import CoordinatorInstance
from formats.run_config.serde import to_serde

__all__ = [
    "node_id",
    "ui_amount",
    "json_dump_run",
    "json_dump_user",
    "render_json",
]

JsonDocument = dict[str, Any]


def node_id(signer: bytes) -> str:
    """The reference's NodeIdentity Display: the first 4 bytes of the signer in lowercase hex.

    >>> node_id(bytes.fromhex("1a2b3c4d") + bytes(28))
    '1a2b3c4d'
    """
    return signer[:4].hex()


def ui_amount(native: int, decimals: int) -> float:
    """Base units to UI units as the reference converts (``native as f64 / 10f64.powi(decimals)``).

    >>> ui_amount(1_500_000, 6)
    1.5
    """
    return float(native) / 10.0**decimals


def _saturating_sub(a: int, b: int) -> int:
    return max(a - b, 0)


def _client_states(clients: FixedVec) -> dict[str, str]:
    return {node_id(bytes(client.id.signer)): ClientState(client.state).name for client in clients}


def _rates(rates: ClientsEpochRates) -> JsonDocument:
    return {"earning": rates.earning_rate_total_shared, "slashing": rates.slashing_rate_per_client}


def _points(client: SolanaClient) -> JsonDocument:
    return {"active": client.active, "earned": client.earned, "slashed": client.slashed}


def _coordinator_account_document(account: CoordinatorAccount, address: Pubkey) -> JsonDocument:
    state = account.state
    coordinator = state.coordinator
    clients_state = state.clients_state
    registered = list(clients_state.clients)
    return {
        "address": str(address),
        "run_id": coordinator.run_id.value,
        "nonce": account.nonce,
        "setup": {
            "client_version": state.client_version.value,
            "config": to_serde(COORDINATOR_CONFIG, coordinator.config),
            "metadata": to_serde(RUN_METADATA, state.metadata),
            "model": to_serde(MODEL, coordinator.model),
        },
        "status": {
            "epoch": coordinator.progress.epoch,
            "next_active": clients_state.next_active,
            "state": RunState(coordinator.run_state).display_name,
            "step": coordinator.progress.step,
        },
        "epoch": {
            "clients": {
                "alive": _client_states(coordinator.epoch_state.clients),
                "exited": _client_states(coordinator.epoch_state.exited_clients),
            },
            "rates": {
                "current": _rates(clients_state.current_epoch_rates),
                "future": _rates(clients_state.future_epoch_rates),
            },
        },
        "clients": {node_id(bytes(client.id.signer)): _points(client) for client in registered},
        "accounting": {
            "max_active": max((client.active for client in registered), default=None),
            "sum_earned": sum(client.earned for client in registered),
            "sum_slashed": sum(client.slashed for client in registered),
        },
    }


def _treasurer_run_document(treasurer: TreasurerRunView, account: CoordinatorAccount) -> JsonDocument:
    run = treasurer.run
    decimals = treasurer.decimals
    vault = treasurer.vault_amount
    claimable = sum(client.earned for client in account.state.clients_state.clients)
    unclaimed = _saturating_sub(claimable, run.total_claimed_earned_points)
    surplus = _saturating_sub(vault, unclaimed)
    rate = account.state.clients_state.current_epoch_rates.earning_rate_total_shared
    return {
        "address": str(treasurer.address),
        "index": run.index,
        "main_authority": str(run.main_authority),
        "join_authority": str(run.join_authority),
        "collateral_mint": str(run.collateral_mint),
        "total_claimed_earned_points": run.total_claimed_earned_points,
        "total_claimable_earned_points": claimable,
        "total_unclaimed_earned_points": unclaimed,
        "funded_collateral_amount": ui_amount(vault, decimals),
        "total_missing_collateral_amount": ui_amount(_saturating_sub(unclaimed, vault), decimals),
        "total_surplus_collateral_amount": ui_amount(surplus, decimals),
        "burn_collateral_amount_per_epoch": ui_amount(rate, decimals),
        "estimated_funded_epochs_count": float(surplus) / float(rate) if rate else None,
    }


def json_dump_run(
    account: CoordinatorAccount,
    instance: CoordinatorInstance,
    instance_address: Pubkey,
    treasurer: TreasurerRunView | None = None,
) -> JsonDocument:
    """``json-dump-run``: the coordinator account (whose address is ``instance.coordinator_account``), its instance,
    and the treasurer run (null for a run without a treasurer)."""
    return {
        "coordinator_account": _coordinator_account_document(account, instance.coordinator_account),
        "coordinator_instance": {
            "address": str(instance_address),
            "join_authority": str(instance.join_authority),
            "main_authority": str(instance.main_authority),
        },
        "treasurer_run": None if treasurer is None else _treasurer_run_document(treasurer, account),
    }


def _epoch_client(clients: FixedVec, signer: bytes) -> JsonDocument | None:
    entry: Client | None = next((client for client in clients if bytes(client.id.signer) == signer), None)
    if entry is None:
        return None
    return {"exited_height": entry.exited_height, "state": ClientState(entry.state).name}


def _treasurer_participant_document(treasurer: TreasurerUserView) -> JsonDocument:
    participant = treasurer.participant
    return {
        "claimed_collateral_amount": (
            None if participant is None else ui_amount(participant.claimed_collateral_amount, treasurer.decimals)
        ),
        "claimed_earned_points": None if participant is None else participant.claimed_earned_points,
        "collateral_amount": ui_amount(treasurer.user_collateral_amount, treasurer.decimals),
        "collateral_mint": str(treasurer.collateral_mint),
    }


def json_dump_user(
    account: CoordinatorAccount,
    user: Pubkey,
    lamports: int,
    treasurer: TreasurerUserView | None = None,
) -> JsonDocument:
    """``json-dump-user``: ``user``'s SOL balance, its registry entry and epoch entries in the coordinator (each null
    when absent, matched by signer), and its treasurer participation (null for a run without a treasurer)."""
    signer = bytes(user)
    epoch_state = account.state.coordinator.epoch_state
    client = find_client(account.state.clients_state, signer)
    return {
        "address": str(user),
        "lamports": lamports,
        "coordinator_account": {
            "client": None if client is None else _points(client),
            "epoch_alive": _epoch_client(epoch_state.clients, signer),
            "epoch_exited": _epoch_client(epoch_state.exited_clients, signer),
        },
        "treasurer_participant": None if treasurer is None else _treasurer_participant_document(treasurer),
    }


def render_json(document: JsonDocument) -> str:
    """The document as the reference prints it: 2-space indent, keys sorted at every level, non-ASCII kept.

    Python writes some floats differently from Rust (``1e-05`` for Rust's ``1e-5``); the values are equal.
    """
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)

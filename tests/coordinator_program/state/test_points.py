"""Epoch-end crediting past u64::MAX: a panic in the faithful program, saturation in the hardened one."""

from __future__ import annotations

import pytest

from coordinator_program.core.arith import U64_MAX
from coordinator_program.core.errors import CoordinatorPanic
from coordinator_program.core.types import Client, ClientState, NodeIdentity
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE, CoordinatorAccount, SolanaClient
from coordinator_program.state.points import credit_epoch_end


def test_epoch_end_points_overflow_panics_faithfully_and_saturates_when_hardened() -> None:
    account = CoordinatorAccount.from_buffer(bytearray(COORDINATOR_ACCOUNT_SIZE))
    clients_state = account.state.clients_state
    epoch = account.state.coordinator.epoch_state
    identity = NodeIdentity.from_keys(b"\x01" * 32, b"\x02" * 32)
    clients_state.clients.push(SolanaClient(id=identity, earned=U64_MAX - 1))
    epoch.clients.push(Client(id=identity, state=ClientState.Healthy))
    clients_state.current_epoch_rates.earning_rate_total_shared = 10
    with pytest.raises(CoordinatorPanic):
        credit_epoch_end(clients_state, epoch.clients, epoch.exited_clients, saturating=False)
    assert clients_state.clients[0].earned == U64_MAX - 1
    credit_epoch_end(clients_state, epoch.clients, epoch.exited_clients, saturating=True)
    assert clients_state.clients[0].earned == U64_MAX

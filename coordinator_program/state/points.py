"""Reward points: the epoch rates and the crediting at each epoch end (spec §6).

The owner sets ``future_epoch_rates`` at any time; they become ``current_epoch_rates`` at the next epoch's Warmup.
When an epoch ends (successfully or not) every registered client that finished it Healthy earns an equal share of
``earning_rate_total_shared``, divided by the *whole* finishing list (non-Healthy entries included; the remainder is
never paid). Slashing credits Ejected exits, a state nothing ever sets.
"""

from __future__ import annotations

from coordinator_program.core.arith import checked_u64, saturating_u64
from coordinator_program.core.types import ClientState, FixedVec
from coordinator_program.state.coordinator_account import ClientsState

__all__ = ["set_future_epoch_rates", "start_epoch_rates", "epoch_share", "credit_epoch_end"]


def set_future_epoch_rates(clients_state: ClientsState, earning: int | None, slashing: int | None) -> None:
    """Overwrite only the given fields of ``future_epoch_rates``."""
    if earning is not None:
        clients_state.future_epoch_rates.earning_rate_total_shared = earning
    if slashing is not None:
        clients_state.future_epoch_rates.slashing_rate_per_client = slashing


def start_epoch_rates(clients_state: ClientsState) -> None:
    """The epoch just started: its rates are the future rates as they are now."""
    clients_state.current_epoch_rates = clients_state.future_epoch_rates


def epoch_share(earning_rate_total_shared: int, finishers: int) -> int:
    """One finisher's points: the pool split over the whole finishing list, rounded down.

    >>> epoch_share(444_444, 240)
    1851
    >>> epoch_share(888_888_888_888_888, 11)
    80808080808080
    """
    return earning_rate_total_shared // finishers


def credit_epoch_end(clients_state: ClientsState, finished: FixedVec, exited: FixedVec, *, saturating: bool) -> None:
    """Credit the epoch that just ended.

    A total past u64::MAX panics, as the reference's checked add does (the tick fails and the run stays in
    Cooldown); with ``saturating`` (the hardened program) it stays at u64::MAX instead.

    A two-pointer merge walks the registry in order against the finishing clients and the exited clients, as the
    reference does; it assumes both lists follow registration order, so an exited client out of that order is
    missed (harmless: only the never-set Ejected state is slashed).
    """

    def add(total: int, what: str) -> int:
        return saturating_u64(total) if saturating else checked_u64(total, what)

    rates = clients_state.current_epoch_rates
    finished_index = exited_index = 0
    for client in clients_state.clients:
        signer = bytes(client.id.signer)
        if finished_index < len(finished) and signer == bytes(finished[finished_index].id.signer):
            if finished[finished_index].state == ClientState.Healthy:
                share = epoch_share(rates.earning_rate_total_shared, len(finished))
                client.earned = add(client.earned + share, "earned")
            finished_index += 1
        if exited_index < len(exited) and signer == bytes(exited[exited_index].id.signer):
            if exited[exited_index].state == ClientState.Ejected:
                client.slashed = add(client.slashed + rates.slashing_rate_per_client, "slashed")
            exited_index += 1

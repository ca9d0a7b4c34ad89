"""A registered client's turn: the opening and closing the client instructions share.

``witness``, ``warmup_witness``, ``health_check`` and ``checkpoint`` all open the same way in the reference: the
permissionless accounts are checked, the nonce is bumped, and the signer must be a registered client
(``SignerNotAClient`` otherwise); after their own rule they close with the wrapper's tick. :func:`client_turn`
holds that frame so each handler holds only its rule. A handler that fails raises out of the ``with`` block and
the tick does not run (the transaction fails anyway); ``checkpoint`` skips the tick while the run is halted with
:meth:`ClientTurn.skip_tick`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from coordinator_program.account_groups import permissionless_accounts
from coordinator_program.instance_state import bump_nonce, tick
from coordinator_program.state.clients_state import registered_client
from coordinator_program.state.coordinator_account import CoordinatorInstanceState
from emulator.anchor import Accounts
from emulator.program import InvokeContext

__all__ = ["ClientTurn", "client_turn"]


@dataclass
class ClientTurn:
    """What a client instruction's rule works on: the run's state and the registered signer's wallet."""

    state: CoordinatorInstanceState
    signer: bytes
    ticks: bool = True

    def skip_tick(self) -> None:
        """Close the turn without the wrapper's tick (``checkpoint`` while the run is halted)."""
        self.ticks = False


@contextmanager
def client_turn(ctx: InvokeContext, accounts: Accounts) -> Iterator[ClientTurn]:
    """Open a registered client's turn (accounts, nonce, registration) and close it with the wrapper's tick."""
    account = permissionless_accounts(ctx, accounts)
    bump_nonce(ctx, account)
    turn = ClientTurn(state=account.state, signer=bytes(accounts.user.key))
    registered_client(turn.state.clients_state, turn.signer)
    yield turn
    if turn.ticks:
        tick(ctx, turn.state)

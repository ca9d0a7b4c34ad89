"""A registered client's turn: the opening and closing the client instructions share.

``witness``, ``warmup_witness``, ``health_check`` and ``checkpoint`` all open the same way in the reference: the
permissionless accounts are checked, the nonce is bumped, and the signer must be a registered client
(``SignerNotAClient`` otherwise); after their own rule they close with the wrapper's tick. :func:`client_turn`
holds that frame so each handler holds only its rule. A handler that fails raises out of the ``with`` block and
the tick does not run (the transaction fails anyway); ``checkpoint`` skips the tick while the run is halted with
:meth:`ClientTurn.skip_tick`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from coordinator_program.account_groups import permissionless_accounts
from coordinator_program.instance_state import bump_nonce, tick
from coordinator_program.state.clients_state import registered_client
from coordinator_program.state.coordinator_account import CoordinatorInstanceState
from emulator.anchor import Accounts
from emulator.program import InvokeContext

__all__ = ["ClientTurn", "OpenTurn", "client_turn"]


@dataclass
class ClientTurn:
    """What a client instruction's rule works on: the run's state and the registered signer's wallet."""

    state: CoordinatorInstanceState
    signer: bytes
    ticks: bool = True

    def skip_tick(self) -> None:
        """Close the turn without the wrapper's tick (``checkpoint`` while the run is halted)."""
        self.ticks = False


class OpenTurn:
    """The ``with`` block of a turn: entering it opens the turn, leaving it without an error closes it with the tick.

    A class, not a generator context manager, as every client instruction enters one."""

    __slots__ = ("_ctx", "_accounts", "_turn")

    def __init__(self, ctx: InvokeContext, accounts: Accounts) -> None:
        self._ctx = ctx
        self._accounts = accounts
        self._turn: ClientTurn | None = None

    def __enter__(self) -> ClientTurn:
        account = permissionless_accounts(self._ctx, self._accounts)
        bump_nonce(self._ctx, account)
        turn = ClientTurn(state=account.state, signer=bytes(self._accounts.user.key))
        registered_client(turn.state.clients_state, turn.signer)
        self._turn = turn
        return turn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if exc_type is None and self._turn is not None and self._turn.ticks:
            tick(self._ctx, self._turn.state)


def client_turn(ctx: InvokeContext, accounts: Accounts) -> OpenTurn:
    """Open a registered client's turn (accounts, nonce, registration) and close it with the wrapper's tick."""
    return OpenTurn(ctx, accounts)

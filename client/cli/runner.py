"""How every command talks to the chain: open the backend, run the command's coroutine, turn failures into one
clear message and a non-zero exit (never a traceback for a failure the user can act on)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from client.amounts import AmountError
from client.chain.backend import ChainBackend, ChainError, ChainUnavailable, TransactionFailed
from client.chain.open import ChainTarget, open_backend
from client.cli.command_error import CommandError
from client.cli.failures import Hints, describe_failure
from client.run_accounts import AccountLookupError
from formats.run_config import RunConfigError

__all__ = ["CommandError", "run_on_chain"]


def run_on_chain(
    chain: ChainTarget,
    action: Callable[[ChainBackend], Awaitable[None]],
    hints: Hints | None = None,
    one_shot: bool = True,
) -> None:
    """Run ``action`` against ``chain``; ``hints`` explain program errors in this command's terms. ``one_shot``
    (every command but ``train``): a refused connection is reported at once, not retried."""

    async def main() -> None:
        async with open_backend(chain, one_shot=one_shot) as backend:
            await action(backend)

    try:
        asyncio.run(main())
    except TransactionFailed as exc:
        raise CommandError(describe_failure(exc, hints)) from exc
    except ChainUnavailable as exc:
        raise CommandError(f"cannot reach {chain.description}: {exc}") from exc
    except (ChainError, AccountLookupError, RunConfigError, AmountError) as exc:
        raise CommandError(str(exc)) from exc

"""Which chain a command talks to: ``--rpc`` picks an RPC endpoint or, by default, the embedded ledger.

* ``--rpc http(s)://...`` (or a solana CLI moniker: ``localhost``, ``devnet``, ``testnet``, ``mainnet-beta``):
  the :class:`~client.chain.rpc.RpcBackend`, with any backup URLs as fallbacks;
* ``--rpc embedded`` (the default): the :class:`~client.chain.embedded.EmbeddedBackend` over the ledger
  directory ``--ledger`` (default ``.psyche-ledger``), so successive commands see one chain without a validator.

``train`` also subscribes to the coordinator over PubSub: at ``--ws-rpc``, or where a validator serves it next to
the ``--rpc`` endpoint (Solana's rule: ws scheme, port + 1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from client.chain.backend import ChainBackend
from client.errors import ClientError
from coordinator_program.mode import ProgramMode

__all__ = [
    "EMBEDDED",
    "DEFAULT_LEDGER",
    "MONIKERS",
    "ChainTarget",
    "BadChainTarget",
    "resolve_rpc",
    "websocket_url_for",
    "open_backend",
]

EMBEDDED = "embedded"
DEFAULT_LEDGER = Path(".psyche-ledger")
MONIKERS = {
    "localhost": "http://127.0.0.1:8899",
    "l": "http://127.0.0.1:8899",
    "devnet": "https://api.devnet.solana.com",
    "d": "https://api.devnet.solana.com",
    "testnet": "https://api.testnet.solana.com",
    "t": "https://api.testnet.solana.com",
    "mainnet-beta": "https://api.mainnet-beta.solana.com",
    "m": "https://api.mainnet-beta.solana.com",
}


class BadChainTarget(ClientError, ValueError):
    """An ``--rpc`` value that is neither a URL, a moniker nor ``embedded``."""


def resolve_rpc(value: str) -> str | None:
    """The endpoint URL ``value`` names, or None for the embedded chain. Surrounding quotes are dropped.

    >>> resolve_rpc('"http://127.0.0.1:8899"'), resolve_rpc("devnet"), resolve_rpc("embedded")
    ('http://127.0.0.1:8899', 'https://api.devnet.solana.com', None)
    """
    text = value.strip().strip('"')
    if text == EMBEDDED:
        return None
    if text in MONIKERS:
        return MONIKERS[text]
    if text.startswith(("http://", "https://")):
        return text
    raise BadChainTarget(
        f"--rpc must be an http(s) URL, a moniker ({', '.join(m for m in MONIKERS if len(m) > 1)}) "
        f"or '{EMBEDDED}', got {value!r}"
    )


def websocket_url_for(rpc_url: str) -> str:
    """The PubSub URL next to ``rpc_url``, by the solana CLI's rule: ws(s) scheme, and an explicit port + 1.

    >>> websocket_url_for("http://127.0.0.1:8899"), websocket_url_for("https://api.devnet.solana.com")
    ('ws://127.0.0.1:8900', 'wss://api.devnet.solana.com')
    """
    parts = urlsplit(rpc_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    netloc = parts.netloc if parts.port is None else f"{parts.netloc.rsplit(':', 1)[0]}:{parts.port + 1}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


@dataclass(frozen=True)
class ChainTarget:
    """Where a command's chain is: an RPC endpoint (with backups, and its PubSub URL), or the embedded ledger."""

    rpc: str = EMBEDDED
    ledger: Path = DEFAULT_LEDGER
    backup_rpcs: Sequence[str] = field(default_factory=tuple)
    ws_rpc: str | None = None
    mode: ProgramMode = ProgramMode.FAITHFUL  # the embedded chain's coordinator; a validator chooses its own

    @property
    def websocket_url(self) -> str | None:
        """Where to subscribe: ``ws_rpc``, else the URL next to the RPC endpoint; None on the embedded chain."""
        url = resolve_rpc(self.rpc)
        if url is None:
            return None
        return self.ws_rpc if self.ws_rpc is not None else websocket_url_for(url)

    @property
    def description(self) -> str:
        """How error messages name this chain."""
        url = resolve_rpc(self.rpc)
        return f"the embedded ledger {self.ledger}" if url is None else f"the RPC at {url}"


@asynccontextmanager
async def open_backend(target: ChainTarget, one_shot: bool = False) -> AsyncIterator[ChainBackend]:
    """The backend for ``target``, released when the block ends; ``one_shot``: for a command that answers and
    exits, which does not retry a refused connection (:class:`~client.chain.rpc.RpcBackend`).

    The backends are imported here, not at the top: the embedded one loads the programs, the RPC one solana-py,
    and a command that never opens a chain (``--help``, ``keygen``) should load neither.
    """
    url = resolve_rpc(target.rpc)
    if url is None:
        from client.chain.embedded import EmbeddedBackend
        from client.chain.ledger import clock_offset_from_env, open_ledger_bank

        with open_ledger_bank(target.ledger, clock_offset_from_env(), target.mode) as bank:
            embedded = EmbeddedBackend(bank)
            try:
                yield embedded
            finally:
                await embedded.close()
        return
    urls = [url]
    for backup in target.backup_rpcs:
        backup_url = resolve_rpc(backup)
        if backup_url is not None and backup_url not in urls:  # only backups that differ count, as in the reference
            urls.append(backup_url)
    from client.chain.rpc import RpcBackend

    rpc = RpcBackend(urls, one_shot=one_shot)
    try:
        yield rpc
    finally:
        await rpc.close()

"""One client's P2P endpoint: an aiohttp server for gossip, announcements and blobs, and the client side of each.

Routes: ``POST /gossip`` and ``POST /announce`` take a signed message; ``GET /peers`` lists the
announcements this node knows; ``GET /blobs/<sha256>`` serves a blob. Gossip is flooded: a message
seen for the first time is delivered to ``on_message`` and, if that says it is worth passing on, forwarded to
up to ``fanout`` other peers, so every participant hears it even when nobody knows everybody. Messages from keys
that are not participants are refused. Every request to a peer goes to an endpoint checked by
:func:`client.p2p.endpoints.peer_endpoint`, follows no redirect, and reads its answer within
:class:`client.p2p.limits.DownloadLimits`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from aiohttp import web
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from client.errors import ClientError
from client.p2p.announcements import PeerAnnouncement, PeerDirectory
from client.p2p.blobs import BlobStore, blob_hash
from client.p2p.limits import DownloadLimits, DownloadRefused, DownloadTooLarge, read_body
from client.p2p.signed import InvalidSignature, SignedMessage

__all__ = ["P2PNode", "BlobTooLarge", "BlobUnavailable"]

log = logging.getLogger(__name__)

MessageHandler = Callable[[SignedMessage], Awaitable[bool]]
"""Takes a verified message; True if it is worth passing on to other peers."""
SEEN_MESSAGES_KEPT = 4096
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=5)
MAX_MESSAGE_BYTES = 64 * 1024  # a signed gossip message or announcement (the reference caps gossip at 4 kB)
MAX_PEER_LIST_BYTES = 1024 * 1024


class BlobUnavailable(ClientError, RuntimeError):
    """No source served a blob with the expected hash, after every retry."""


class BlobTooLarge(BlobUnavailable):
    """No source served the blob within its size limit, and some offered more: it cannot be a valid blob."""


class P2PNode:
    def __init__(
        self,
        keypair: Keypair,
        is_participant: Callable[[Pubkey], bool],
        on_message: MessageHandler,
        *,
        fanout: int = 8,
        retry_delays: Sequence[float] = (2.0, 4.0, 8.0),
        limits: DownloadLimits | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """``retry_delays`` are the waits between download rounds (the reference's 2 s, 4 s, 8 s)."""
        self.keypair = keypair
        self.blobs = BlobStore()
        self.peers = PeerDirectory(is_participant)
        self._is_participant = is_participant
        self._on_message = on_message
        self._fanout = fanout
        self._retry_delays = tuple(retry_delays)
        self.limits = limits or DownloadLimits()
        self._rng = rng or random.Random()
        self._seen: OrderedDict[str, None] = OrderedDict()
        # Announcements are ordered by sequence; starting from the wall clock (ms) lets a restarted client's
        # new address replace the one peers kept from its previous run.
        self._sequence = time.time_ns() // 1_000_000
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    # -- lifecycle --------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0, advertise_host: str | None = None) -> str:
        """Serve on ``host:port`` (0 = any free port); returns the URL peers reach us at."""
        app = web.Application(client_max_size=MAX_MESSAGE_BYTES)
        app.add_routes(
            [
                web.post("/gossip", self._handle_gossip),
                web.post("/announce", self._handle_announce),
                web.get("/peers", self._handle_peers),
                web.get("/blobs/{digest}", self._handle_blob),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{advertise_host or host}:{bound_port}"
        self._session = aiohttp.ClientSession()
        return self.url

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- discovery --------------------------------------------------------------------
    def announcement(self) -> SignedMessage:
        """Our signed announcement, with a fresh sequence number."""
        self._sequence += 1
        return PeerAnnouncement(self.keypair.pubkey(), self.url, self._sequence).signed(self.keypair)

    async def bootstrap(self, urls: Sequence[str]) -> int:
        """Announce ourselves to ``urls`` and learn the peers they know; returns how many peers we know after."""
        mine = self.announcement()
        self._remember(mine)
        self.peers.offer(mine)
        for url in urls:
            await self._post(url, "/announce", mine.to_wire())
            for raw in await self._get_peer_list(url):
                try:
                    message = SignedMessage.from_wire(raw)
                    if self.peers.offer(message):
                        self._remember(message)
                except InvalidSignature as exc:
                    log.warning("bad announcement from %s: %s", url, exc)
        for url in self.peers.urls(exclude=self.keypair.pubkey()).values():
            if url not in urls:
                await self._post(url, "/announce", mine.to_wire())
        return len(self.peers.urls(exclude=self.keypair.pubkey()))

    # -- gossip -----------------------------------------------------------------------
    async def gossip(self, data: bytes) -> None:
        """Sign ``data`` and send it to up to ``fanout`` peers, who pass it on."""
        message = SignedMessage.sign(self.keypair, data)
        self._remember(message)
        await self._forward("/gossip", message, exclude=self.keypair.pubkey())

    async def _forward(self, route: str, message: SignedMessage, exclude: Pubkey) -> None:
        targets = [url for key, url in self.peers.urls(exclude=self.keypair.pubkey()).items() if key != exclude]
        chosen = self._rng.sample(targets, min(self._fanout, len(targets)))
        await asyncio.gather(*(self._post(url, route, message.to_wire()) for url in chosen))

    def _remember(self, message: SignedMessage) -> bool:
        """True if the message is new to us."""
        key = str(message.signature)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > SEEN_MESSAGES_KEPT:
            self._seen.popitem(last=False)
        return True

    async def _handle_gossip(self, request: web.Request) -> web.Response:
        message = await self._verified(request)
        if isinstance(message, web.Response):
            return message
        if self._remember(message) and await self._on_message(message):
            await self._forward("/gossip", message, exclude=message.sender)
        return web.json_response({"ok": True})

    async def _handle_announce(self, request: web.Request) -> web.Response:
        message = await self._verified(request)
        if isinstance(message, web.Response):
            return message
        try:
            news = self.peers.offer(message)
        except InvalidSignature as exc:
            return web.json_response({"error": str(exc)}, status=400)
        if news and self._remember(message):
            await self._forward("/announce", message, exclude=message.sender)
        return web.json_response({"ok": True})

    async def _verified(self, request: web.Request) -> SignedMessage | web.Response:
        try:
            message = SignedMessage.from_wire(await request.read())
        except InvalidSignature as exc:
            return web.json_response({"error": str(exc)}, status=400)
        if not self._is_participant(message.sender):
            return web.json_response({"error": f"{message.sender} is not a participant of this run"}, status=403)
        return message

    async def _handle_peers(self, request: web.Request) -> web.Response:
        return web.json_response([message.to_wire().decode() for message in self.peers.messages()])

    # -- blobs ------------------------------------------------------------------------
    async def _handle_blob(self, request: web.Request) -> web.Response:
        data = self.blobs.get(request.match_info["digest"])
        if data is None:
            return web.json_response({"error": "unknown blob"}, status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def fetch_blob(
        self, digest: str, sources: Sequence[Pubkey], tag: str, max_bytes: int, retry: bool = True
    ) -> bytes:
        """Download a blob of at most ``max_bytes`` from the first source that serves it intact, trying every known
        peer after ``sources``.

        Any holder can serve a blob, so after the announcer come the other peers, shuffled. A body whose
        hash differs, or that breaks the download limits, is discarded and the next holder asked. After a full
        round fails we wait ``retry_delays`` and try again (unless ``retry`` is False); the blob is kept under
        ``tag`` once fetched.
        """
        local = self.blobs.get(digest)
        if local is not None:
            return local
        too_large: DownloadTooLarge | None = None
        for delay in (*(self._retry_delays if retry else ()), None):
            urls = self.peers.urls(exclude=self.keypair.pubkey())
            others = [url for key, url in urls.items() if key not in sources]
            self._rng.shuffle(others)
            for url in [urls[key] for key in sources if key in urls] + others:
                try:
                    data = await self._get_blob(url, digest, max_bytes)
                except DownloadTooLarge as exc:
                    too_large = exc
                    continue
                if data is not None and blob_hash(data) == digest:
                    self.blobs.put(data, tag)
                    return data
            if delay is not None:
                await asyncio.sleep(delay)
        if too_large is not None:
            raise BlobTooLarge(f"blob {digest[:16]}… was only offered larger than {max_bytes:,} bytes ({too_large})")
        raise BlobUnavailable(f"blob {digest[:16]}… could not be downloaded from any peer")

    # -- HTTP client ------------------------------------------------------------------
    async def _post(self, url: str, route: str, body: bytes) -> None:
        assert self._session is not None, "start the node first"
        try:
            async with self._session.post(
                url + route, data=body, timeout=REQUEST_TIMEOUT, allow_redirects=False
            ) as response:
                if response.status >= 400:
                    log.debug("%s%s refused: %s", url, route, await response.text())
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.debug("%s%s unreachable: %s", url, route, exc)

    async def _get_peer_list(self, url: str) -> list[bytes]:
        assert self._session is not None, "start the node first"
        try:
            async with self._session.get(url + "/peers", timeout=REQUEST_TIMEOUT, allow_redirects=False) as response:
                listed = json.loads(await read_body(response, MAX_PEER_LIST_BYTES, self.limits))
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, DownloadRefused) as exc:
            log.debug("%s/peers unreachable: %s", url, exc)
            return []
        return [item.encode() for item in listed if isinstance(item, str)] if isinstance(listed, list) else []

    async def _get_blob(self, url: str, digest: str, max_bytes: int) -> bytes | None:
        assert self._session is not None, "start the node first"
        timeout = self.limits.client_timeout()
        try:
            async with self._session.get(f"{url}/blobs/{digest}", timeout=timeout, allow_redirects=False) as response:
                if response.status != 200:
                    return None  # this peer does not hold it (or will not say): the next one is asked
                return await read_body(response, max_bytes, self.limits)
        except DownloadRefused as exc:
            log.warning("blob %s from %s abandoned: %s", digest[:16], url, exc)
            if isinstance(exc, DownloadTooLarge):
                raise
            return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.debug("blob %s from %s failed: %s", digest[:16], url, exc)
            return None

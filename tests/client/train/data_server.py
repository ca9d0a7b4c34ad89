"""A real HTTP server on 127.0.0.1 serving token files (``psyche-serve-data``'s app), in a thread, for tests.

It records every request (method, path, Range) and can misbehave per path: answer 503 a few times, send fewer
bytes than asked, answer too slowly, or ignore ``Range`` and send the whole file. It also serves a Google Cloud
Storage JSON listing of its files under ``/storage/v1/b/<bucket>/o`` (two objects per page).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from client.data.serve import data_app

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    range: str | None


@dataclass
class Faults:
    """Misbehaviour by path (``/a.bin``)."""

    unavailable: dict[str, int] = field(default_factory=dict)  # path -> how many more GETs answer 503
    truncated: set[str] = field(default_factory=set)
    slow: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering a GET
    ignore_range: set[str] = field(default_factory=set)


class DataServer:
    """``with DataServer(directory) as server: server.url("a.bin")``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.requests: list[Request] = []
        self.faults = Faults()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.in_flight = 0
        self.most_in_flight = 0

    def url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def gets(self, path: str | None = None) -> list[Request]:
        """The GET requests for data files so far (of one path if given)."""
        return [r for r in self.requests if r.method == "GET" and (path is None or r.path == path)]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(Request(request.method, request.path, request.headers.get("Range")))
        if request.method != "GET":
            return await handler(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._get(request, handler)
        finally:
            self.in_flight -= 1

    async def _get(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if self.faults.unavailable.get(path, 0) > 0:
            self.faults.unavailable[path] -= 1
            return web.Response(status=503)
        if path in self.faults.slow:
            await asyncio.sleep(self.faults.slow[path])
        if path in self.faults.ignore_range:
            return web.Response(body=(self.directory / path.lstrip("/")).read_bytes())
        if path in self.faults.truncated:
            response = await handler(request)
            assert isinstance(response, web.FileResponse)
            first, last = (int(x) for x in request.headers["Range"].removeprefix("bytes=").split("-"))
            with (self.directory / path.lstrip("/")).open("rb") as handle:
                handle.seek(first)
                return web.Response(status=206, body=handle.read(max(0, last - first)))  # one byte short
        return await handler(request)

    async def _listing(self, request: web.Request) -> web.Response:
        names = sorted(p.name for p in self.directory.iterdir() if p.is_file())
        prefix = request.query.get("prefix", "")
        names = [n for n in names if n.startswith(prefix)]
        start = int(request.query.get("pageToken", "0"))
        items = [
            {"name": n, "size": str((self.directory / n).stat().st_size), "mediaLink": self.url(n), "etag": "e1"}
            for n in names[start : start + 2]
        ]
        page: dict[str, object] = {"items": items}
        if start + 2 < len(names):
            page["nextPageToken"] = str(start + 2)
        return web.json_response(page)

    async def _start(self) -> None:
        app = data_app(self.directory, [self._middleware], [web.get("/storage/v1/b/{bucket}/o", self._listing)])
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def __enter__(self) -> DataServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

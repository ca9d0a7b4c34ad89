"""A stand-in for the Hugging Face Hub's commit API on 127.0.0.1, enough for ``HfApi.upload_folder``.

It answers ``preupload`` (every file a regular git blob, so no LFS or Xet transfer) and ``commit`` (an NDJSON
header line, then one base64 file per line), keeps what each commit held, and records the Authorization header.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Commit:
    repo_id: str
    revision: str
    message: str
    files: dict[str, bytes]
    authorization: str | None
    oid: str


@dataclass
class FakeHub:
    commits: list[Commit] = field(default_factory=list)
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _preupload(self, request: web.Request) -> web.Response:
        files = (await request.json())["files"]
        return web.json_response(
            {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
        )

    async def _commit(self, request: web.Request) -> web.Response:
        lines = [json.loads(line) for line in (await request.read()).splitlines() if line]
        header = next(line["value"] for line in lines if line["key"] == "header")
        files = {
            line["value"]["path"]: base64.b64decode(line["value"]["content"])
            for line in lines
            if line["key"] == "file"
        }
        repo_id = f"{request.match_info['namespace']}/{request.match_info['name']}"
        oid = hashlib.sha1(json.dumps(sorted((k, v.hex()) for k, v in files.items())).encode()).hexdigest()
        self.commits.append(
            Commit(repo_id, request.match_info["revision"], header["summary"], files,
                   request.headers.get("Authorization"), oid)
        )  # fmt: skip
        return web.json_response(
            {"commitUrl": f"{self.endpoint}/{repo_id}/commit/{oid}", "commitOid": oid, "pullRequestUrl": None}
        )

    def __enter__(self) -> FakeHub:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def start() -> web.AppRunner:
            app = web.Application(client_max_size=64 << 20)  # a small model's safetensors, base64
            app.router.add_post("/api/models/{namespace}/{name}/preupload/{revision}", self._preupload)
            app.router.add_post("/api/models/{namespace}/{name}/commit/{revision}", self._commit)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self.port = runner.addresses[0][1]
            return runner

        self._runner = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

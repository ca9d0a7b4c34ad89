"""``psyche-serve-data DIR``: serve prepared token files over HTTP for an ``Http`` data location.

The HTTP data provider reads with HEAD (for sizes) and ``Range`` GETs; aiohttp's static file handler answers
both (Python's ``http.server`` ignores ``Range``, so it cannot stand in). Only the files of DIR are served, read
only, without a directory listing. At start it prints the ``NumberedFiles`` table of a run config that reads
them, from DIR's ``dataset.json`` (written by ``psyche-prepare-data``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from aiohttp import web

from client.data.token_files import MANIFEST_NAME

__all__ = ["data_app", "numbered_files_toml", "main"]


def data_app(
    directory: Path, middlewares: Iterable[web.types.Middleware] = (), routes: Iterable[web.RouteDef] = ()
) -> web.Application:
    """An aiohttp app serving ``directory``'s files (GET with ``Range``, HEAD); ``middlewares`` run first, and
    ``routes`` are matched before the files."""
    app = web.Application(middlewares=list(middlewares))
    app.add_routes(list(routes))
    app.router.add_static("/", directory, show_index=False, follow_symlinks=False)
    return app


def numbered_files_toml(directory: Path, base_url: str) -> str:
    """The ``[model.LLM.data_location.Http]`` tables that read ``directory``'s shards from ``base_url``."""
    manifest = json.loads((directory / MANIFEST_NAME).read_text())
    return "\n".join(
        [
            "[model.LLM.data_location.Http]",
            f'token_size_in_bytes = "{manifest["token_size_in_bytes"]}"',
            'shuffle = "DontShuffle"',
            "[model.LLM.data_location.Http.location.NumberedFiles]",
            f'url_template = "{base_url.rstrip("/")}/{manifest["shard_template"]}"   # at most 64 bytes',
            "start_index = 0",
            f"n_left_pad_zeros = {manifest['n_left_pad_zeros']}",
            f"num_files = {manifest['num_files']}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``psyche-serve-data DIR [--host 0.0.0.0] [--port 8000] [--public-host HOST]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip("`"))
    parser.add_argument("directory", type=Path, help="a directory written by psyche-prepare-data")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--public-host", help="the host name clients reach this server by (for the printed URL)")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.exit(1, f"serve-data: {args.directory} is not a directory\n")
    public = args.public_host or args.host
    if (args.directory / MANIFEST_NAME).is_file():
        print(numbered_files_toml(args.directory, f"http://{public}:{args.port}"), flush=True)
    print(f"serving {args.directory} at http://{public}:{args.port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
    web.run_app(data_app(args.directory), host=args.host, port=args.port, print=None)
    return 0

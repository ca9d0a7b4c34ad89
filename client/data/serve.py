"""``psyche-serve-data DIR``: serve prepared token files over HTTP for an ``Http`` data location.

The HTTP data provider reads with HEAD (for sizes) and ``Range`` GETs; aiohttp's static file handler answers
both (Python's ``http.server`` ignores ``Range``, so it cannot stand in). Only the files of DIR are served, read
only, without a directory listing. At start it prints the ``NumberedFiles`` location that reads them, from DIR's
``dataset.json`` (written by ``psyche-prepare-data``); with ``--config-path IN --config-out OUT`` it also writes
a copy of the run config IN whose data location is that one, ready for ``create-run``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import tomli
import tomli_w
from aiohttp import web
from aiohttp.typedefs import Middleware

from formats.run_config import RunConfigError, parse_run_config
from formats.token_files import MANIFEST_NAME

__all__ = ["data_app", "numbered_files_location", "config_with_location", "main"]


def data_app(
    directory: Path, middlewares: Iterable[Middleware] = (), routes: Iterable[web.RouteDef] = ()
) -> web.Application:
    """An aiohttp app serving ``directory``'s files (GET with ``Range``, HEAD); ``middlewares`` run first, and
    ``routes`` are matched before the files."""
    app = web.Application(middlewares=list(middlewares))
    app.add_routes(list(routes))
    app.router.add_static("/", directory, show_index=False, follow_symlinks=False)
    return app


def numbered_files_location(directory: Path, base_url: str) -> dict[str, Any]:
    """The ``data_location`` value (``Http`` with ``NumberedFiles``) that reads ``directory``'s shards at
    ``base_url``."""
    manifest = json.loads((directory / MANIFEST_NAME).read_text())
    files = {
        "url_template": f"{base_url.rstrip('/')}/{manifest['shard_template']}",
        "start_index": 0,
        "n_left_pad_zeros": manifest["n_left_pad_zeros"],
        "num_files": manifest["num_files"],
    }
    http = {"location": {"NumberedFiles": files}, "token_size_in_bytes": manifest["token_size_in_bytes"]}
    return {"Http": http | {"shuffle": "DontShuffle"}}


def config_with_location(config: Path, location: dict[str, Any]) -> str:
    """The run config at ``config`` with its data location replaced, as TOML; RunConfigError if it is not valid."""
    document = tomli.loads(config.read_text())
    document["model"]["LLM"]["data_location"] = location
    text = tomli_w.dumps(document)
    parse_run_config(text, str(config))
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``psyche-serve-data DIR [--host 0.0.0.0] [--port 8000] [--public-host HOST]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip("`"))
    parser.add_argument("directory", type=Path, help="a directory written by psyche-prepare-data")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--public-host", help="the host name clients reach this server by (for the URLs)")
    parser.add_argument("--config-path", type=Path, help="a run config to copy with this data location")
    parser.add_argument("--config-out", type=Path, help="where to write that copy (with --config-path)")
    args = parser.parse_args(argv)
    if not (args.directory / MANIFEST_NAME).is_file():
        parser.exit(1, f"serve-data: {args.directory} holds no {MANIFEST_NAME}: write it with psyche-prepare-data\n")
    if (args.config_path is None) != (args.config_out is None):
        parser.exit(2, "serve-data: --config-path and --config-out go together\n")
    public = args.public_host or args.host
    location = numbered_files_location(args.directory, f"http://{public}:{args.port}")
    print(json.dumps({"data_location": location}), flush=True)
    if args.config_path is not None:
        try:
            args.config_out.write_text(config_with_location(args.config_path, location))
        except (OSError, KeyError, TypeError, tomli.TOMLDecodeError, RunConfigError) as exc:
            parser.exit(1, f"serve-data: cannot write {args.config_out} from {args.config_path}: {exc}\n")
    print(f"serving {args.directory} at http://{public}:{args.port}/ (Ctrl-C stops)", file=sys.stderr, flush=True)
    web.run_app(data_app(args.directory), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())

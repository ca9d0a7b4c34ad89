"""Can a client train this run? The checks ``create-run`` and ``update-config`` make before sending a config.

The coordinator accepts configs no client of this project can train (a data location it cannot read, a checkpoint
it cannot load), and the owner would learn it only when the clients fail at Warmup, after they joined. So the
owner's commands check first and refuse, saying why; ``--force`` sends anyway.

* Data: ``Dummy``; ``Local`` (the directory holds token files here; clients may override it with ``--data-dir``);
  ``Http`` without a seeded shuffle, with well-formed URLs, and reachable from here (one HEAD, or one bucket
  listing page, within a few seconds); ``Server`` as HOST:PORT (a centralized server's data server, not contacted).
  ``WeightedHttp`` and ``Preprocessed`` are not supported.
* Checkpoint: ``Dummy``; ``Hub``/``P2P`` whose repo is a local directory holding a ``config.json`` (or uploaded
  revisions), or a well-formed Hub repo id (the Hub itself is not contacted). ``Gcs``, ``P2PGcs`` and
  ``Ephemeral`` are not supported.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from client.data.errors import DataError
from client.data.http.urls import check_url, numbered_file_urls
from client.participant.checkpoint_repo import check_hub_repo_id, is_local_repo
from client.participant.local_hub import HubRepoError
from coordinator_program.core.types import (
    CheckpointTag,
    HttpLLMTrainingDataLocation,
    HttpTrainingDataLocationTag,
    LLMTrainingDataLocationTag,
    Model,
    ShuffleTag,
)
from formats.errors import TokenFileError
from formats.token_files import data_files

__all__ = ["PROBE_TIMEOUT_S", "training_problems"]

PROBE_TIMEOUT_S = 5.0
_DATA = "model.LLM.data_location"
_CHECKPOINT = "model.LLM.checkpoint"


async def _probe(location: HttpLLMTrainingDataLocation) -> None:
    """Size the location's first file (or list its bucket) once, without retries; HttpDataError if it fails."""
    from client.data.http.fetch import HttpSettings, RangeFetcher
    from client.data.http.locations import remote_files

    settings = HttpSettings(request_timeout=PROBE_TIMEOUT_S, retries=0)
    fetcher = RangeFetcher(settings)
    try:
        kind = HttpTrainingDataLocationTag(location.location.kind)
        if kind is HttpTrainingDataLocationTag.NumberedFiles:
            files = location.location.variant()
            first = numbered_file_urls(
                files.url_template.value, int(files.start_index), int(files.n_left_pad_zeros), 1
            )
            await fetcher.head(first[0])
        else:
            await remote_files(location.location, fetcher)
    finally:
        await fetcher.close()


def _http_problem(location: HttpLLMTrainingDataLocation, probe: bool) -> str | None:
    field = f"{_DATA}.Http"
    if ShuffleTag(location.shuffle.kind) is ShuffleTag.Seeded:
        return f'{field}.shuffle: a Seeded shuffle cannot be reproduced by this client; use "DontShuffle"'
    kind = HttpTrainingDataLocationTag(location.location.kind)
    field = f"{field}.location.{kind.name}"
    try:
        if kind is HttpTrainingDataLocationTag.SingleUrl:
            check_url(location.location.variant().value)
        elif kind is HttpTrainingDataLocationTag.NumberedFiles:
            files = location.location.variant()
            numbered_file_urls(files.url_template.value, int(files.start_index), int(files.n_left_pad_zeros), 1)
        if probe:
            asyncio.run(_probe(location))
    except DataError as exc:
        return f"{field}: {exc}"
    return None


def _data_problem(model: Model, probe: bool) -> str | None:
    location = model.llm.data_location
    kind = LLMTrainingDataLocationTag(location.kind)
    match kind:
        case LLMTrainingDataLocationTag.Dummy:
            return None
        case LLMTrainingDataLocationTag.Local:
            try:
                data_files(Path(location.variant().value))
            except (DataError, TokenFileError) as exc:
                return f"{_DATA}.Local: {exc} on this machine (clients can name theirs with --data-dir)"
            return None
        case LLMTrainingDataLocationTag.Http:
            return _http_problem(location.variant(), probe)
        case LLMTrainingDataLocationTag.Server:
            host, _, port = str(location.variant().value).rpartition(":")
            if host and port.isdigit() and 0 < int(port) < 65536:
                return None  # a centralized server's data server (psyche-centralized-server --data-config)
            return f"{_DATA}.Server: must be HOST:PORT of a centralized server's data server"
        case LLMTrainingDataLocationTag.WeightedHttp | LLMTrainingDataLocationTag.Preprocessed:
            return f"{_DATA}.{kind.name}: not supported by this client (it reads Dummy, Local, Http and Server data)"
    raise AssertionError(f"unhandled data location {kind!r}")


def _checkpoint_problem(model: Model) -> str | None:
    checkpoint = model.llm.checkpoint
    kind = CheckpointTag(checkpoint.kind)
    if kind in (CheckpointTag.Gcs, CheckpointTag.P2PGcs, CheckpointTag.Ephemeral):
        return f"{_CHECKPOINT}.{kind.name}: not supported by this client (it loads Hub, P2P and Dummy checkpoints)"
    repo_id = checkpoint.variant().repo_id.value
    if not repo_id:
        return None  # Dummy: the built-in model (an empty Hub/P2P repo id the program's own check refuses)
    field = f"{_CHECKPOINT}.{kind.name}.repo_id"
    if not is_local_repo(repo_id):
        try:
            check_hub_repo_id(repo_id)
        except HubRepoError as exc:
            return f"{field}: {exc}"
        return None
    repo = Path(repo_id)
    if not ((repo / "config.json").is_file() or (repo / "refs" / "main").is_file()):
        return f"{field}: the local directory {repo_id!r} holds no config.json (a Hugging Face model config)"
    return None


def training_problems(model: Model, probe: bool = True) -> list[str]:
    """Why a client of this project could not train ``model`` (empty when it can); ``probe`` contacts Http data."""
    return [problem for problem in (_data_problem(model, probe), _checkpoint_problem(model)) if problem is not None]

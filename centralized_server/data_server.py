"""The training data server: a run whose data location is ``Server = "host:port"`` reads its samples from here.

``psyche-centralized-server run --data-config data.toml`` (the reference's ``DataServerInfo``)::

    dir = "data/tiny-llama"          # a directory of token files (.bin/.ds/.npy, read raw)
    token_size = "TwoBytes"          # TwoBytes (u16) | FourBytes (u32)
    seq_len = 256                    # tokens per sample: the run's max_seq_len
    shuffle_seed = [0, 1, ..., 31]   # optional: 32 bytes; sample ids are shuffled with them

Sample i is the i-th sequence pointer (for each file in name order, byte offsets 0, S, 2S, ... below size - S,
as ``Local`` data), after a shuffle seeded by ``shuffle_seed`` (Python's ``random``, not the reference's ChaCha8:
the order only has to be the same for every client of this server, and it is, since the server alone reads it).
The server listens on the location's port; a client connects with the hello of the coordinator's port and asks
for a batch's samples (:class:`~centralized_server.wire.DataRequest`). Only clients of the current epoch are
served, as in the reference, and an answer never exceeds one server frame.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli

from centralized_server.errors import DataConfigError, ProtocolError, UnexpectedMessage
from centralized_server.events import emit
from centralized_server.handshake import authenticate, refuse
from centralized_server.wire import (
    MAX_CLIENT_FRAME,
    MAX_SERVER_FRAME,
    DataRequest,
    TrainingData,
    decode_message,
    encode_message,
    read_frame,
    write_frame,
)
from coordinator_program.core.types import Coordinator, LLMTrainingDataLocationTag, TokenSize
from formats.errors import TokenFileError
from formats.token_files import data_files, token_bytes

__all__ = ["DataConfig", "TokenSamples", "TrainingDataServer", "load_data_config", "server_data_port"]

SEED_BYTES = 32


@dataclass(frozen=True)
class DataConfig:
    """What ``data.toml`` says: where the token files are, their width, the sample length and the shuffle."""

    directory: Path
    token_size: TokenSize
    seq_len: int
    shuffle_seed: bytes | None


def _field(document: dict[str, Any], key: str, source: str, check: Callable[[Any], bool], rule: str) -> Any:
    value = document.get(key)
    if not check(value):
        raise DataConfigError(f"{source}: {key} must be {rule}, got {value!r}")
    return value


def load_data_config(path: str | os.PathLike[str]) -> DataConfig:
    """Read and check ``data.toml``; DataConfigError says which field is wrong (a relative dir is the file's)."""
    source = os.fspath(path)
    try:
        document = tomli.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError) as exc:
        raise DataConfigError(f"{source} cannot be read as TOML: {exc}") from exc
    unknown = set(document) - {"dir", "token_size", "seq_len", "shuffle_seed"}
    if unknown:
        raise DataConfigError(f"{source}: unknown keys {sorted(unknown)} (dir, token_size, seq_len, shuffle_seed)")
    directory = _field(document, "dir", source, lambda v: isinstance(v, str) and bool(v), "a directory path")
    size = _field(document, "token_size", source, lambda v: v in ("TwoBytes", "FourBytes"), "TwoBytes or FourBytes")
    seq_len = _field(document, "seq_len", source, lambda v: type(v) is int and 0 < v <= 1 << 20, "an int > 0")
    seed = document.get("shuffle_seed")
    if seed is not None:
        _field(document, "shuffle_seed", source, _is_seed, f"{SEED_BYTES} integers 0..255")
    resolved = Path(directory) if Path(directory).is_absolute() else Path(source).parent / directory
    return DataConfig(resolved, TokenSize[size], seq_len, bytes(seed) if seed is not None else None)


def _is_seed(value: object) -> bool:
    return isinstance(value, list) and len(value) == SEED_BYTES and all(type(b) is int and 0 <= b < 256 for b in value)


def server_data_port(coordinator: Coordinator) -> int | None:
    """The port of the run's ``Server = "host:port"`` data location; None for any other location."""
    location = coordinator.model.llm.data_location
    if LLMTrainingDataLocationTag(location.kind) is not LLMTrainingDataLocationTag.Server:
        return None
    _, _, port = str(location.variant().value).rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise DataConfigError(f"the run's data location Server = {location.variant().value!r} is not HOST:PORT")
    return int(port)


class TokenSamples:
    """The token files' samples, by (shuffled) id: raw bytes, read from disk on demand."""

    def __init__(self, config: DataConfig) -> None:
        try:
            self.paths = data_files(config.directory)
        except TokenFileError as exc:
            raise DataConfigError(str(exc)) from exc
        self.width = token_bytes(config.token_size)
        self.sample_bytes = config.seq_len * self.width
        self.pointers = [
            (index, offset)
            for index, path in enumerate(self.paths)
            for offset in range(0, path.stat().st_size - self.sample_bytes, self.sample_bytes)
        ]
        if not self.pointers:
            raise DataConfigError(f"no sample of {config.seq_len} tokens fits the files in {config.directory}")
        if config.shuffle_seed is not None:
            random.Random(config.shuffle_seed).shuffle(self.pointers)

    def read(self, start: int, end: int) -> bytes:
        chunks = []
        for sample in range(start, end + 1):
            index, offset = self.pointers[sample]
            with self.paths[index].open("rb") as handle:
                handle.seek(offset)
                chunks.append(handle.read(self.sample_bytes))
        return b"".join(chunks)


class TrainingDataServer:
    """Serves ``config``'s samples to the clients of ``coordinator()``'s current epoch, for run ``run_id``."""

    def __init__(self, config: DataConfig, run_id: str, coordinator: Callable[[], Coordinator]) -> None:
        self.config = config
        self.run_id = run_id
        self.coordinator = coordinator
        self.samples = TokenSamples(config)
        self.max_samples = (MAX_SERVER_FRAME - 16) // self.samples.sample_bytes
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._accept, host, port)
        bound = int(self._server.sockets[0].getsockname()[1])
        emit(
            "data_server_started",
            f"serving {len(self.samples.pointers)} samples of {self.config.directory} on {host}:{bound}",
            port=bound,
            samples=len(self.samples.pointers),
        )
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            hello = await asyncio.wait_for(authenticate(reader, writer, self.run_id), 10.0)
            while True:
                request = decode_message(await read_frame(reader, MAX_CLIENT_FRAME))
                if not isinstance(request, DataRequest):
                    raise UnexpectedMessage(f"the data server answers DataRequest, not {type(request).__name__}")
                write_frame(writer, encode_message(self.answer(hello.signer, request)))
                await writer.drain()
        except ProtocolError as exc:
            await refuse(writer, "data_request_refused", exc)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass  # the client left
        finally:
            self._writers.discard(writer)
            writer.close()

    def answer(self, signer: bytes, request: DataRequest) -> TrainingData:
        """The samples asked for, or ProtocolError: not a client of this epoch, too many, or out of range."""
        coordinator = self.coordinator()
        if all(bytes(client.id.signer) != signer for client in coordinator.epoch_state.clients):
            raise UnexpectedMessage("only clients of the current epoch are served data (NotInThisRound)")
        count = request.end - request.start + 1
        if count > self.max_samples:
            raise UnexpectedMessage(f"{count} samples in one request; at most {self.max_samples} fit a frame")
        if request.end >= len(self.samples.pointers):
            raise UnexpectedMessage(f"sample {request.end} is out of range: there are {len(self.samples.pointers)}")
        return TrainingData(self.samples.width, self.samples.read(request.start, request.end))

"""The ``Server`` data provider: samples read from the centralized server's data server (``--data-config``).

The run's data location ``Server = "host:port"`` names it. The client opens a connection as to the coordinator's
port (the server's challenge, our signed hello: the data server serves only clients of the current epoch), then
asks for each batch's samples (:mod:`centralized_server.wire`: ``DataRequest`` -> ``TrainingData``). The trainer
calls :meth:`ServerDataProvider.get_samples` from its worker thread, so this speaks blocking sockets; a dropped
connection is opened again on the next request, a few times, before the batch fails with a DataError.
"""

from __future__ import annotations

import socket
import struct
import time

import torch
from solders.keypair import Keypair

from centralized_server.errors import ProtocolError
from centralized_server.wire import (
    MAX_SERVER_FRAME,
    Challenge,
    DataRequest,
    ErrorMessage,
    Hello,
    Message,
    TrainingData,
    decode_message,
    encode_message,
    hello_message,
)
from client.data.errors import DataError
from coordinator_program.core.data_assignment import BatchId

__all__ = ["ServerDataProvider"]

_LENGTH = struct.Struct(">I")
ATTEMPTS = 3
RETRY_DELAY_S = 1.0


class ServerDataProvider:
    """Samples of ``seq_len`` tokens from the data server at ``address`` for run ``run_id``, as ``wallet``."""

    def __init__(self, address: str, run_id: str, wallet: Keypair, seq_len: int, timeout_s: float = 30.0) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise DataError(f"the Server data location must be HOST:PORT, got {address!r}")
        self.address = address
        self.seq_len = seq_len
        self._endpoint = (host, int(port))
        self._run_id = run_id
        self._wallet = wallet
        self._timeout_s = timeout_s
        self._socket: socket.socket | None = None

    def num_sequences(self) -> int:
        """Unknown to the client: the server refuses ids past its end (no held-out part is read from it)."""
        return 0

    def get_samples(self, batch: BatchId) -> torch.Tensor:
        """The batch's samples, in id order, as int64 [len(batch), seq_len]; DataError once retries are spent."""
        for attempt in range(ATTEMPTS):
            try:
                answer = self._ask(DataRequest(batch.start, batch.end))
                break
            except (OSError, ProtocolError) as exc:
                self.close()
                if attempt == ATTEMPTS - 1:
                    raise DataError(f"the data server at {self.address} did not give batch {batch}: {exc}") from exc
                time.sleep(RETRY_DELAY_S)
        if isinstance(answer, ErrorMessage):
            self.close()  # the server closes a connection it refused
            raise DataError(f"the data server at {self.address} refused batch {batch}: {answer.reason}")
        if not isinstance(answer, TrainingData):
            raise DataError(f"the data server at {self.address} answered {type(answer).__name__}")
        dtype = torch.uint16 if answer.token_bytes == 2 else torch.uint32
        expected = len(batch) * self.seq_len * answer.token_bytes
        if len(answer.tokens) != expected:
            raise DataError(f"the data server sent {len(answer.tokens)} bytes for batch {batch}, not {expected}")
        tokens = torch.frombuffer(bytearray(answer.tokens), dtype=dtype)
        return tokens.to(torch.int64).reshape(len(batch), self.seq_len)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _ask(self, request: DataRequest) -> Message:
        connection = self._socket or self._connect()
        _send(connection, encode_message(request))
        return decode_message(_receive(connection))

    def _connect(self) -> socket.socket:
        connection = socket.create_connection(self._endpoint, timeout=self._timeout_s)
        try:
            challenge = decode_message(_receive(connection))
            if not isinstance(challenge, Challenge):
                raise OSError(f"the data server opened with {type(challenge).__name__}, not a challenge")
            signature = self._wallet.sign_message(hello_message(challenge.nonce, self._run_id))
            _send(connection, encode_message(Hello(bytes(self._wallet.pubkey()), bytes(signature), self._run_id)))
        except BaseException:
            connection.close()
            raise
        self._socket = connection
        return connection


def _send(connection: socket.socket, payload: bytes) -> None:
    connection.sendall(_LENGTH.pack(len(payload)) + payload)


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 16))
        if not chunk:
            raise OSError("the data server closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(connection: socket.socket) -> bytes:
    (length,) = _LENGTH.unpack(_exactly(connection, _LENGTH.size))
    if length > MAX_SERVER_FRAME:
        raise OSError(f"a frame of {length} bytes is over the {MAX_SERVER_FRAME}-byte limit")
    return _exactly(connection, length)

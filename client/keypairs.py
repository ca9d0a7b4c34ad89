"""Wallets as the Solana tools store them: ``solana-keygen`` JSON files and the ``RAW_WALLET_PRIVATE_KEY`` variable.

A keypair file is a JSON array of 64 integers, the 32-byte ed25519 seed followed by the 32-byte public key
(spec programs-and-cli.md §3.1). ``RAW_WALLET_PRIVATE_KEY`` holds the same 64 bytes, either as that JSON array
(a value starting with ``[``) or as base58 text, and wins over the file, as in the reference.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from solders.keypair import Keypair

from client.errors import ClientError

__all__ = [
    "KeypairError",
    "NO_WALLET_MESSAGE",
    "RAW_WALLET_ENV",
    "keypair_from_json",
    "keypair_from_raw",
    "load_wallet",
    "read_keypair_file",
    "write_keypair_file",
]

RAW_WALLET_ENV = "RAW_WALLET_PRIVATE_KEY"
NO_WALLET_MESSAGE = "No wallet private key! Must pass --wallet-private-key-path or set RAW_WALLET_PRIVATE_KEY"
_KEYPAIR_LEN = 64
# A solana-keygen file is at most about 260 bytes; anything far larger is not one, and is not read whole.
MAX_KEYPAIR_FILE_BYTES = 4096


class KeypairError(ClientError, ValueError):
    """A wallet that cannot be loaded; the message names where it came from and what is wrong with it."""


def keypair_from_json(text: str, source: str) -> Keypair:
    """The keypair in a solana-keygen JSON array; ``source`` names it in errors.

    >>> keypair_from_json(json.dumps(list(bytes(Keypair.from_seed(bytes(32))))), "x").pubkey()
    Pubkey(
        4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS,
    )
    >>> keypair_from_json("[1, 2]", "x")
    Traceback (most recent call last):
    ...
    client.keypairs.KeypairError: x: expected a JSON array of 64 integers (solana-keygen format), got 2 items
    """
    try:
        values = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeypairError(f"{source}: not a keypair: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    if not isinstance(values, list):
        raise KeypairError(f"{source}: expected a JSON array of 64 integers (solana-keygen format)")
    if len(values) != _KEYPAIR_LEN:
        raise KeypairError(
            f"{source}: expected a JSON array of 64 integers (solana-keygen format), got {len(values)} items"
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values):
        raise KeypairError(f"{source}: every item of a keypair array must be an integer from 0 to 255")
    return _from_bytes(bytes(values), source)


def keypair_from_raw(value: str) -> Keypair:
    """``RAW_WALLET_PRIVATE_KEY``: a JSON byte array when it starts with ``[``, else base58 of the 64 bytes."""
    text = value.strip()
    if text.startswith("["):
        return keypair_from_json(text, RAW_WALLET_ENV)
    try:
        return Keypair.from_base58_string(text)
    except ValueError as exc:
        raise KeypairError(f"{RAW_WALLET_ENV}: neither a JSON byte array nor base58 of a 64-byte keypair") from exc


def _from_bytes(raw: bytes, source: str) -> Keypair:
    try:
        return Keypair.from_bytes(raw)
    except ValueError as exc:
        raise KeypairError(f"{source}: the last 32 bytes are not the public key of the first 32") from exc


def read_keypair_file(path: str | os.PathLike[str]) -> Keypair:
    """The keypair in a solana-keygen file; a binary, oversized or non-UTF-8 file is a :class:`KeypairError` like
    any other file that is not one."""
    source = os.fspath(path)
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_KEYPAIR_FILE_BYTES + 1)
    except OSError as exc:
        raise KeypairError(f"cannot read keypair file {source}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_KEYPAIR_FILE_BYTES:
        raise KeypairError(
            f"{source}: not a keypair: larger than {MAX_KEYPAIR_FILE_BYTES} bytes (a solana-keygen file is a JSON "
            "array of 64 integers)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeypairError(
            f"{source}: not a keypair: byte {exc.start} is not UTF-8 text (a solana-keygen file is a JSON array of "
            "64 integers)"
        ) from exc
    return keypair_from_json(text, source)


def load_wallet(path: str | os.PathLike[str] | None, raw: str | None) -> Keypair:
    """The signing wallet: ``raw`` (the environment's ``RAW_WALLET_PRIVATE_KEY``) if set, else the file at ``path``."""
    if raw:
        return keypair_from_raw(raw)
    if path is None:
        raise KeypairError(NO_WALLET_MESSAGE)
    return read_keypair_file(path)


def write_keypair_file(path: str | os.PathLike[str], keypair: Keypair, *, overwrite: bool = False) -> None:
    """Write ``keypair`` as solana-keygen does (readable by the owner only); never replace a file unless asked."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise KeypairError(f"{target} already exists; pass --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(list(bytes(keypair))))
    except OSError as exc:
        raise KeypairError(f"cannot write keypair file {target}: {exc.strerror or exc}") from exc

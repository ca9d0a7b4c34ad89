"""Token files on disk (spec client-training.md §6): which files of a directory are data, and their token width.

A token file is raw little-endian token ids (``TwoBytes``: u16, ``FourBytes``: u32) with extension ``.ds``,
``.bin`` or ``.npy`` (read raw, no header parsing). A directory's files are taken in name order (the reference uses
the OS listing order, which differs between machines and would give clients different samples for the same
index). Its token width is what its ``dataset.json`` (written by ``psyche-prepare-data``) records, else TwoBytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from coordinator_program.core.types import TokenSize
from formats.errors import TokenFileError

__all__ = ["DATA_FILE_EXTENSIONS", "MANIFEST_NAME", "token_bytes", "data_files", "directory_token_size"]

DATA_FILE_EXTENSIONS = (".npy", ".bin", ".ds")
MANIFEST_NAME = "dataset.json"


def token_bytes(token_size: TokenSize) -> int:
    """Bytes per token of a :class:`TokenSize` (its enum value is the variant index, not the width).

    >>> token_bytes(TokenSize.FourBytes)
    4
    """
    return {TokenSize.TwoBytes: 2, TokenSize.FourBytes: 4}[token_size]


def data_files(directory: Path) -> list[Path]:
    """The token files directly in ``directory``, in name order; TokenFileError when there is none or no directory."""
    if not directory.is_dir():
        raise TokenFileError(f"training data directory {str(directory)!r} does not exist")
    paths = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in DATA_FILE_EXTENSIONS)
    if not paths:
        raise TokenFileError(f"no training data files ({', '.join(DATA_FILE_EXTENSIONS)}) in {str(directory)!r}")
    return paths


def directory_token_size(directory: Path) -> TokenSize:
    """The token width ``directory``'s ``dataset.json`` records, TwoBytes without one; TokenFileError if it is bad."""
    manifest = directory / MANIFEST_NAME
    if not manifest.is_file():
        return TokenSize.TwoBytes
    try:
        return TokenSize[json.loads(manifest.read_text())["token_size_in_bytes"]]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise TokenFileError(f"{manifest}: no valid token_size_in_bytes (TwoBytes or FourBytes)") from exc

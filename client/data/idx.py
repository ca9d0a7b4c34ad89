"""IDX files, the format the MNIST data set ships in (``train-images-idx3-ubyte[.gz]`` and friends).

Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type MNIST uses and the only one
read here), the number of dimensions, one u32 per dimension, then the values in row-major order. A ``.gz`` file is
read through gzip. Every header field is checked against the bytes actually present before anything is returned,
so a truncated or foreign file is an :class:`IdxFormatError` naming the file and what is wrong with it.
"""

from __future__ import annotations

import gzip
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from client.data.errors import DataError

__all__ = ["IdxArray", "IdxFormatError", "read_idx", "write_idx", "MAX_IDX_BYTES"]

UNSIGNED_BYTE = 0x08
MAX_IDX_BYTES = 1 << 30
"""The largest IDX payload read (MNIST's training images are 47 MB): a header claiming more is refused."""


class IdxFormatError(DataError):
    """A file that is not a well-formed unsigned-byte IDX file."""


@dataclass(frozen=True)
class IdxArray:
    """An IDX file's values (unsigned bytes, row-major) and its dimensions."""

    shape: tuple[int, ...]
    values: bytes


def read_idx(path: Path) -> IdxArray:
    """The unsigned-byte IDX file at ``path`` (gzip-compressed when its name ends in ``.gz``).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x-idx2-ubyte"
    >>> write_idx(path, (2, 3), bytes(range(6)))
    >>> read_idx(path)
    IdxArray(shape=(2, 3), values=b'\\x00\\x01\\x02\\x03\\x04\\x05')
    """
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                raw = handle.read(MAX_IDX_BYTES + 1024)
        else:
            with path.open("rb") as handle:
                raw = handle.read(MAX_IDX_BYTES + 1024)
    except (OSError, EOFError) as exc:  # gzip raises BadGzipFile (an OSError) or EOFError on a cut stream
        raise IdxFormatError(f"{path}: cannot read it: {exc}") from exc
    if len(raw) < 4:
        raise IdxFormatError(f"{path}: truncated: {len(raw)} bytes, an IDX header needs at least 4")
    zero, kind, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00":
        raise IdxFormatError(f"{path}: wrong magic number {raw[:4].hex()} (an IDX file starts with 0000)")
    if kind != UNSIGNED_BYTE:
        raise IdxFormatError(f"{path}: value type 0x{kind:02x} is not unsigned byte (0x08), the only one MNIST uses")
    if ndim == 0:
        raise IdxFormatError(f"{path}: zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxFormatError(f"{path}: truncated header: {len(raw)} bytes, {ndim} dimensions need {header}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    size = math.prod(shape)
    if size > MAX_IDX_BYTES:
        raise IdxFormatError(f"{path}: dimensions {shape} hold {size:,} values, more than {MAX_IDX_BYTES:,}")
    if len(raw) - header != size:
        what = "truncated" if len(raw) - header < size else "trailing bytes"
        raise IdxFormatError(f"{path}: {what}: dimensions {shape} need {size:,} values, found {len(raw) - header:,}")
    return IdxArray(tuple(shape), raw[header:])


def write_idx(path: Path, shape: tuple[int, ...], values: bytes) -> None:
    """Write ``values`` (unsigned bytes, row-major) as an IDX file of ``shape`` (gzip-compressed for ``.gz``)."""
    if math.prod(shape) != len(values):
        raise ValueError(f"shape {shape} needs {math.prod(shape)} values, got {len(values)}")
    data = bytes([0, 0, UNSIGNED_BYTE, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + values
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)

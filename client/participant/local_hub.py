"""A local hub repository: the offline stand-in for the Hugging Face repo a client uploads checkpoints to (§4.8).

There is no network, so a Hub ``repo_id`` names a local directory (model setup already reads a Hub checkpoint's
``config.json`` from there). Layout::

    <repo>/config.json, tokenizer files   the repo's initial files, what a run's Hub checkpoint starts from
    <repo>/revisions/<oid>/               one uploaded revision: model.safetensors, config.json, tokenizer files
    <repo>/refs/main                      the oid of the newest revision (the branch an unpinned download takes)

The revision oid stands where the reference puts the upload's git commit id: the first 40 hex digits of sha256
over the files' names and contents. It is deterministic by content, so several clients uploading the same step
(bit-identical weights) publish the same revision; a revision is staged under a temporary name and renamed into
place, and ``refs/main`` is replaced atomically, so concurrent uploads are harmless.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from client.errors import ClientError

__all__ = [
    "MAX_REPO_ID_BYTES",
    "HubRepoError",
    "publish_revision",
    "resolve_revision",
    "revision_oid",
    "valid_repo_id",
]

MAX_REPO_ID_BYTES = 64
"""``HubRepo.repo_id`` on chain is a ``FixedString<64>``."""
OID_HEX_DIGITS = 40


class HubRepoError(ClientError, ValueError):
    """A repo id that does not fit on chain, or a revision the local repository does not hold."""


def valid_repo_id(repo_id: str) -> str:
    """``repo_id`` unchanged if it fits the on-chain ``HubRepo.repo_id``; HubRepoError otherwise."""
    size = len(repo_id.encode("utf-8"))
    if not repo_id:
        raise HubRepoError("a hub repo id must not be empty")
    if size > MAX_REPO_ID_BYTES:
        raise HubRepoError(
            f"hub repo {repo_id!r} is {size} bytes; the on-chain HubRepo.repo_id holds at most {MAX_REPO_ID_BYTES}"
        )
    return repo_id


def _files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.is_file())


def revision_oid(directory: Path) -> str:
    """The revision the files of ``directory`` publish as: sha256 over each name, size and content, name-sorted."""
    digest = hashlib.sha256()
    for path in _files(directory):
        digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:OID_HEX_DIGITS]


def publish_revision(repo: Path, directory: Path) -> str:
    """Copy the files of ``directory`` (a checkpoint) into ``repo`` as a new revision, make it ``main``; its oid."""
    oid = revision_oid(directory)
    revisions = repo / "revisions"
    revisions.mkdir(parents=True, exist_ok=True)
    target = revisions / oid
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f".{oid}-", dir=revisions))
        for path in _files(directory):
            shutil.copyfile(path, staging / path.name)
        try:
            staging.rename(target)
        except OSError:  # another uploader put the same revision in place first
            shutil.rmtree(staging)
    refs = repo / "refs"
    refs.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=refs, prefix=".main-", delete=False) as ref:
        ref.write(oid + "\n")
    os.replace(ref.name, refs / "main")
    return oid


def resolve_revision(repo: Path, revision: str | None) -> Path:
    """The directory holding ``repo`` at ``revision``: without one, ``main``'s if anything was uploaded, else the root.

    HubRepoError when the revision is not a plain oid-like name or the repository does not hold it.
    """
    if revision is None:
        main = repo / "refs" / "main"
        if not main.is_file():
            return repo
        revision = main.read_text().strip()
    if not revision or not revision.isalnum():
        raise HubRepoError(f"hub repo {str(repo)!r}: {revision!r} is not a revision name")
    directory = repo / "revisions" / revision
    if not directory.is_dir():
        raise HubRepoError(f"hub repo {str(repo)!r} has no revision {revision}")
    return directory

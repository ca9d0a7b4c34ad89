"""Where a checkpoint's ``repo_id`` points (spec client-training.md §1.3, §4.8): a local directory or a Hugging
Face Hub repository, and how each is read and written.

A repo id that names an existing directory, or starts with ``/``, ``./`` or ``../``, is local: a
:mod:`~client.participant.local_hub` repository (its own files, and revisions uploaded under ``revisions/``).
Anything else is a Hub repo id (``namespace/name``), read and written through ``huggingface_hub``: downloads go
through its cache (``HF_HOME``/``HF_HUB_CACHE``), so ``HF_HUB_OFFLINE=1`` with a filled cache needs no network;
uploads need a token (``HF_TOKEN``) and return the commit id that ``checkpoint`` announces. ``huggingface_hub`` is
imported only when a Hub repository is actually used.
"""

from __future__ import annotations

import re
from pathlib import Path

from client.participant.local_hub import HubRepoError, publish_revision, resolve_revision

__all__ = [
    "HUB_FILE_PATTERNS",
    "is_local_repo",
    "check_hub_repo_id",
    "checkpoint_directory",
    "upload_checkpoint",
]

LOCAL_PREFIXES = ("/", "./", "../")
HUB_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")
HUB_FILE_PATTERNS = ["*.json", "*.safetensors", "*.py", "tokenizer.model"]
"""What a client downloads of a Hub checkpoint: config, tokenizer and generation files, weights, model code."""


def is_local_repo(repo_id: str) -> bool:
    """Whether ``repo_id`` names a local directory rather than a Hub repository.

    >>> is_local_repo("./hub"), is_local_repo("/data/model"), is_local_repo("NousResearch/model")
    (True, True, False)
    """
    return repo_id.startswith(LOCAL_PREFIXES) or Path(repo_id).is_dir()


def check_hub_repo_id(repo_id: str) -> str:
    """``repo_id`` if it is a well-formed Hub repo id (``name`` or ``namespace/name``); HubRepoError otherwise.

    >>> check_hub_repo_id("username/model-name")
    'username/model-name'
    >>> check_hub_repo_id("a/b/c")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    client.participant.local_hub.HubRepoError: 'a/b/c' is neither a local directory nor a Hub repo id ...
    """
    if not HUB_REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".", ".git")):
        raise HubRepoError(
            f"{repo_id!r} is neither a local directory nor a Hub repo id (namespace/name of letters, digits, '.', "
            "'_' or '-')"
        )
    return repo_id


def checkpoint_directory(repo_id: str, revision: str | None) -> Path:
    """A local directory holding the checkpoint's files at ``revision`` (None: the newest); HubRepoError if none."""
    if is_local_repo(repo_id):
        return resolve_revision(Path(repo_id), revision)
    check_hub_repo_id(repo_id)
    import httpx
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, revision=revision, allow_patterns=HUB_FILE_PATTERNS))
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, httpx.HTTPError) as exc:
        at = "" if revision is None else f"@{revision}"
        raise HubRepoError(f"Hub repo {repo_id}{at} cannot be downloaded: {exc}") from exc


def upload_checkpoint(repo_id: str, directory: Path, step: int, token: str | None) -> str:
    """Publish the checkpoint ``directory`` to ``repo_id`` as a new revision; the revision (commit id)."""
    if is_local_repo(repo_id):
        return publish_revision(Path(repo_id), directory)
    import httpx
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    try:
        commit = HfApi(token=token).upload_folder(
            repo_id=repo_id, folder_path=directory, commit_message=f"step {step}"
        )
    # Refused, unreachable, or no token. RuntimeError: huggingface_hub 1.16 closes its shared HTTP client on a
    # connection error and then retries on the closed client ("the client has been closed").
    except (HfHubHTTPError, httpx.HTTPError, OSError, ValueError, RuntimeError) as exc:
        raise HubRepoError(f"upload of step {step} to Hub repo {repo_id} failed: {exc}") from exc
    return str(commit.oid)

"""Config forms the reference's documentation shows that the on-chain layout has no variant for, mapped to the
variant that means the same, or refused naming the supported forms; never a silent change, and the account layout
is untouched.

* ``[model.LLM.data_location.Http.location.HttpUrls] urls = [...]``: one URL becomes ``SingleUrl``; several become
  ``NumberedFiles`` when they are one template with consecutive numbers (``.../data-007.bin``,
  ``.../data-008.bin``, ...), else refused.
* ``[model.LLM.data_location.Local] path, token_size_in_bytes, shuffle``: becomes ``Local = path`` when the
  directory's token files have that token size (``dataset.json``, TwoBytes without one) and the shuffle is
  ``DontShuffle`` (the on-chain ``Local`` holds only the path; a seeded shuffle could not be honoured anyway).
* ``[model.LLM.checkpoint.Local] path``: becomes ``Hub { repo_id = path }`` (a Hub repo id that names a directory
  is read from that directory); refused over 64 bytes, which the on-chain repo id would cut.
* ``[model.LLM.checkpoint] P2P = {}``: refused (the program rejects an empty P2P repo id), pointing to Hub or Dummy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from formats.errors import TokenFileError
from formats.run_config.errors import RunConfigError
from formats.token_files import data_files, directory_token_size

__all__ = ["map_config_forms", "urls_as_numbered_files"]

_DATA = "model.LLM.data_location"
_CHECKPOINT = "model.LLM.checkpoint"
MAX_REPO_ID_BYTES = 64
MAX_LOCAL_PATH_BYTES = 192
MAX_URL_TEMPLATE_BYTES = 64
MAX_SINGLE_URL_BYTES = 192
_TRAILING_DIGITS = re.compile(r"\d+$")
_LEADING_DIGITS = re.compile(r"^\d+")


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


def urls_as_numbered_files(urls: list[str]) -> dict[str, Any] | None:
    """The ``NumberedFiles`` value naming exactly ``urls`` in order, or None when no template with consecutive
    numbers does.

    >>> urls_as_numbered_files(["http://h/d-09.bin", "http://h/d-10.bin", "http://h/d-11.bin"])
    {'url_template': 'http://h/d-{}.bin', 'start_index': 9, 'n_left_pad_zeros': 2, 'num_files': 3}
    >>> urls_as_numbered_files(["http://h/9.bin", "http://h/10.bin"])["n_left_pad_zeros"]
    0
    >>> urls_as_numbered_files(["http://h/1.bin", "http://h/3.bin"]) is None
    True
    """
    prefix = _TRAILING_DIGITS.sub("", _common_prefix(urls))
    rests = [url[len(prefix) :] for url in urls]
    suffix = _LEADING_DIGITS.sub("", _common_prefix([rest[::-1] for rest in rests])[::-1])
    numbers = [rest[: len(rest) - len(suffix)] for rest in rests]
    if not all(number.isdigit() and number.isascii() for number in numbers) or "{}" in prefix + suffix:
        return None
    start = int(numbers[0])
    if [int(number) for number in numbers] != list(range(start, start + len(urls))):
        return None
    for pad in (0, len(numbers[0])):
        if all(number == str(start + i).zfill(pad) for i, number in enumerate(numbers)):
            return {
                "url_template": f"{prefix}{{}}{suffix}",
                "start_index": start,
                "n_left_pad_zeros": pad,
                "num_files": len(urls),
            }
    return None


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _http_urls(value: object, field: str, source: str) -> dict[str, Any]:
    """``HttpUrls { urls }`` as SingleUrl or NumberedFiles."""
    urls = value.get("urls") if isinstance(value, dict) and set(value) == {"urls"} else None
    if not isinstance(urls, list) or not urls or not all(isinstance(url, str) and url for url in urls):
        raise RunConfigError(source, field, "must be a table with urls = a non-empty array of URL strings")
    if len(urls) == 1:
        if _byte_length(urls[0]) > MAX_SINGLE_URL_BYTES:
            raise RunConfigError(source, f"{field}.urls[0]", f"is longer than {MAX_SINGLE_URL_BYTES} bytes")
        return {"SingleUrl": urls[0]}
    numbered = urls_as_numbered_files(urls)
    if numbered is None:
        raise RunConfigError(
            source,
            field,
            "these URLs are not one template with consecutive numbers, so the on-chain location (SingleUrl, "
            "NumberedFiles or Gcp) cannot name them: number the files consecutively and use NumberedFiles",
        )
    if _byte_length(numbered["url_template"]) > MAX_URL_TEMPLATE_BYTES:
        raise RunConfigError(
            source,
            field,
            f"maps to NumberedFiles url_template {numbered['url_template']!r}, longer than the "
            f"{MAX_URL_TEMPLATE_BYTES} bytes the on-chain template holds: use a shorter host or path",
        )
    return {"NumberedFiles": numbered}


def _local_table(value: dict[str, Any], field: str, source: str) -> str:
    """``Local { path, token_size_in_bytes, shuffle }`` as ``Local = path``."""
    allowed = {"path", "token_size_in_bytes", "shuffle"}
    for key in value:
        if key not in allowed:
            raise RunConfigError(
                source, f"{field}.{key}", "is not a field here (expected path, token_size_in_bytes, shuffle)"
            )
    path = value.get("path")
    if not isinstance(path, str) or not path:
        raise RunConfigError(source, f"{field}.path", "must be a non-empty string (the token files' directory)")
    if _byte_length(path) > MAX_LOCAL_PATH_BYTES:
        raise RunConfigError(source, f"{field}.path", f"is longer than the {MAX_LOCAL_PATH_BYTES} bytes on chain")
    shuffle = value.get("shuffle", "DontShuffle")
    if shuffle != "DontShuffle":
        raise RunConfigError(
            source,
            f"{field}.shuffle",
            'must be "DontShuffle": this client cannot reproduce the reference\'s seeded shuffle, and the on-chain '
            "Local location has no shuffle to record",
        )
    size = value.get("token_size_in_bytes", "TwoBytes")
    try:
        data_files(Path(path))
        actual = directory_token_size(Path(path))
    except TokenFileError as exc:
        raise RunConfigError(source, f"{field}.token_size_in_bytes", f"cannot be checked: {exc}") from exc
    if size != actual.name:
        raise RunConfigError(
            source,
            f"{field}.token_size_in_bytes",
            f"is {size!r} but the token files in {path!r} are {actual.name} (dataset.json); the on-chain Local "
            "location holds only the path, so the client reads them as they are",
        )
    return path


def _data_location(llm: dict[str, Any], source: str) -> None:
    location = llm.get("data_location")
    if not isinstance(location, dict) or len(location) != 1:
        return  # from_serde reports it
    ((kind, value),) = location.items()
    if kind == "Local" and isinstance(value, dict):
        llm["data_location"] = {"Local": _local_table(value, f"{_DATA}.Local", source)}
    elif kind == "Http" and isinstance(value, dict) and isinstance(value.get("location"), dict):
        http_location = value["location"]
        if set(http_location) == {"HttpUrls"}:
            field = f"{_DATA}.Http.location.HttpUrls"
            value["location"] = _http_urls(http_location["HttpUrls"], field, source)


def _checkpoint(llm: dict[str, Any], source: str) -> None:
    checkpoint = llm.get("checkpoint")
    if not isinstance(checkpoint, dict) or len(checkpoint) != 1:
        return
    ((kind, value),) = checkpoint.items()
    if kind == "Local":
        field = f"{_CHECKPOINT}.Local"
        path = value.get("path") if isinstance(value, dict) and set(value) == {"path"} else None
        if not isinstance(path, str) or not path:
            raise RunConfigError(source, field, "must be a table with path = the checkpoint's directory")
        if _byte_length(path) > MAX_REPO_ID_BYTES:
            raise RunConfigError(
                source,
                f"{field}.path",
                f"is {_byte_length(path)} bytes; a Local checkpoint is sent as Hub {{ repo_id = path }}, whose "
                f"repo_id holds at most {MAX_REPO_ID_BYTES} bytes: use a shorter path",
            )
        llm["checkpoint"] = {"Hub": {"repo_id": path}}
    elif kind == "P2P" and value == {}:
        raise RunConfigError(
            source,
            f"{_CHECKPOINT}.P2P",
            "has no repo_id, and the program rejects an empty P2P repo id: start the run from "
            '[model.LLM.checkpoint.Hub] repo_id = "..." (it becomes P2P after the first epoch) or '
            '[model.LLM.checkpoint.Dummy] repo_id = ""',
        )


def map_config_forms(document: dict[str, Any], source: str) -> None:
    """Rewrite ``document`` (parsed TOML) in place: each form above to its on-chain variant, or RunConfigError."""
    model = document.get("model")
    llm = model.get("LLM") if isinstance(model, dict) else None
    if isinstance(llm, dict):
        _data_location(llm, source)
        _checkpoint(llm, source)

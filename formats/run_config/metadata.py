"""The run's metadata as ``update-config`` sends it: the on-chain metadata with the command line's overrides.

The metadata never comes from the TOML file (spec §3.4): ``--name``, ``--description``, ``--num-parameters`` and
``--vocab-size`` override the current values, and the result is sent only when it differs. Unlike the TOML strings,
a name or description that does not fit is an error, not truncated (spec §6).
"""

from __future__ import annotations

from coordinator_program.core.types import FixedString, FixedStringError
from coordinator_program.state.coordinator_account import RunMetadata
from formats.run_config.errors import RunConfigError

__all__ = ["COMMAND_LINE", "updated_metadata"]

COMMAND_LINE = "command line"
_U64_MAX = 2**64 - 1


def _set_text(target: FixedString, text: str, flag: str) -> None:
    try:
        target.value = text
    except FixedStringError as exc:
        raise RunConfigError(
            COMMAND_LINE, flag, f"must be at most {exc.capacity} bytes of UTF-8, got {exc.length}"
        ) from exc


def _check_u64(value: int, flag: str) -> int:
    if not 0 <= value <= _U64_MAX:
        raise RunConfigError(COMMAND_LINE, flag, f"must be an integer from 0 to {_U64_MAX} (u64), got {value}")
    return value


def updated_metadata(
    current: RunMetadata,
    *,
    name: str | None = None,
    description: str | None = None,
    num_parameters: int | None = None,
    vocab_size: int | None = None,
) -> RunMetadata | None:
    """A copy of ``current`` with the given fields replaced, or None when that changes nothing (nothing to send).

    >>> meta = RunMetadata(num_parameters=1)
    >>> updated_metadata(meta, num_parameters=1) is None
    True
    >>> updated_metadata(meta, name="llama").name.value
    'llama'
    """
    metadata = RunMetadata.from_buffer_copy(current)
    if name is not None:
        _set_text(metadata.name, name, "--name")
    if description is not None:
        _set_text(metadata.description, description, "--description")
    if num_parameters is not None:
        metadata.num_parameters = _check_u64(num_parameters, "--num-parameters")
    if vocab_size is not None:
        metadata.vocab_size = _check_u64(vocab_size, "--vocab-size")
    return None if bytes(metadata) == bytes(current) else metadata

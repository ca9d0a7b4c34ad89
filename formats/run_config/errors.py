"""The one exception of run-configuration handling: which file, which field, which rule."""

from __future__ import annotations

from formats.errors import FormatError

__all__ = ["RunConfigError"]


class RunConfigError(FormatError, ValueError):
    """A run configuration the coordinator would refuse (or that cannot be read at all).

    ``source`` is where the values came from (a file path, or ``"command line"``), ``field`` the dotted TOML path
    of the offending value (``config.global_batch_size_end``, ``model.LLM.optimizer.AdamW.betas[1]``) or None when
    the problem is the whole document, and ``rule`` what the value must be. ``str()`` is one line, fit for a CLI
    error message:

    >>> str(RunConfigError("state.toml", "config.epoch_time", "must be greater than 0"))
    'state.toml: config.epoch_time: must be greater than 0'
    """

    def __init__(self, source: str, field: str | None, rule: str) -> None:
        self.source = source
        self.field = field
        self.rule = rule
        location = source if field is None else f"{source}: {field}"
        super().__init__(f"{location}: {rule}")

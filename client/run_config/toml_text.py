r"""Write a run configuration given as plain Python values as TOML text, the form ``parse_run_config`` reads.

Tests and benchmarks build run configs as nested dicts and override a few values; this turns them into the text a
``state.toml`` holds. It writes only what run configs use: tables (as ``[dotted.section]`` headers), strings,
integers, floats, booleans and arrays of those. Integers are written whatever their size, since the coordinator's
u64 fields go past TOML's i64 and ``tomli`` reads them.

>>> print(toml_text({"config": {"epoch_time": 30}, "model": {"LLM": {
...     "data_location": "Dummy", "lr_schedule": {"Constant": {"base_lr": 4e-4, "warmup_steps": 0}}}}}), end="")
[config]
epoch_time = 30
<BLANKLINE>
[model.LLM]
data_location = "Dummy"
<BLANKLINE>
[model.LLM.lr_schedule.Constant]
base_lr = 0.0004
warmup_steps = 0
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["toml_text"]

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_text(document: Mapping[str, object]) -> str:
    r"""The TOML text of ``document``: each table's own values under its header, then its sub-tables.

    A table holding only sub-tables gets no header of its own (``[model.LLM]`` implies ``model``); an empty table
    keeps one, so that it reads back. A value TOML or this writer cannot hold raises ``TypeError`` naming its key:

    >>> toml_text({"model": {"LLM": {"checkpoint": None}}})
    Traceback (most recent call last):
    TypeError: model.LLM.checkpoint: TOML has no null; leave the key out
    >>> print(toml_text({"shuffle": {"Seeded": [7, 7]}, "name": 'a "b"\n', "empty": {}}), end="")
    name = "a \"b\"\n"
    <BLANKLINE>
    [shuffle]
    Seeded = [7, 7]
    <BLANKLINE>
    [empty]
    """
    sections: list[str] = []
    _add_table(document, (), sections)
    return "\n".join(sections)


def _add_table(table: Mapping[str, object], path: tuple[str, ...], sections: list[str]) -> None:
    """Append ``table``'s section (header and plain values), then its sub-tables' sections, to ``sections``."""
    lines = [
        f"{_key(key, path)} = {_value(value, (*path, key))}"
        for key, value in table.items()
        if not isinstance(value, Mapping)
    ]
    if path and (lines or not table):
        lines.insert(0, f"[{'.'.join(_key(key, path[:index]) for index, key in enumerate(path))}]")
    if lines:
        sections.append("\n".join(lines) + "\n")
    for key, value in table.items():
        if isinstance(value, Mapping):
            _add_table(value, (*path, key), sections)


def _key(key: object, path: tuple[str, ...]) -> str:
    if not isinstance(key, str):
        raise TypeError(f"{_dotted(path)}: a TOML key must be a string, got {key!r}")
    return key if BARE_KEY.fullmatch(key) else _string(key)


def _value(value: object, path: tuple[str, ...]) -> str:
    """``value`` as TOML writes it; ``path`` names it in errors."""
    if value is None:
        raise TypeError(f"{_dotted(path)}: TOML has no null; leave the key out")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr round-trips every float, and spells the non-finite ones as TOML does: nan, inf, -inf.
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        items = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                raise TypeError(f"{_dotted(path)}[{index}]: this writer does not write tables inside arrays")
            items.append(_value(item, (*path[:-1], f"{path[-1]}[{index}]")))
        return f"[{', '.join(items)}]"
    raise TypeError(
        f"{_dotted(path)}: cannot write a {type(value).__name__} as TOML ({value!r}); "
        "give a str, int, float, bool, list or dict"
    )


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = (ESCAPES.get(char) or (f"\\u{ord(char):04X}" if char < " " or char == "\x7f" else char) for char in text)
    return f'"{"".join(escaped)}"'


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the document"

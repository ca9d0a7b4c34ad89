"""Progress bars for long work (data preparation, the simulator, Hub transfers), drawn by ``rich`` on stderr.

A bar is for a person watching a terminal: it is shown when stderr is a TTY, or when the user asks
(``--progress``), and never where stderr carries JSON log lines (``--logs json``), which a bar would garble for
whatever reads them. ``--no-progress`` turns it off everywhere. Hub transfers draw huggingface_hub's own bars,
switched on and off by the same rule (:func:`hub_progress`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["ProgressTask", "hub_progress", "progress_bar", "progress_wanted"]


def progress_wanted(asked: bool | None, stderr_carries_json: bool = False) -> bool:
    """Whether to draw progress: as asked (``--progress``/``--no-progress``), else only on a terminal whose
    stderr is not a JSON log.

    >>> progress_wanted(True), progress_wanted(False), progress_wanted(None, stderr_carries_json=True)
    (True, False, False)
    """
    if asked is not None:
        return asked
    return not stderr_carries_json and sys.stderr.isatty()


class ProgressTask:
    """One bar's handle: ``advance`` by units of work, optionally renaming the stage; does nothing when hidden."""

    def __init__(self, progress: Progress | None = None, task_id: TaskID | None = None) -> None:
        self._progress = progress
        self._task_id = task_id

    def reach(self, completed: float) -> None:
        """Show ``completed`` units done (for work that reports where it is rather than how much it did)."""
        if self._progress is not None and self._task_id is not None:
            self._progress.update(self._task_id, completed=completed)

    def advance(self, units: float = 1, description: str | None = None) -> None:
        if self._progress is None or self._task_id is None:
            return
        if description is None:
            self._progress.advance(self._task_id, units)
        else:
            self._progress.update(self._task_id, advance=units, description=description)


@contextmanager
def progress_bar(description: str, total: float | None, show: bool) -> Iterator[ProgressTask]:
    """A bar on stderr for ``total`` units of work (None: unknown). On a terminal it redraws in place and goes
    when the work is done; elsewhere (asked for into a file) the bar's final state is written once."""
    if not show:
        yield ProgressTask()
        return
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=console.is_terminal) as progress:
        yield ProgressTask(progress, progress.add_task(description, total=total))


def hub_progress(show: bool) -> None:
    """Let huggingface_hub draw its download and upload bars (on stderr) only when ``show``; by default it draws
    them wherever stderr goes, a JSON log or a launcher's file included."""
    from huggingface_hub.utils.tqdm import disable_progress_bars, enable_progress_bars

    if show:
        enable_progress_bars()
    else:
        disable_progress_bars()

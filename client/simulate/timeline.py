"""The timeline PNG: the run state as coloured bands above the number of clients online and in the epoch, over the
simulated time (to Finished when the run finished), aggregated into time buckets (:mod:`client.simulate.buckets`).

matplotlib is imported here only, with the non-interactive Agg backend, so the rest of the simulator (and its
tests) never pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from client.simulate.buckets import DEFAULT_BUCKETS, TimelineBuckets, bucket_timeline
from client.simulate.durations import format_duration
from client.simulate.report import Figures, SimulationReport
from coordinator_program.core.types import RunState

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw_timeline", "write_timeline"]

_BETWEEN_EPOCHS = frozenset({RunState.WaitingForMembers.display_name, RunState.Finished.display_name})
_STATE_ROWS = 20

_COLOURS = {
    RunState.WaitingForMembers.display_name: "#bdbdbd",
    RunState.Warmup.display_name: "#fdb863",
    RunState.RoundTrain.display_name: "#4daf4a",
    RunState.RoundWitness.display_name: "#377eb8",
    RunState.Cooldown.display_name: "#984ea3",
    RunState.Finished.display_name: "#252525",
    RunState.Paused.display_name: "#e41a1c",
    RunState.Uninitialized.display_name: "#ffffff",
}


def draw_timeline(report: SimulationReport, buckets: int = DEFAULT_BUCKETS) -> Figure:
    """``report``'s timeline as a matplotlib figure over the simulated time (to Finished, when the run finished).

    Its size does not depend on the run's length: the states are one image of ``buckets`` columns (each stacked by
    the share of the bucket's time in each state) and each client line has ``buckets`` steps.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    figures = report.figures
    end_s = figures.simulated_s
    unit_s, unit = (3600, "hours") if end_s >= 3 * 3600 else (60, "minutes")
    timeline = bucket_timeline(report.timeline_states, report.timeline_clients, end_s, _BETWEEN_EPOCHS, buckets)
    figure, (states_axis, clients_axis) = plt.subplots(
        2, 1, figsize=(12, 5), sharex=True, gridspec_kw={"height_ratios": [1, 3]}
    )
    shown = [state for state in _COLOURS if state in timeline.state_shares]
    states_axis.imshow(
        _state_columns(timeline, shown, {state: to_rgb(_COLOURS[state]) for state in shown}),
        aspect="auto",
        interpolation="nearest",
        origin="lower",
        extent=(0, end_s / unit_s, 0, 1),
    )
    states_axis.set_yticks([])
    states_axis.set_ylabel("run state")
    states_axis.legend(
        handles=[Patch(facecolor=_COLOURS[state], label=state) for state in shown],
        loc="upper center",
        bbox_to_anchor=(0.5, 1.45),
        ncol=max(1, len(shown)),
        frameon=False,
    )
    edges = [edge / unit_s for edge in timeline.edges]
    clients_axis.stairs(timeline.online, edges, baseline=None, label="online", color="#377eb8", linewidth=1.5)
    clients_axis.stairs(timeline.in_epoch, edges, baseline=None, label="in the epoch", color="#4daf4a", linewidth=1.5)
    clients_axis.set_ylim(0, max([*timeline.online, 1]) * 1.1)
    clients_axis.yaxis.get_major_locator().set_params(integer=True)
    clients_axis.set_ylabel(f"clients (mean per {_bucket_width(end_s / buckets)})")
    clients_axis.set_xlabel(f"simulated {unit}")
    clients_axis.set_xlim(0, end_s / unit_s)
    clients_axis.legend(loc="lower right")
    figure.suptitle(
        f"{figures.config}: {figures.clients} clients, {_covered(figures)}, seed {figures.seed}",
    )
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    return figure


def _bucket_width(seconds: float) -> str:
    return format_duration(seconds) if seconds >= 1 else f"{seconds:.2g} s"


def _covered(figures: Figures) -> str:
    if figures.simulated_s >= figures.duration_s:
        return format_duration(figures.duration_s)
    return f"finished after {format_duration(figures.simulated_s)} of {format_duration(figures.duration_s)}"


def _state_columns(
    timeline: TimelineBuckets, order: list[str], colours: dict[str, tuple[float, float, float]]
) -> list[list[tuple[float, float, float]]]:
    """An image ``_STATE_ROWS`` high: each column stacks the bucket's states bottom-up by their share of its time."""
    columns = []
    for bucket in range(len(timeline.online)):
        column: list[tuple[float, float, float]] = []
        for state in order:
            column += [colours[state]] * round(timeline.state_shares[state][bucket] * _STATE_ROWS)
        column = (column + [column[-1] if column else (1.0, 1.0, 1.0)] * _STATE_ROWS)[:_STATE_ROWS]
        columns.append(column)
    return [list(row) for row in zip(*columns, strict=True)]


def write_timeline(report: SimulationReport, path: Path) -> None:
    """Draw ``report``'s timeline into the PNG file ``path``."""
    from matplotlib import pyplot as plt

    figure = draw_timeline(report)
    figure.savefig(path, dpi=100)
    plt.close(figure)

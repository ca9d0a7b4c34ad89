"""The timeline PNG: the run state as coloured bands above the number of clients online and in the epoch.

matplotlib is imported here only, with the non-interactive Agg backend, so the rest of the simulator (and its
tests) never pay for it.
"""

from __future__ import annotations

import bisect
import math
from pathlib import Path

from client.simulate.durations import format_duration
from client.simulate.report import SimulationReport
from coordinator_program.core.types import RunState

__all__ = ["write_timeline"]

_BETWEEN_EPOCHS = (RunState.WaitingForMembers.display_name, RunState.Finished.display_name)

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


def _in_epoch(states: list[tuple[float, str]], at: float) -> bool:
    """Whether an epoch runs at ``at`` (between epochs the "in the epoch" line is left out rather than drawn at 0)."""
    index = bisect.bisect_right([start for start, _ in states], at) - 1
    return index >= 0 and states[index][1] not in _BETWEEN_EPOCHS


def write_timeline(report: SimulationReport, path: Path) -> None:
    """Draw ``report``'s timeline into the PNG file ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    figures = report.figures
    unit_s, unit = (3600, "hours") if figures.duration_s >= 3 * 3600 else (60, "minutes")
    end = figures.duration_s / unit_s
    figure, (states_axis, clients_axis) = plt.subplots(
        2, 1, figsize=(12, 5), sharex=True, gridspec_kw={"height_ratios": [1, 3]}
    )
    states = report.timeline_states
    for (at, state), (next_at, _) in zip(states, [*states[1:], (figures.duration_s, "")], strict=True):
        states_axis.broken_barh([(at / unit_s, (next_at - at) / unit_s)], (0, 1), facecolors=_COLOURS[state])
    states_axis.set_yticks([])
    states_axis.set_ylabel("run state")
    shown = list(dict.fromkeys(state for _, state in states))
    states_axis.legend(
        handles=[Patch(facecolor=_COLOURS[state], label=state) for state in shown],
        loc="upper center",
        bbox_to_anchor=(0.5, 1.45),
        ncol=len(shown),
        frameon=False,
    )
    counts = report.timeline_clients
    if counts:
        times = [at / unit_s for at, _, _ in counts] + [end]
        online = [value for _, value, _ in counts]
        in_epoch = [value if _in_epoch(states, at) else math.nan for at, _, value in counts]
        clients_axis.stairs(online, times, baseline=None, label="online", color="#377eb8", linewidth=1.5)
        clients_axis.stairs(in_epoch, times, baseline=None, label="in the epoch", color="#4daf4a", linewidth=1.5)
        clients_axis.set_ylim(0, max([*online, 1]) * 1.1)
        clients_axis.yaxis.get_major_locator().set_params(integer=True)
    clients_axis.set_ylabel("clients")
    clients_axis.set_xlabel(f"simulated {unit}")
    clients_axis.set_xlim(0, end)
    clients_axis.legend(loc="lower right")
    figure.suptitle(
        f"{figures.config}: {figures.clients} clients, {format_duration(figures.duration_s)}, seed {figures.seed}",
    )
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    figure.savefig(path, dpi=100)
    plt.close(figure)

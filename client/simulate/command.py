"""``psyche-solana-client simulate``: rehearse a run on the real programs with a warped clock, before paying for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from client.progress import progress_bar, progress_wanted
from client.simulate.driver import run_simulation
from client.simulate.durations import parse_duration
from client.simulate.errors import SimulationError
from client.simulate.report import SimulationReport, build_report
from client.simulate.settings import DEFAULT_DECIMALS, MAX_DECIMALS, U64_MAX, ClientTiming, SimulationSettings
from client.simulate.text import render_text
from client.simulate.timeline import write_timeline
from formats.run_config import RunConfigError, load_run_config

__all__ = ["simulate", "config_file", "write_outputs"]

REPORT_TEXT = "report.txt"
REPORT_JSON = "report.json"
TIMELINE_PNG = "timeline.png"


class DurationType(click.ParamType):
    """``24h``, ``90m``, ``1h30m``, ``3600s`` or ``3600`` (seconds)."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_duration(str(value))
        except SimulationError as exc:
            self.fail(str(exc), param, ctx)


def config_file(path: Path) -> Path:
    """A run's ``state.toml``: ``path`` itself, or ``path/state.toml`` for a config directory (``config/test``)."""
    return path / "state.toml" if path.is_dir() else path


def write_outputs(report: SimulationReport, out: Path, *, events: bool = False) -> list[Path]:
    """Write the text report, the JSON report (with every event if ``events``) and the timeline PNG into ``out``
    (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    text, document, png = out / REPORT_TEXT, out / REPORT_JSON, out / TIMELINE_PNG
    text.write_text(render_text(report), encoding="utf-8")
    document.write_text(json.dumps(report.to_json(events=events), indent=1) + "\n", encoding="utf-8")
    write_timeline(report, png)
    return [text, document, png]


_RATE = click.FloatRange(min=0)


@click.command("simulate")
@click.option(
    "--config-path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="The run configuration: a state.toml, or a config directory holding one (config/NAME).",
)
@click.option("--clients", required=True, type=click.IntRange(1, 256), help="Simulated clients (1-256).")
@click.option("--duration", default="24h", show_default=True, type=DurationType(), help="Simulated time.")
@click.option(
    "--join-rate",
    default=0.0,
    show_default=True,
    type=_RATE,
    help="Returns per offline client per hour (0: who leaves stays away).",
)
@click.option(
    "--dropout-rate", default=0.0, show_default=True, type=_RATE, help="Dropouts per online client per hour."
)
@click.option(
    "--slow-fraction", default=0.0, show_default=True, type=click.FloatRange(0, 1), help="Fraction of slow clients."
)
@click.option(
    "--slow-factor",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="How much slower.",
)
@click.option(
    "--train-fraction",
    default=ClientTiming.train_fraction,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="A normal client trains a round in this fraction of max_round_train_time.",
)
@click.option(
    "--earning-rate",
    default=0,
    show_default=True,
    type=click.IntRange(0, U64_MAX),
    help="Points per epoch shared by the finishers, in base units of the collateral mint (1 point = 1 base unit; "
    "set-future-epoch-rates takes the same amount in UI units, see --decimals).",
)
@click.option(
    "--slashing-rate",
    default=0,
    show_default=True,
    type=click.IntRange(0, U64_MAX),
    help="Slashing per client per epoch, in base units of the collateral mint.",
)
@click.option(
    "--safety-buffer",
    default=0.2,
    show_default=True,
    type=_RATE,
    help="Fraction added to the credited points to size the treasury.",
)
@click.option(
    "--decimals",
    default=DEFAULT_DECIMALS,
    show_default=True,
    type=click.IntRange(0, MAX_DECIMALS),
    help="The collateral mint's decimals, to show amounts in UI units (what the CLI takes) beside base units.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0), help="Same seed, same run.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Write {REPORT_TEXT}, {REPORT_JSON} and {TIMELINE_PNG} here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of the text one.")
@click.option(
    "--events",
    is_flag=True,
    help="Put every round, run-state change and client count in the JSON report (large for long runs).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Draw a bar of the simulated time on stderr (default: only on a terminal).",
)
def simulate(
    config_path: Path,
    clients: int,
    duration: int,
    join_rate: float,
    dropout_rate: float,
    slow_fraction: float,
    slow_factor: float,
    train_fraction: float,
    earning_rate: int,
    slashing_rate: int,
    safety_buffer: float,
    decimals: int,
    seed: int,
    out: Path | None,
    as_json: bool,
    events: bool,
    progress: bool | None,
) -> None:
    """Rehearse a run: simulated clients drive the real coordinator, authorizer and treasurer on an in-process
    chain whose clock jumps from event to event, and the report says how many steps and epochs the run would
    complete, how its time splits between run states, who gets dropped and why, and how much treasury it needs.
    """
    try:
        settings = SimulationSettings(
            run_config=load_run_config(config_file(config_path)),
            clients=clients,
            duration_s=duration,
            join_rate=join_rate,
            dropout_rate=dropout_rate,
            slow_fraction=slow_fraction,
            slow_factor=slow_factor,
            earning_rate=earning_rate,
            slashing_rate=slashing_rate,
            seed=seed,
            safety_buffer=safety_buffer,
            decimals=decimals,
            timing=ClientTiming(train_fraction=train_fraction),
            config_name=str(config_path),
        )
        with progress_bar("simulating", duration, progress_wanted(progress)) as bar:
            run = run_simulation(settings, on_progress=bar.reach)
        report = build_report(run)
    except (RunConfigError, SimulationError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_json(events=events), indent=1))
    else:
        click.echo(render_text(report), nl=False)
    if out is not None:
        for path in write_outputs(report, out, events=events):
            click.echo(f"wrote {path}", err=True)

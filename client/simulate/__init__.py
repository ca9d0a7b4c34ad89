"""``psyche-solana-client simulate``: rehearse a run on the real programs with a warped clock and simulated clients.

``run_simulation(settings)`` drives the coordinator, authorizer and treasurer on an in-process runtime;
``build_report`` turns what it observed into figures; ``render_text``, ``SimulationReport.to_json`` and
``write_timeline`` present them. ``command.simulate`` is the click command.
"""

from client.simulate.driver import SimulationRun, run_simulation
from client.simulate.durations import format_duration, parse_duration
from client.simulate.errors import ChainSetupError, DurationError, SettingsError, SimulationError
from client.simulate.findings import Finding, FindingKind
from client.simulate.report import SimulationReport, build_report
from client.simulate.settings import ClientTiming, SimulationSettings
from client.simulate.text import render_text
from client.simulate.timeline import write_timeline

__all__ = [
    "ChainSetupError",
    "ClientTiming",
    "DurationError",
    "Finding",
    "FindingKind",
    "SettingsError",
    "SimulationError",
    "SimulationReport",
    "SimulationRun",
    "SimulationSettings",
    "build_report",
    "format_duration",
    "parse_duration",
    "render_text",
    "run_simulation",
    "write_timeline",
]

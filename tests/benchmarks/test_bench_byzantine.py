"""``benchmarks/bench_byzantine.py --quick`` runs real 7-client DisTrO runs, attacked results validated and applied."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from client.participant.attack_names import ATTACK_NAMES, LABEL_FLIP

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_byzantine.py"


def test_the_quick_benchmark_prints_its_table_and_the_honest_replicas_stay_identical(
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = importlib.util.spec_from_file_location("bench_byzantine", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_byzantine"] = bench
    spec.loader.exec_module(bench)

    assert set(bench.BENCH_ATTACKS) == set(ATTACK_NAMES) - {LABEL_FLIP}  # the full grid covers every attack
    cells = bench.main(["--quick"])

    captured = capsys.readouterr()
    assert "| aggregator | attack | f |" in captured.out
    assert [(c.aggregator, c.attack if c.f else None, c.f) for c in cells] == [
        ("mean", None, 0),
        ("sign-vote", None, 0),
        ("reputation:2", None, 0),
        ("mean", "sign-flip", 2),
        ("sign-vote", "sign-flip", 2),
        ("reputation:2", "sign-flip", 2),
    ]
    assert all(c.identical for c in cells)  # honest replicas bit-identical in every cell
    assert all(c.refused == 0 for c in cells)  # the attack's results passed validation: the rule had to cope
    baseline = cells[0]
    assert baseline.end < baseline.start  # the honest run learns
    assert cells[3].end > baseline.end  # two sign-flippers of seven hurt the mean
    # reputation:2 reports whose results it dropped: at most F = 2 a round, no attacker's when there is none
    assert [c.dropped is None for c in cells] == [True, True, False, True, True, False]
    for cell in (cells[2], cells[5]):
        assert cell.dropped is not None and sum(cell.dropped) <= 2 * 8  # the quick run's 8 steps
    assert cells[2].dropped is not None and cells[2].dropped[1] == 0
    assert cells[5].dropped is not None and cells[5].dropped[1] > 0
    assert f"dropped {cells[5].dropped[0]} honest / {cells[5].dropped[1]} attackers'" in captured.err

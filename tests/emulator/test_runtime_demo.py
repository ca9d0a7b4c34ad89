"""The runtime tour (``psyche-runtime-demo``, ``make tour``) runs its transactions and prints what Solana reports."""

from __future__ import annotations

import pytest

from emulator.runtime_demo import run


def test_runtime_tour_moves_tokens_and_prints_the_transfer_logs(capsys: pytest.CaptureFixture[str]) -> None:
    run(show_logs=True)
    out = capsys.readouterr().out
    assert "alice sends 250 tokens to bob" in out
    balances = out.split("\nbalances\n", 1)[1]
    assert "750.00 tokens" in balances.splitlines()[0]
    assert "250.00 tokens" in balances.splitlines()[1]
    assert "Program log: Instruction: TransferChecked" in out


def test_runtime_tour_without_logs_prints_no_logs(capsys: pytest.CaptureFixture[str]) -> None:
    run(show_logs=False)
    assert "Program log:" not in capsys.readouterr().out

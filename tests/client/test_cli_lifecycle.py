"""The run owner's life cycle through the CLI on the embedded chain, its clock warped by the testing aid."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.chain.open import ChainTarget
from tests.client.cli_harness import CliChain
from tests.client.lifecycle import owner_life_cycle, warped_clock


def test_owner_life_cycle_on_the_embedded_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    owner_life_cycle(cli, warped_clock(monkeypatch))

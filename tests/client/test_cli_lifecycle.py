"""The run owner's life cycle through the CLI on the embedded chain, its clock warped by the testing aid."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.chain.ledger import CLOCK_OFFSET_ENV
from client.chain.open import ChainTarget
from tests.client.cli_harness import CliChain
from tests.client.lifecycle import owner_life_cycle


def test_owner_life_cycle_on_the_embedded_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offset = 0

    def advance(seconds: int) -> None:
        nonlocal offset
        offset += seconds
        monkeypatch.setenv(CLOCK_OFFSET_ENV, str(offset))

    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    owner_life_cycle(cli, advance)

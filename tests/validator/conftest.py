"""Shared fixtures: the in-process RPC harness, and the one validator subprocess the end-to-end tests share.

End-to-end tests share the subprocess by each using its own fresh keypairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.validator.rpc_harness import RpcHarness
from validator.finality import Finality
from validator.process import ValidatorProcess


@pytest.fixture
def make_rpc(tmp_path: Path) -> Iterator[Callable[[Finality], RpcHarness]]:
    """Build harnesses over ledgers in ``tmp_path``; each is closed after the test."""
    made: list[RpcHarness] = []

    def make(finality: Finality = Finality.INSTANT) -> RpcHarness:
        made.append(RpcHarness(tmp_path / f"ledger-{len(made)}", finality))
        return made[-1]

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def rpc(make_rpc: Callable[[Finality], RpcHarness]) -> RpcHarness:
    """A harness with instant finality."""
    return make_rpc(Finality.INSTANT)


@pytest.fixture(scope="session")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValidatorProcess]:
    process = ValidatorProcess(tmp_path_factory.mktemp("validator") / "test-ledger").start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.banner()

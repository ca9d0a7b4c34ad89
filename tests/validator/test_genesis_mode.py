"""A ledger's coordinator mode: chosen at genesis, recorded in the ledger, refused in the other mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.chain.ledger import open_ledger_bank
from coordinator_program.mode import ProgramMode
from coordinator_program.program import HARDENED_PROGRAM_SPEC, PROGRAM_ID, PROGRAM_SPEC
from emulator import Bank
from emulator.ledger_sqlite import SqliteLedgerStore
from validator import cli
from validator.genesis import PROGRAMS
from validator.genesis_mode import MODE_SETTING, LedgerModeMismatch, genesis_programs


def coordinator_of(programs: tuple[object, ...]) -> object:
    return next(spec for spec in programs if getattr(spec, "program_id", None) == PROGRAM_ID)


def test_a_new_ledger_records_its_mode_and_refuses_the_other(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3")
    try:
        assert coordinator_of(genesis_programs(store, ProgramMode.HARDENED)) is HARDENED_PROGRAM_SPEC
        assert store.genesis_setting(MODE_SETTING) == "hardened"
        with pytest.raises(LedgerModeMismatch, match="runs the hardened coordinator.*open it with --hardened"):
            genesis_programs(store, ProgramMode.FAITHFUL)
        assert store.genesis_setting(MODE_SETTING) == "hardened"
        assert len(genesis_programs(store, ProgramMode.HARDENED)) == len(PROGRAMS)
    finally:
        store.close()


def test_a_ledger_from_before_the_record_ran_the_faithful_coordinator(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3")
    try:
        Bank(PROGRAMS, ledger=store).latest_block()  # a ledger with blocks and no recorded mode
        with pytest.raises(LedgerModeMismatch, match="faithful"):
            genesis_programs(store, ProgramMode.HARDENED)
        assert coordinator_of(genesis_programs(store, ProgramMode.FAITHFUL)) is PROGRAM_SPEC
    finally:
        store.close()


def test_the_validator_refuses_a_hardened_embedded_ledger_without_hardened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger"
    with open_ledger_bank(ledger, mode=ProgramMode.HARDENED) as bank:
        bank.latest_block()
    assert cli.main(["--ledger", str(ledger), "--quiet", "--rpc-port", "1"]) == 1
    assert "runs the hardened coordinator" in capsys.readouterr().err
    config, _ = cli.parse_args(["--ledger", str(ledger), "--hardened"])
    assert config.mode is ProgramMode.HARDENED

"""The CLI refuses reward rates and step counts whose points could pass u64::MAX, before sending anything.

``earning_rate_total_shared × total_steps`` bounds the points one client can earn; past u64::MAX the reference's
epoch-end tick panics and the run is wedged in Cooldown (QUIRKS.md, "Hardened mode").
"""

from __future__ import annotations

from pathlib import Path

import tomli_w

from client.chain.open import ChainTarget
from formats.run_config.small_run import small_run
from tests.client.cli_harness import CliChain

U64_MAX_TEXT = "exceeds u64::MAX (18446744073709551615)"


def write_config(path: Path, total_steps: int) -> Path:
    path.write_text(tomli_w.dumps(small_run(config={"total_steps": total_steps}, llm={"max_seq_len": 512})))
    return path


def test_rates_and_step_counts_past_u64_points_are_refused_before_sending(tmp_path: Path) -> None:
    cli = CliChain(ChainTarget(ledger=tmp_path / "ledger"), tmp_path)
    owner, _ = cli.funded("owner")
    mint = cli.ok("create-mint", "--amount", "5", wallet=owner).split()[2]  # 6 decimals
    ten_steps = write_config(tmp_path / "ten.toml", 10)
    cli.ok("create-run", "-r", "paid", "-c", "test", "--treasurer-collateral-mint", mint,
           "--config-path", str(ten_steps), wallet=owner)  # fmt: skip

    def future_rate() -> int:
        rate: int = cli.json("json-dump-run", "-r", "paid")["coordinator_account"]["epoch"]["rates"]["future"][
            "earning"
        ]
        return rate

    # 10^13 UI units = 10^19 base units, × 10 steps = 10^20 > u64::MAX
    stderr = cli.fails("set-future-epoch-rates", "-r", "paid", "--earning-rate-total-shared", "1e13", wallet=owner)
    assert "command line: --earning-rate-total-shared: earning_rate_total_shared (10000000000000000000)" in stderr
    assert U64_MAX_TEXT in stderr
    assert future_rate() == 0

    cli.ok("set-future-epoch-rates", "-r", "paid", "--earning-rate-total-shared", "1e12", wallet=owner)  # 10^19 fits
    assert future_rate() == 10**18
    hundred_steps = write_config(tmp_path / "hundred.toml", 100)
    stderr = cli.fails("update-config", "-r", "paid", "--config-path", str(hundred_steps), wallet=owner)
    assert (
        f"{hundred_steps}: config.total_steps: earning_rate_total_shared (1000000000000000000) × total_steps (100)"
        in (stderr)
    )
    assert U64_MAX_TEXT in stderr
    dumped = cli.json("json-dump-run", "-r", "paid")["coordinator_account"]
    assert dumped["setup"]["config"]["total_steps"] == 10

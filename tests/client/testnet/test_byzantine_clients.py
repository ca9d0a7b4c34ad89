"""``psyche-local-testnet --byzantine-clients``: those clients run ``train --byzantine``; the summary marks them."""

from __future__ import annotations

import json
from pathlib import Path

from client.testnet.clients import ClientSpec
from client.testnet.summary import ClientSummary, EndReason, Summary


def _spec(byzantine: str | None) -> ClientSpec:
    log = Path("/tmp/client-1.jsonl")
    return ClientSpec(
        0, Path("k.json"), "Ab", 9000, log, "http://r", "ws://r", "run", "cpu", Path("/tmp/c"), byzantine=byzantine
    )


def test_a_byzantine_client_is_started_with_its_attack_and_an_honest_one_without() -> None:
    command = _spec("ipm:2.0").command()
    assert command[command.index("--byzantine") + 1] == "ipm:2.0"
    assert "--byzantine" not in _spec(None).command()


def test_the_summary_says_which_clients_were_byzantine_and_what_they_earned() -> None:
    honest = ClientSummary("client-1", "Ab", 12, 0, 5.25, 0, 3, "9f86d081884c7d65", 12)
    liar = ClientSummary("client-2", "Cd", 9, 0, 5.25, 0, 3, "9f86d081884c7d65", 9, byzantine="sign-flip:1.0")
    summary = Summary(EndReason.Finished, "Finished", 4, 1, 3072, 5.25, [honest, liar], True)

    lines = summary.text().splitlines()
    assert "BYZANTINE" not in lines[1]
    assert "points 9  claimed 9" in lines[2] and lines[2].endswith("BYZANTINE (sign-flip:1.0)")
    assert [c["byzantine"] for c in json.loads(summary.json_line())["clients"]] == [None, "sign-flip:1.0"]

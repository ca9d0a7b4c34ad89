"""The testnet summary counts the equivocation evidence each client logged."""

from __future__ import annotations

import json

from client.testnet.summary import ClientSummary, EndReason, Summary


def test_equivocations_a_client_saw_are_counted_in_the_summary() -> None:
    honest = ClientSummary("client-1", "Ab", 9, 0, 5.25, 0, 3, "9f86d081884c7d65", None, equivocations=2)
    quiet = ClientSummary("client-2", "Cd", 9, 0, 5.25, 0, 3, "9f86d081884c7d65")
    summary = Summary(EndReason.Finished, "Finished", 4, 1, 3072, 5.25, [honest, quiet], True)

    lines = summary.text().splitlines()
    assert lines[1].endswith("equivocations seen 2")
    assert "equivocations" not in lines[2]
    assert [c["equivocations"] for c in json.loads(summary.json_line())["clients"]] == [2, 0]

"""Reading the clients' logs back: a restarted client's exit line is taken only from its latest process's part."""

from __future__ import annotations

import json
from pathlib import Path

from client.participant.logs import EVENT_LOGGER
from client.testnet.client_logs import FinalWeights, read_events, read_final_weights


def _line(event: str, **fields: object) -> str:
    return json.dumps({"target": EVENT_LOGGER, "event": event, "message": "", **fields}) + "\n"


def test_the_latest_process_exit_is_read_from_where_it_began(tmp_path: Path) -> None:
    log = tmp_path / "client-3.jsonl"
    log.write_text(
        _line("client_loss", step=1, loss=5.0) + _line("exit", reason="Stopped", step=1, parameter_hash="a")
    )
    restart = log.stat().st_size
    assert read_final_weights(log, restart) is None  # the new process has not left yet: the old exit is not its
    with log.open("a") as stream:
        stream.write(
            _line("client_loss", step=4, loss=4.0) + _line("exit", reason="Finished", step=6, parameter_hash="b")
        )
        stream.write('{"target": "psyche.train", "event": "cli')  # a torn last line
    assert read_final_weights(log, restart) == FinalWeights(6, "b")
    assert read_final_weights(log, 0) == FinalWeights(6, "b")
    assert [e["step"] for e in read_events(log, "client_loss")] == [1, 4]
    assert read_final_weights(tmp_path / "missing.jsonl", 0) is None

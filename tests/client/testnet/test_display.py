"""The testnet's live status line is rewritten in place on a terminal only: a file or pipe gets plain lines."""

from __future__ import annotations

import io
from pathlib import Path

from client.testnet.display import Display
from client.testnet.watch import RunSnapshot


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _show_two_states(stream: io.StringIO, tmp_path: Path) -> str:
    display = Display(headless=False, log_file=tmp_path / "testnet.jsonl", stream=stream)
    try:
        for step in (1, 2):
            display.snapshot(RunSnapshot(0, "RoundTrain", 0, step, 3, 3, {}, 0), {}, {})
        display.event("client_exited", "client-1 exited with code 0")
    finally:
        display.close()
    return stream.getvalue()


def test_written_to_a_file_the_status_is_one_plain_line_per_change(tmp_path: Path) -> None:
    text = _show_two_states(io.StringIO(), tmp_path)
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 3 and "step 1" in lines[0] and "step 2" in lines[1]
    assert lines[2] == "client-1 exited with code 0"


def test_on_a_terminal_the_status_is_rewritten_in_place(tmp_path: Path) -> None:
    text = _show_two_states(_Terminal(), tmp_path)
    assert text.count("\r\x1b[2K") == 2 and text.endswith("\nclient-1 exited with code 0\n")

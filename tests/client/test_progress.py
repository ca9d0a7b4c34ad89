"""Progress output: on a terminal or when asked, never over a JSON log, and huggingface_hub's bars follow suit."""

from __future__ import annotations

import io

import pytest
from huggingface_hub.utils.tqdm import are_progress_bars_disabled, enable_progress_bars

from client.progress import hub_progress, progress_bar, progress_wanted


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_unasked_progress_shows_on_a_terminal_unless_stderr_is_a_json_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert progress_wanted(None) is True
    assert progress_wanted(None, stderr_carries_json=True) is False
    assert progress_wanted(False) is False
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress_wanted(None) is False
    assert progress_wanted(True, stderr_carries_json=True) is True  # asked for: the user knows best


def test_a_hidden_bar_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar("work", 2, show=False) as bar:
        bar.advance(2, description="done")
    assert capsys.readouterr() == ("", "")


def test_hub_bars_are_switched_by_the_same_rule() -> None:
    try:
        hub_progress(False)
        assert are_progress_bars_disabled()
        hub_progress(True)
        assert not are_progress_bars_disabled()
    finally:
        enable_progress_bars()  # huggingface_hub's default, for the tests after this one

"""Reading the clients' losses back from their logs, and drawing them."""

from __future__ import annotations

import json
from pathlib import Path

from client.participant.logs import EVENT_LOGGER
from client.testnet.losses import LatestLoss, LossPoint, read_losses, write_loss_plot


def _event(event: str, **fields: object) -> str:
    return json.dumps({"target": EVENT_LOGGER, "event": event, "message": "", **fields})


def test_losses_are_read_in_order_skipping_other_events_lossless_rounds_and_a_torn_line(tmp_path: Path) -> None:
    log = tmp_path / "client-1.jsonl"
    lines = [
        _event("loaded_model", checkpoint="Dummy"),
        _event("client_loss", epoch=0, step=1, loss=5.5, trained_batches=1),
        json.dumps({"target": "aiohttp", "event": "client_loss", "step": 9, "loss": 0.0}),
        _event("client_loss", epoch=0, step=2, loss=5.25, trained_batches=1),
        _event("client_loss", epoch=0, step=3, loss="nan", trained_batches=0),  # a round that only applied
        '{"target": "psyche.train", "event": "client_lo',
    ]
    log.write_text("\n".join(lines))
    assert read_losses(log) == [LossPoint(1, 5.5), LossPoint(2, 5.25)]
    assert read_losses(tmp_path / "never-written.jsonl") == []


def test_the_loss_plot_is_a_png_even_before_any_loss(tmp_path: Path) -> None:
    drawn = write_loss_plot({"client-1": [LossPoint(1, 5.5), LossPoint(2, 5.2)], "client-2": []}, tmp_path / "a.png")
    empty = write_loss_plot({"client-1": []}, tmp_path / "sub" / "b.png")
    for path in (drawn, empty):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn.stat().st_size > empty.stat().st_size  # the drawn one has lines and a legend


def test_the_latest_loss_follows_a_growing_log_and_waits_for_a_torn_line_to_complete(tmp_path: Path) -> None:
    log = tmp_path / "client-1.jsonl"
    latest = LatestLoss(log)
    assert latest.update() is None  # not written yet
    log.write_text(_event("client_loss", step=1, loss=5.5) + "\n")
    assert latest.update() == 5.5
    torn = _event("client_loss", step=2, loss=5.25)
    with log.open("a") as stream:
        stream.write(torn[:20])
    assert latest.update() == 5.5  # half a line is no loss yet
    with log.open("a") as stream:
        stream.write(torn[20:] + "\n" + _event("client_loss", step=3, loss="nan", trained_batches=0) + "\n")
    assert latest.update() == 5.25  # the completed line counts; a round without a loss does not

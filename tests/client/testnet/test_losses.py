"""Reading the clients' losses back from their logs, and drawing them."""

from __future__ import annotations

import json
from pathlib import Path

from client.participant.logs import EVENT_LOGGER
from client.testnet.losses import (
    LatestLoss,
    LossPoint,
    draw_loss_curves,
    loss_unit,
    read_losses,
    write_loss_plot,
)


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


def test_the_loss_plot_names_its_unit_marks_each_epoch_and_keeps_coinciding_curves_apart() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    same = [LossPoint(1, 5.5, 0), LossPoint(2, 5.2, 0), LossPoint(3, 5.0, 1), LossPoint(4, 4.8, 1)]
    figure, axes = plt.subplots()
    try:
        draw_loss_curves(axes, {"client-1": same, "client-2": same, "client-3": same}, "nats/byte")
        assert axes.get_ylabel() == "loss (nats/byte)"
        clients = [line for line in axes.get_lines() if line.get_label().startswith("client-")]
        assert len(clients) == 3
        assert len({(line.get_linestyle(), line.get_marker()) for line in clients}) == 3  # told apart on top
        assert all(0 < (line.get_alpha() or 1) < 1 for line in clients)  # and seen through each other
        markers = [line for line in axes.get_lines() if line not in clients]
        assert [list(line.get_xdata()) for line in markers] == [[2.5, 2.5]]  # epoch 1 begins at step 3
        assert [text.get_text() for text in axes.texts] == ["epoch 1"]
    finally:
        plt.close(figure)


def test_the_loss_unit_is_nats_per_byte_for_byte_level_token_files(tmp_path: Path) -> None:
    (tmp_path / "dataset.json").write_text(json.dumps({"tokenizer": "bytes", "vocab_size": 256}))
    assert loss_unit(tmp_path) == "nats/byte"
    (tmp_path / "dataset.json").write_text(json.dumps({"tokenizer": "bpe", "vocab_size": 4096}))
    assert loss_unit(tmp_path) == "nats/token"
    assert loss_unit(tmp_path / "missing") == loss_unit(None) == "nats/token"


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

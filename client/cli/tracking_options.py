"""The training commands' options of evaluation and experiment tracking (the reference's ``--wandb-*``, TensorBoard).

``--eval-steps`` and ``--track-gradients`` go to the client's options (:func:`client.cli.train.client_options`);
the ``--wandb-*`` and ``--tensorboard-dir`` flags become one :class:`~client.participant.tracking.TrackingOptions`
(:func:`pop_tracking_options`) whose trackers :func:`tracking` runs for the command's lifetime. Nothing here
imports wandb or tensorboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from client.participant.tracking import TrackingError, TrackingOptions, WandbMode, start_tracking

__all__ = ["pop_tracking_options", "tracking", "tracking_options"]

F = TypeVar("F", bound=Callable[..., Any])


def tracking_options(command: F) -> F:
    """Add the options to a click command; its function receives them as keyword arguments."""
    options = [
        click.option(
            "--eval-steps",
            type=click.IntRange(min=1),
            help="every this many steps (and at the last), evaluate the held-out data in idle time and log an eval "
            "event: loss and accuracy for a classifier, loss and perplexity for a language model  [default: never]",
        ),
        click.option(
            "--track-gradients",
            is_flag=True,
            help="also log each parameter's gradient L2 norm as gradients/layer_<name> (grad_norm is always logged)",
        ),
        click.option("--wandb-project", help="log metrics to this Weights & Biases project  [default: no W&B]"),
        click.option("--wandb-run", help="the W&B run's name  [default: W&B picks one]"),
        click.option("--wandb-group", help="the W&B group (a testnet puts its clients in one)"),
        click.option("--wandb-entity", help="the W&B team or user  [default: the key's own]"),
        click.option(
            "--wandb-mode",
            type=click.Choice([mode.value for mode in WandbMode]),
            help="online (needs WANDB_API_KEY), offline (written to ./wandb or $WANDB_DIR, upload later with `wandb "
            "sync`) or disabled  [default: online with WANDB_API_KEY, else offline]",
        ),
        click.option(
            "--tensorboard-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="write TensorBoard event files of the same metrics here  [default: none]",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def pop_tracking_options(flags: dict[str, Any]) -> TrackingOptions:
    """Take the ``--wandb-*`` and ``--tensorboard-dir`` values out of a command's keyword arguments."""
    mode = flags.pop("wandb_mode")
    return TrackingOptions(
        wandb_project=flags.pop("wandb_project"),
        wandb_run=flags.pop("wandb_run"),
        wandb_group=flags.pop("wandb_group"),
        wandb_entity=flags.pop("wandb_entity"),
        wandb_mode=None if mode is None else WandbMode(mode),
        tensorboard_dir=flags.pop("tensorboard_dir"),
    )


@contextmanager
def tracking(options: TrackingOptions, config: Mapping[str, Any]) -> Iterator[None]:
    """Run the trackers ``options`` ask for while the block runs, then flush and close them."""
    try:
        handler = start_tracking(options, config)
    except TrackingError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        yield
    finally:
        if handler is not None:
            handler.close()

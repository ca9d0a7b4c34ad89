"""The ``train`` options of evaluation and experiment tracking (the reference's ``--wandb-*`` flags, TensorBoard).

The decorated command receives ``eval_steps``, ``track_gradients`` and one ``tracking``
(:class:`~client.participant.tracking.TrackingOptions`) built from the ``--wandb-*`` and ``--tensorboard-dir``
flags. Nothing here imports wandb or tensorboard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from client.participant.tracking import TrackingOptions, WandbMode

__all__ = ["tracking_options"]

F = TypeVar("F", bound=Callable[..., Any])


def tracking_options(command: F) -> F:
    """Add the options to a click command (see the module docstring for what its function receives)."""

    @functools.wraps(command)
    def wrapper(
        wandb_project: str | None,
        wandb_run: str | None,
        wandb_group: str | None,
        wandb_entity: str | None,
        wandb_mode: str | None,
        tensorboard_dir: Path | None,
        **kwargs: Any,
    ) -> Any:
        mode = None if wandb_mode is None else WandbMode(wandb_mode)
        tracking = TrackingOptions(wandb_project, wandb_run, wandb_group, wandb_entity, mode, tensorboard_dir)
        return command(tracking=tracking, **kwargs)

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
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]

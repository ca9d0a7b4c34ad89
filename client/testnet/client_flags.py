"""The ``train`` flags a testnet gives every client: held-out evaluation and experiment tracking.

One W&B group per testnet session (``--wandb-group``, by default ``<run id>-<UTC time>``) and one W&B run per
client, named like the client (``client-N``); TensorBoard files go to ``<dir>/client-N``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClientFlags", "DEFAULT_EVAL_STEPS"]

DEFAULT_EVAL_STEPS = 10


@dataclass(frozen=True)
class ClientFlags:
    """What ``psyche-local-testnet start`` forwards; None leaves a flag out."""

    eval_steps: int | None = None
    track_gradients: bool = False
    wandb_project: str | None = None
    wandb_group: str | None = None
    wandb_entity: str | None = None
    wandb_mode: str | None = None
    tensorboard_dir: Path | None = None

    def train_args(self, client: str) -> tuple[str, ...]:
        """The flags of the client named ``client``.

        >>> ClientFlags(eval_steps=5, wandb_project="p", wandb_group="g").train_args("client-2")
        ('--eval-steps', '5', '--wandb-project', 'p', '--wandb-run', 'client-2', '--wandb-group', 'g')
        """
        args: list[str] = []
        if self.eval_steps is not None:
            args += ["--eval-steps", str(self.eval_steps)]
        if self.track_gradients:
            args.append("--track-gradients")
        if self.wandb_project is not None:
            args += ["--wandb-project", self.wandb_project, "--wandb-run", client]
            for flag, value in (
                ("--wandb-group", self.wandb_group),
                ("--wandb-entity", self.wandb_entity),
                ("--wandb-mode", self.wandb_mode),
            ):
                if value is not None:
                    args += [flag, value]
        elif self.wandb_mode is not None:
            args += ["--wandb-mode", self.wandb_mode]
        if self.tensorboard_dir is not None:
            args += ["--tensorboard-dir", str(self.tensorboard_dir / client)]
        return tuple(args)

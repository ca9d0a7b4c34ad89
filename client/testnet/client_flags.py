"""The ``train`` flags a testnet gives every client: held-out evaluation, experiment tracking, DisTrO data.

One W&B group per testnet session (``--wandb-group``, by default ``<run id>-<UTC time>``) and one W&B run per
client, named like the client (``client-N``); TensorBoard files go to ``<dir>/client-N``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    write_distro_data: Path | None = None  # every client writes its DisTrO results there (train --write-gradients-dir)

    @classmethod
    def pop_from(cls, flags: dict[str, Any], session: str) -> ClientFlags:
        """Take the testnet's evaluation and tracking flags out of a command's keyword arguments; the W&B group
        defaults to ``<session>-<UTC time>``."""
        eval_steps = flags.pop("eval_steps")
        group = flags.pop("wandb_group")
        return cls(
            eval_steps=eval_steps or None,  # 0: never
            track_gradients=flags.pop("track_gradients"),
            wandb_project=flags.pop("wandb_project"),
            wandb_group=group or f"{session}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}",
            wandb_entity=flags.pop("wandb_entity"),
            wandb_mode=flags.pop("wandb_mode"),
            tensorboard_dir=flags.pop("tensorboard_dir"),
            write_distro_data=flags.pop("write_distro_data"),
        )

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
        if self.write_distro_data is not None:  # one directory: each file names its client
            args += ["--write-gradients-dir", str(self.write_distro_data)]
        return tuple(args)

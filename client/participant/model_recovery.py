"""Where a client that (re)starts after epoch 0 takes its weights from, so that no epoch of training is lost.

From epoch 1 on the run's weights are the previous epoch's result, held by its clients (a ``P2P`` checkpoint) and
on their disks (:func:`client.participant.checkpoints.read_checkpoint`), perhaps also uploaded to a hub. After a
pause, or once every client has left, the coordinator points the run back at its ``Hub`` checkpoint, which holds
whatever was last uploaded (the initial weights if nothing was). A (re)started client therefore takes, in order:

1. its own checkpoint of the last completed step (``progress.step - 1``), verified by hash, and offers it to the
   others (it seeds them);
2. else the weights the epoch's other clients offer (§4.7), if they end a newer step than any checkpoint it kept;
3. else, once no peer has offered newer weights for ``offer_wait_s``, its own newest checkpoint (after every client
   crashed mid-epoch, that epoch's rounds are lost with them, and each kept the epoch before: they all resume
   from that, and offer it);
4. else the run's checkpoint: a Hub upload, after the same wait (a peer that holds the latest weights is preferred
   to a hub that may hold older ones); a ``P2P``/``Dummy`` checkpoint or one with no repository names nothing to
   load, so the client keeps waiting for a peer.

When nobody holds the weights, the run owner points the run at a checkpoint directory (:func:`pointing_hint`).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from coordinator_program.core.types import Checkpoint, CheckpointTag

__all__ = ["DEFAULT_OFFER_WAIT_S", "WeightsSource", "may_load_run_checkpoint", "pointing_hint", "weights_source"]

DEFAULT_OFFER_WAIT_S = 5.0


class WeightsSource(Enum):
    """Where a client starting an epoch after the first takes its weights from, or that it waits."""

    Own = "its own checkpoint"
    Peers = "the weights its peers offer"
    Run = "the run's checkpoint"
    Wait = "nothing yet: wait for an offer"


def weights_source(
    latest_step: int,
    own_step: int | None,
    offered_step: int | None,
    waited_s: float,
    offer_wait_s: float,
    checkpoint: Checkpoint,
) -> WeightsSource:
    """The rule above: ``latest_step`` is the last completed step (``progress.step - 1``), ``own_step`` that of our
    newest checkpoint (None: none), ``offered_step`` the newest step peers offer (None: no offer yet).

    >>> dummy = Checkpoint()
    >>> [weights_source(9, own, offered, waited, 5.0, dummy).name for own, offered, waited in
    ...     [(9, None, 0.0), (4, 9, 0.0), (4, None, 0.0), (4, None, 5.0), (4, 4, 0.0), (None, None, 9.0)]]
    ['Own', 'Peers', 'Wait', 'Own', 'Own', 'Wait']
    """
    if own_step is not None and own_step >= latest_step:
        return WeightsSource.Own  # nobody can hold newer weights
    if offered_step is not None and (own_step is None or offered_step > own_step):
        return WeightsSource.Peers
    if own_step is not None and (offered_step is not None or waited_s >= offer_wait_s):
        return WeightsSource.Own  # the peers hold no newer weights than ours, or none spoke up in time
    if may_load_run_checkpoint(checkpoint, waited_s, offer_wait_s):
        return WeightsSource.Run
    return WeightsSource.Wait


def may_load_run_checkpoint(checkpoint: Checkpoint, waited_s: float, offer_wait_s: float) -> bool:
    """Whether a client with no weights of its own, offered none by peers for ``waited_s``, loads the run's
    checkpoint now: only a ``Hub`` with a repository names weights to load, and only after ``offer_wait_s``."""
    repo = checkpoint.variant()
    if CheckpointTag(checkpoint.kind) is not CheckpointTag.Hub or repo is None or not repo.repo_id.value:
        return False
    return waited_s >= offer_wait_s


def pointing_hint(run_id: str, step: int | None = None, checkpoint_dir: Path | None = None) -> str:
    """How the run owner points run ``run_id`` at weights nobody holds any more: the ``update-config`` to run, with
    a checkpoint directory (any client's ``<checkpoint-dir>/<run_id>-step<step>`` is one) as its Hub repo."""
    name = f"{run_id}-step{'<N>' if step is None else step}"
    example = (checkpoint_dir or Path("checkpoints")) / name
    return (
        f"point the run at a checkpoint: put a client's <checkpoint-dir>/{name} directory (e.g. {example}) where "
        f'every client can read it, set `[model.LLM.checkpoint.Hub] repo_id = "<that directory>"` in the run\'s '
        f"state.toml, and run `psyche-solana-client update-config --run-id {run_id} --config-path state.toml` "
        "while the run is paused, then resume it"
    )

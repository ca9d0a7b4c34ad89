"""What the testnet prints when it ends: how far the run got, its loss, and how each client fared.

Clients are named ``client-N`` (1-based, as ``--allowed-to-kill`` counts them); points are keyed by that name,
with the wallet alongside, so the summary reads without a table of public keys. Each client's ``weights_hash``
is of the weights its last process left with (``final_step`` the last step it trained); ``weights_identical``
says whether every client that trained the final step ended with the same weights.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum

from client.testnet.evals import FinalEval

__all__ = ["EndReason", "ClientSummary", "Summary"]


class EndReason(Enum):
    Finished = "the run finished"
    TimeLimit = "the time limit passed"
    ClientsExited = "every client exited before the run finished"
    Interrupted = "interrupted (Ctrl-C)"


@dataclass(frozen=True)
class ClientSummary:
    name: str
    wallet: str
    points: int
    kills_survived: int
    final_loss: float | None
    exit_code: int | None
    final_step: int | None = None
    weights_hash: str | None = None
    claimed: int | None = None  # reward tokens (base units) claimed for it at the end; None when not claimed
    equivocations: int = 0  # equivocation evidence this client logged (a trainer signed two results for one batch)
    byzantine: str | None = None  # the attack it ran (psyche-local-testnet --byzantine-clients), None if honest
    matformer_tier: int = 0  # the MatFormer tier it trained at (--client-matformer-tiers)


@dataclass(frozen=True)
class Summary:
    reason: EndReason
    state: str
    steps: int  # the coordinator's step counter at the end
    epochs: int
    tokens: int
    final_loss: float | None
    clients: list[ClientSummary]
    weights_identical: bool = False
    final_eval: FinalEval | None = None  # the clients' last held-out evaluation (train --eval-steps)
    tier_slices_match: bool | None = None  # each MatFormer tier's weights are the tier-0 ones' slice (None: one tier)

    @property
    def steps_trained(self) -> int:
        """Rounds the run completed: the step counter starts at 1 and moves past each one, so a run Finished at
        step 100 trained 99 steps.

        >>> Summary(EndReason.Finished, "Finished", 100, 2, 0, None, []).steps_trained
        99
        """
        return max(0, self.steps - 1)

    def json_line(self) -> str:
        """The ``--headless`` form: ``{"event": "summary", ...}`` on one line."""
        body = asdict(self) | {"reason": self.reason.name, "steps_trained": self.steps_trained}
        return json.dumps({"event": "summary", **body}, sort_keys=True)

    def text(self) -> str:
        """The terminal form: a headline, then one line per client.

        >>> client = ClientSummary("client-1", "Ab", 9, 1, 5.25, 0, 3, "9f86d081884c7d65", 9)
        >>> print(Summary(EndReason.Finished, "Finished", 4, 1, 3072, 5.25, [client], True).text())
        Testnet ended: the run finished. Run Finished: 3 steps trained (step counter at 4), 1 epochs, 3,072 tokens, final loss 5.2500, final weights identical
          client-1  Ab  points 9  claimed 9  kills survived 1  final loss 5.2500  exit code 0  weights 9f86d081884c at step 3
        """  # noqa: E501
        loss = "n/a" if self.final_loss is None else f"{self.final_loss:.4f}"
        weights = "identical" if self.weights_identical else "NOT identical"
        if self.tier_slices_match is not None:
            weights += ", tier slices " + ("equal to tier 0's" if self.tier_slices_match else "NOT equal to tier 0's")
        lines = [
            f"Testnet ended: {self.reason.value}. Run {self.state}: {self.steps_trained} steps trained (step counter "
            f"at {self.steps}), {self.epochs} epochs, "
            f"{self.tokens:,} tokens, final loss {loss}, final weights {weights}"
        ]
        if self.final_eval is not None:
            lines.append(f"  {self.final_eval.text()}")
        for client in self.clients:
            client_loss = "n/a" if client.final_loss is None else f"{client.final_loss:.4f}"
            lines.append(
                f"  {client.name}  {client.wallet}  points {client.points}"
                + (f"  claimed {client.claimed}" if client.claimed is not None else "")
                + f"  kills survived {client.kills_survived}  "
                f"final loss {client_loss}  exit code {client.exit_code}"
                + (f"  weights {client.weights_hash[:12]} at step {client.final_step}" if client.weights_hash else "")
                + (f"  equivocations seen {client.equivocations}" if client.equivocations else "")
                + (f"  BYZANTINE ({client.byzantine})" if client.byzantine else "")
                + (f"  MatFormer tier {client.matformer_tier}" if client.matformer_tier else "")
            )
        return "\n".join(lines)

"""What the testnet prints when it ends: how far the run got, its loss, and how each client fared.

Clients are named ``client-N`` (1-based, as ``--allowed-to-kill`` counts them); points are keyed by that name,
with the wallet alongside, so the summary reads without a table of public keys.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum

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


@dataclass(frozen=True)
class Summary:
    reason: EndReason
    state: str
    steps: int
    epochs: int
    final_loss: float | None
    clients: list[ClientSummary]

    def json_line(self) -> str:
        """The ``--headless`` form: ``{"event": "summary", ...}`` on one line."""
        body = asdict(self) | {"reason": self.reason.name}
        return json.dumps({"event": "summary", **body}, sort_keys=True)

    def text(self) -> str:
        """The terminal form: a headline, then one line per client.

        >>> print(Summary(EndReason.Finished, "Finished", 4, 1, 5.25, [ClientSummary("client-1", "Ab", 9, 1, 5.25, 0)]).text())
        Testnet ended: the run finished. Run Finished after 4 steps, 1 epochs, final loss 5.2500
          client-1  Ab  points 9  kills survived 1  final loss 5.2500  exit code 0
        """  # noqa: E501
        loss = "n/a" if self.final_loss is None else f"{self.final_loss:.4f}"
        lines = [
            f"Testnet ended: {self.reason.value}. Run {self.state} after {self.steps} steps, {self.epochs} epochs, "
            f"final loss {loss}"
        ]
        for client in self.clients:
            client_loss = "n/a" if client.final_loss is None else f"{client.final_loss:.4f}"
            lines.append(
                f"  {client.name}  {client.wallet}  points {client.points}  kills survived {client.kills_survived}  "
                f"final loss {client_loss}  exit code {client.exit_code}"
            )
        return "\n".join(lines)

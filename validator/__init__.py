"""psyche-validator: the runtime served over Solana's JSON-RPC and PubSub, with a durable SQLite ledger
(:mod:`emulator.ledger_sqlite`, shared with the CLI's embedded chain).

The process is :mod:`validator.cli`; :class:`validator.node.Validator` is the same thing embeddable
in a program. The names below are the ones other packages (the chain backends) build on.
"""

from validator.finality import Commitment, Finality, FinalityPolicy

__all__ = ["Commitment", "Finality", "FinalityPolicy"]

"""This server's own bounds on one JSON-RPC request, beyond Agave's (50 KiB bodies, 100 keys per getMultipleAccounts).

One small request must not make the validator build a huge answer: a batch may hold at most
``max_batch_requests`` calls, and the answer to a request (one call, or a whole batch) at most
``max_response_bytes`` bytes. A call whose answer does not fit gets a JSON-RPC error in its place (the calls
before it keep theirs), so the response is bounded by the limit plus those short error objects. The defaults
serve anchorpy's ``fetch_multiple`` (batches of 3 getMultipleAccounts of 100 keys) of every account this
project's programs create, and any single account up to Solana's 10 MiB maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.rpc.errors import RpcError

__all__ = [
    "DEFAULT_MAX_BATCH_REQUESTS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RPC_LIMITS",
    "RpcLimits",
    "batch_too_large",
    "response_too_large",
]

DEFAULT_MAX_BATCH_REQUESTS = 100
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # a 10 MiB account is 14 MB of base64; 300 coordinator accounts 48 MB


@dataclass(frozen=True, slots=True)
class RpcLimits:
    """``--rpc-max-batch-requests`` and ``--rpc-max-response-bytes``."""

    max_batch_requests: int = DEFAULT_MAX_BATCH_REQUESTS
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __post_init__(self) -> None:
        if self.max_batch_requests <= 0 or self.max_response_bytes <= 0:
            raise ValueError(f"RPC limits must be positive: {self}")


DEFAULT_RPC_LIMITS = RpcLimits()


def batch_too_large(count: int, limit: int) -> RpcError:
    """The error that answers a whole batch of more than ``limit`` calls (none of them is run)."""
    return RpcError.invalid_request(
        f"Too many requests in one batch: {count}, this server answers at most {limit} (--rpc-max-batch-requests)"
    )


def response_too_large(limit: int) -> RpcError:
    """The error that answers a call whose result would take the response past ``limit`` bytes."""
    return RpcError.invalid_request(
        f"Response too large: it would exceed this server's limit of {limit} bytes per request "
        "(--rpc-max-response-bytes); ask for fewer accounts or a dataSlice, or split the batch"
    )

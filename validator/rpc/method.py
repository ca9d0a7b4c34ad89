"""What a JSON-RPC method is to the dispatcher: a name, a handler and how many params it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from validator.rpc.context import RpcContext
from validator.rpc.params import Params

__all__ = ["Handler", "Method"]

Handler = Callable[[RpcContext, Params], object]


@dataclass(frozen=True, slots=True)
class Method:
    """A method: its handler returns the JSON ``result`` or raises :class:`~validator.rpc.errors.RpcError`."""

    name: str
    handler: Handler
    max_params: int

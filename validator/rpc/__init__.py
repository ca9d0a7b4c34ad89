"""Solana's HTTP JSON-RPC methods over a bank: one module per family, a dispatcher, and the shapes solders parses."""

from validator.rpc.context import RpcContext
from validator.rpc.dispatch import METHODS, handle_body
from validator.rpc.errors import RpcError, RpcErrorCode

__all__ = ["METHODS", "RpcContext", "RpcError", "RpcErrorCode", "handle_body"]

"""Chain backends: how clients reach a chain (in-process, or over Solana JSON-RPC)."""

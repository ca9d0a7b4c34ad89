"""psyche-local-testnet: a whole network on one machine (a chain, a configured run, training clients)."""

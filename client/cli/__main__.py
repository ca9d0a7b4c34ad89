"""``python -m client.cli``: the same as the ``psyche-solana-client`` console script."""

from client.cli import main

if __name__ == "__main__":
    main()

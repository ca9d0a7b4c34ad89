"""``python -m centralized_server``: the same as ``psyche-centralized-server``."""

from centralized_server.cli import main

main()

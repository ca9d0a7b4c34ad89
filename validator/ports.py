"""Free loopback ports for the servers this project starts: validators, training clients' P2P endpoints, tests.

A port is free when it can be bound; it may be taken again before its server binds it, so callers pick ports
right before they start. ``consecutive`` serves the validator, whose PubSub listens on the JSON-RPC port + 1.
"""

from __future__ import annotations

import socket

__all__ = ["free_ports", "free_port_pair"]

ATTEMPTS = 100


def free_ports(count: int, *, consecutive: bool = False) -> list[int]:
    """``count`` distinct free loopback ports, all held open while picking so none repeats; ``consecutive``:
    a run of ``count`` adjacent ports.

    >>> first, second = free_ports(2, consecutive=True)
    >>> second == first + 1
    True
    """
    for _ in range(ATTEMPTS):
        sockets = [socket.socket() for _ in range(count)]
        try:
            sockets[0].bind(("127.0.0.1", 0))
            first = int(sockets[0].getsockname()[1])
            for offset, sock in enumerate(sockets[1:], start=1):
                sock.bind(("127.0.0.1", first + offset if consecutive else 0))
            return [int(sock.getsockname()[1]) for sock in sockets]
        except OSError:  # a port of the run is taken (or past 65535): try another start
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} free {'consecutive ' if consecutive else ''}loopback ports after {ATTEMPTS} tries")


def free_port_pair() -> int:
    """A port p with p and p + 1 both free on loopback (a validator's JSON-RPC and PubSub)."""
    return free_ports(2, consecutive=True)[0]

"""What to tell a client that trains in an epoch with other clients but knows none of them.

Peers find each other only through ``--bootstrap-peer``: a client announces itself to the peers it names and
learns the ones they know. A client started without one (or whose bootstrap peers are gone) hears nobody, is
reported by the others' health checks, and in a later epoch cannot get the model; this says why, and what to pass.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["peerless_hint"]


def peerless_hint(run_id: str, known_peers: int, other_clients: int, bootstrap_peers: Sequence[str]) -> str | None:
    """The sentence for a client that knows ``known_peers`` of the epoch's ``other_clients``; None if it knows any.

    >>> print(peerless_hint("demo", known_peers=0, other_clients=2, bootstrap_peers=()))  # doctest: +ELLIPSIS
    this client knows none of the 2 other clients of run demo, and was started without --bootstrap-peer: ...
    >>> peerless_hint("demo", known_peers=1, other_clients=2, bootstrap_peers=()) is None
    True
    """
    if known_peers > 0 or other_clients == 0:
        return None
    start = f"this client knows none of the {other_clients} other clients of run {run_id}"
    if not bootstrap_peers:
        return (
            f"{start}, and was started without --bootstrap-peer: start it with --bootstrap-peer HOST:PORT of any "
            "client already in the run (it learns the others from that one)"
        )
    return (
        f"{start}: its bootstrap peers ({', '.join(bootstrap_peers)}) did not answer; start it with --bootstrap-peer "
        "HOST:PORT of a client that is running now"
    )

"""Where a peer says it can be reached: checked before this client ever sends it a request.

A participant names its own endpoint (its announcement, the ``url`` of its results). Taken unchecked, that lets it
point every honest client at any address, so an endpoint must be exactly ``http(s)://HOST:PORT``: a scheme this
client speaks, a host name or IP literal, an explicit port in 1..65535, and nothing else (no user info, path,
query or fragment). Requests to peers never follow redirects (see :mod:`client.p2p.node`), so a checked endpoint is
also the only address the request reaches.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from client.errors import ClientError

__all__ = ["InvalidEndpoint", "peer_endpoint"]

SCHEMES = ("http", "https")
MAX_ENDPOINT_CHARS = 256
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class InvalidEndpoint(ClientError, ValueError):
    """An announced endpoint that is not ``http(s)://HOST:PORT``."""


def peer_endpoint(url: str) -> str:
    """``url`` if it is a valid peer endpoint (a trailing ``/`` dropped); :class:`InvalidEndpoint` otherwise.

    >>> peer_endpoint("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    >>> peer_endpoint("http://[::1]:9")
    'http://[::1]:9'
    >>> peer_endpoint("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    client.p2p.endpoints.InvalidEndpoint: endpoint 'file:///etc/passwd': scheme must be http or https
    >>> peer_endpoint("http://a.example:80/r?to=x")
    Traceback (most recent call last):
    ...
    client.p2p.endpoints.InvalidEndpoint: endpoint 'http://a.example:80/r?to=x': only http(s)://HOST:PORT is allowed
    """
    if not isinstance(url, str) or len(url) > MAX_ENDPOINT_CHARS:
        raise InvalidEndpoint(f"endpoint must be a string of at most {MAX_ENDPOINT_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidEndpoint(f"endpoint {url!r}: {exc}") from exc
    if parts.scheme not in SCHEMES:
        raise InvalidEndpoint(f"endpoint {url!r}: scheme must be http or https")
    if parts.username is not None or parts.password is not None or parts.path not in ("", "/") or parts.query:
        raise InvalidEndpoint(f"endpoint {url!r}: only http(s)://HOST:PORT is allowed")
    if parts.fragment or "#" in url:
        raise InvalidEndpoint(f"endpoint {url!r}: only http(s)://HOST:PORT is allowed")
    if port is None or not 1 <= port <= 65535:
        raise InvalidEndpoint(f"endpoint {url!r}: needs an explicit port in 1..65535")
    host = parts.hostname or ""
    if not _valid_host(host):
        raise InvalidEndpoint(f"endpoint {url!r}: {host!r} is not a host name or IP address")
    return url.rstrip("/")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return 0 < len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)

"""Token files over HTTP: the ``Http`` data location's provider, its fetcher and its disk cache (spec §6)."""

from client.train.http.fetch import HttpDataError, HttpSettings, RemoteFile
from client.train.http.locations import check_url, numbered_file_urls
from client.train.http.provider import HttpDataProvider, open_http_dataset

__all__ = [
    "HttpDataError",
    "HttpDataProvider",
    "HttpSettings",
    "RemoteFile",
    "check_url",
    "numbered_file_urls",
    "open_http_dataset",
]

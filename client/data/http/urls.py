"""The URLs an ``Http`` data location names, checked without touching the network (or importing aiohttp)."""

from __future__ import annotations

from urllib.parse import urlsplit

from client.data.errors import DataError

__all__ = ["check_url", "numbered_file_urls"]


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL; DataError otherwise.

    >>> check_url("ftp://host/a.bin")
    Traceback (most recent call last):
    client.data.errors.DataError: 'ftp://host/a.bin' is not an http:// or https:// URL
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DataError(f"{url!r} is not an http:// or https:// URL")
    return url


def numbered_file_urls(url_template: str, start_index: int, n_left_pad_zeros: int, num_files: int) -> list[str]:
    """The URLs of ``NumberedFiles``.

    >>> numbered_file_urls("http://h/{}.bin", 8, 3, 3)
    ['http://h/008.bin', 'http://h/009.bin', 'http://h/010.bin']
    """
    if url_template.count("{}") != 1:
        raise DataError(
            f"invalid url {url_template}: expected 1 set of {{}} for number substitution, "
            f"got {url_template.count('{}')}"
        )
    urls = [url_template.replace("{}", str(start_index + i).zfill(n_left_pad_zeros)) for i in range(num_files)]
    for url in urls[:1]:
        check_url(url)
    return urls

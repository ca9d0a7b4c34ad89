"""The token files an ``Http`` data location names (spec client-training.md §6): one URL, numbered files, or a bucket.

* ``SingleUrl(url)``: that one file.
* ``NumberedFiles{url_template, start_index, n_left_pad_zeros, num_files}``: the template's one ``{}`` replaced by
  ``start_index + i`` left-padded with zeros to ``n_left_pad_zeros`` digits, for i in 0..num_files.
* ``Gcp{bucket_name, filter_directory}``: every object of a public Google Cloud Storage bucket under the prefix
  whose extension is a token file's, listed anonymously through the JSON API and read at its ``mediaLink``,
  sorted by that URL. The endpoint is ``$STORAGE_EMULATOR_HOST`` when set (the variable Google's own libraries
  honour), else https://storage.googleapis.com.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from client.data.errors import DataError, HttpDataError
from client.data.http.fetch import RangeFetcher, RemoteFile
from client.data.http.urls import check_url, numbered_file_urls
from coordinator_program.core.types import HttpTrainingDataLocation, HttpTrainingDataLocationTag
from formats.token_files import DATA_FILE_EXTENSIONS

__all__ = ["GCS_ENDPOINT", "remote_files"]

GCS_ENDPOINT = "https://storage.googleapis.com"
MAX_LISTING_PAGES = 10_000


def _location_urls(location: HttpTrainingDataLocation, max_files: int) -> list[str] | None:
    """The URLs of a SingleUrl or NumberedFiles location (None for a bucket, which must be listed)."""
    kind = HttpTrainingDataLocationTag(location.kind)
    if kind is HttpTrainingDataLocationTag.SingleUrl:
        return [check_url(location.payload.single_url.value)]
    if kind is HttpTrainingDataLocationTag.NumberedFiles:
        files = location.payload.numbered_files
        if files.num_files > max_files:
            raise DataError(f"NumberedFiles: {files.num_files} files, more than this client reads ({max_files})")
        return numbered_file_urls(
            files.url_template.value, int(files.start_index), int(files.n_left_pad_zeros), int(files.num_files)
        )
    return None


async def _bucket_files(fetcher: RangeFetcher, bucket: str, prefix: str, endpoint: str) -> list[RemoteFile]:
    """Every token file of a public bucket under ``prefix`` (JSON API listing, page by page), sorted by URL."""
    url = f"{endpoint.rstrip('/')}/storage/v1/b/{quote(bucket, safe='')}/o"
    files: list[RemoteFile] = []
    page_token: str | None = None
    for _ in range(MAX_LISTING_PAGES):
        params = {"fields": "items(name,size,mediaLink,etag),nextPageToken"}
        if prefix:
            params["prefix"] = prefix
        if page_token:
            params["pageToken"] = page_token
        page = await fetcher.get_json(url, params)
        if not isinstance(page, dict):
            raise HttpDataError(f"bucket {bucket}: listing page is not a JSON object")
        for item in page.get("items", []):
            if not isinstance(item, dict):
                raise HttpDataError(f"bucket {bucket}: a listed object is not a JSON object")
            name, size, link = item.get("name"), item.get("size"), item.get("mediaLink")
            if not (isinstance(name, str) and name.endswith(DATA_FILE_EXTENSIONS)):
                continue
            if not (isinstance(size, str | int) and str(size).isdigit() and isinstance(link, str)):
                raise HttpDataError(f"bucket {bucket}: object {name!r} has no valid size and mediaLink")
            files.append(RemoteFile(check_url(link), int(size), str(item.get("etag", ""))[:256]))
            if len(files) > fetcher.settings.max_files:
                raise HttpDataError(f"bucket {bucket}: more than {fetcher.settings.max_files} token files")
        token = page.get("nextPageToken")
        if not token:
            return sorted(files, key=lambda file: file.url)
        page_token = str(token)
    raise HttpDataError(f"bucket {bucket}: listing did not end after {MAX_LISTING_PAGES} pages")


async def remote_files(location: HttpTrainingDataLocation, fetcher: RangeFetcher) -> list[RemoteFile]:
    """The files of ``location`` with their sizes, in the order their sequences are numbered."""
    urls = _location_urls(location, fetcher.settings.max_files)
    if urls is not None:
        return await fetcher.sizes(urls)
    gcp = location.payload.gcp  # neither a URL nor numbered files: a bucket
    endpoint = os.environ.get("STORAGE_EMULATOR_HOST") or GCS_ENDPOINT
    files = await _bucket_files(fetcher, gcp.bucket_name.value, gcp.filter_directory.value, endpoint)
    if not files:
        bucket, prefix = gcp.bucket_name.value, gcp.filter_directory.value
        raise HttpDataError(f"bucket {bucket} holds no token files under {prefix!r}")
    return files

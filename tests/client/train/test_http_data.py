"""The Http data provider against a real HTTP server on 127.0.0.1: spec §6's mapping, range requests, the disk
cache a restarted client reads from, and a server that fails, truncates, stalls or ignores ``Range``."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from client.data.errors import DataError, HttpDataError
from client.data.http.fetch import HttpSettings
from client.train.http_data import HttpDataProvider, open_http_dataset
from coordinator_program.core.data_assignment import BatchId
from coordinator_program.core.types import HttpLLMTrainingDataLocation
from coordinator_program.state.borsh_args import HTTP_LLM_TRAINING_DATA_LOCATION
from formats.run_config.serde import from_serde
from tests.client.train.data_server import DataServer

FAST = HttpSettings(request_timeout=0.5, retries=2, retry_delay=0.05)
SEQ = 3  # tokens per sample; S = 6 bytes of u16


def write_u16(path: Path, tokens: list[int]) -> None:
    path.write_bytes(struct.pack(f"<{len(tokens)}H", *tokens))


def http_location(location: dict[str, Any], token_size: str = "TwoBytes", shuffle: Any = "DontShuffle") -> Any:
    value = {"location": location, "token_size_in_bytes": token_size, "shuffle": shuffle}
    parsed = from_serde(HTTP_LLM_TRAINING_DATA_LOCATION, value, "http", "test")
    assert isinstance(parsed, HttpLLMTrainingDataLocation)
    return parsed


def expected_samples(files: list[list[int]], seq_len: int, spare_tokens: int) -> list[list[int]]:
    """Spec §6 written out directly: per file, token offsets 0, seq, 2 seq, ... below len - seq - spare."""
    return [
        tokens[offset : offset + seq_len]
        for tokens in files
        for offset in range(0, len(tokens) - seq_len - spare_tokens, seq_len)
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DataServer]:
    served = tmp_path / "served"
    served.mkdir()
    # 10 tokens: Local offsets 0, 3, 6 (< 7); HTTP offsets 0, 3 (< 10 - 3 - 1 = 6). 12 tokens: 0, 3, 6 both ways.
    write_u16(served / "data-007.bin", list(range(100, 110)))
    write_u16(served / "data-008.bin", list(range(200, 212)))
    with DataServer(served) as running:
        yield running


def numbered(server: DataServer, num_files: int = 2) -> dict[str, Any]:
    template = server.url("data-{}.bin")
    return {
        "NumberedFiles": {"url_template": template, "start_index": 7, "n_left_pad_zeros": 3, "num_files": num_files}
    }


def open_numbered(server: DataServer, cache: Path | None = None) -> HttpDataProvider:
    return open_http_dataset(http_location(numbered(server)), SEQ, cache, FAST)


def test_numbered_files_map_samples_with_one_spare_token_per_file(server: DataServer) -> None:
    files = [list(range(100, 110)), list(range(200, 212))]
    data = open_numbered(server)
    try:
        assert data.num_sequences() == 5  # a Local directory of these files has 6
        assert data.get_samples(BatchId(0, 4)).tolist() == expected_samples(files, SEQ, spare_tokens=1)
        with pytest.raises(DataError, match="index 5 is out of bounds, we only have 5 samples"):
            data.get_samples(BatchId(4, 5))
    finally:
        data.close()
    heads = [r.path for r in server.requests if r.method == "HEAD"]
    assert heads == ["/data-007.bin", "/data-008.bin"]
    # Consecutive samples of a file are one range request; the batch spans two files, so two requests.
    assert sorted((r.path, r.range) for r in server.gets()[:2]) == [
        ("/data-007.bin", "bytes=0-11"),
        ("/data-008.bin", "bytes=0-17"),
    ]


def test_a_single_url_with_four_byte_tokens(server: DataServer, tmp_path: Path) -> None:
    (server.directory / "wide.ds").write_bytes(struct.pack("<9I", *range(70_000, 70_009)))
    data = open_http_dataset(http_location({"SingleUrl": server.url("wide.ds")}, "FourBytes"), 2, None, FAST)
    try:
        assert data.num_sequences() == 3  # offsets 0, 2, 4 tokens (< 9 - 2 - 1)
        assert data.get_samples(BatchId(1, 2)).tolist() == [[70_002, 70_003], [70_004, 70_005]]
    finally:
        data.close()


def test_a_restarted_client_reads_what_it_already_has_from_its_cache(server: DataServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = open_numbered(server, cache)
    try:
        before = first.get_samples(BatchId(0, 2)).tolist()
    finally:
        first.close()  # the client stops
    fetched = len(server.gets())
    assert fetched == 2

    again = open_numbered(server, cache)  # and starts again
    try:
        assert again.get_samples(BatchId(0, 2)).tolist() == before
        assert len(server.gets()) == fetched  # nothing downloaded twice
        assert again.get_samples(BatchId(1, 3)).tolist() == [[103, 104, 105], [200, 201, 202], [203, 204, 205]]
    finally:
        again.close()
    assert [(r.path, r.range) for r in server.gets()[fetched:]] == [("/data-008.bin", "bytes=6-11")]  # only the gap


def test_a_changed_file_is_not_served_from_the_cache(server: DataServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = open_numbered(server, cache)
    first.get_samples(BatchId(0, 0))
    first.close()
    write_u16(server.directory / "data-007.bin", list(range(300, 313)))  # new size, new Last-Modified
    again = open_numbered(server, cache)
    try:
        assert again.get_samples(BatchId(0, 0)).tolist() == [[300, 301, 302]]
    finally:
        again.close()


def test_an_unusable_cache_directory_is_a_data_error(server: DataServer, tmp_path: Path) -> None:
    (tmp_path / "not-a-directory").write_text("")
    with pytest.raises(DataError, match="the data cache directory .*not-a-directory' cannot be used"):
        open_numbered(server, tmp_path / "not-a-directory")


def test_a_missing_file_fails_at_once_naming_it(server: DataServer) -> None:
    with pytest.raises(HttpDataError, match=r"HEAD .*/data-009.bin: server answered 404"):
        open_http_dataset(http_location(numbered(server, num_files=3)), SEQ, None, FAST)
    assert [r.path for r in server.requests].count("/data-009.bin") == 1  # a 404 is not retried


def test_an_unavailable_server_is_retried(server: DataServer) -> None:
    server.faults.unavailable["/data-007.bin"] = 2
    data = open_numbered(server)
    try:
        assert data.get_samples(BatchId(0, 0)).tolist() == [[100, 101, 102]]
    finally:
        data.close()
    assert len(server.gets("/data-007.bin")) == 3


def test_a_truncated_answer_is_retried_then_refused(server: DataServer) -> None:
    server.faults.truncated.add("/data-007.bin")
    data = open_numbered(server)
    try:
        with pytest.raises(HttpDataError, match=r"got 5 of the 6 bytes asked for \(truncated\).*after 3 attempts"):
            data.get_samples(BatchId(0, 0))
    finally:
        data.close()


def test_a_server_too_slow_times_out(server: DataServer) -> None:
    server.faults.slow["/data-008.bin"] = 1.0  # twice the timeout
    data = open_numbered(server)
    try:
        assert data.get_samples(BatchId(1, 1)).tolist() == [[103, 104, 105]]  # other files are unaffected
        with pytest.raises(HttpDataError, match="TimeoutError.*after 3 attempts"):
            data.get_samples(BatchId(2, 2))
    finally:
        data.close()


def test_a_server_ignoring_range_is_refused_without_reading_the_whole_file(server: DataServer) -> None:
    write_u16(server.directory / "big.bin", [1] * 4_000_000)  # 8 MB
    server.faults.ignore_range.add("/big.bin")
    data = open_http_dataset(http_location({"SingleUrl": server.url("big.bin")}), SEQ, None, FAST)
    try:
        with pytest.raises(HttpDataError, match=r"more than the 6 bytes asked for \(Range ignored\?\)"):
            data.get_samples(BatchId(0, 0))
    finally:
        data.close()


def test_requests_in_flight_stay_within_the_limit(server: DataServer) -> None:
    names = [f"one-{i:02d}.bin" for i in range(12)]
    for i, name in enumerate(names):
        write_u16(server.directory / name, [i] * (SEQ + 1 + 1))  # one sample each over HTTP
        server.faults.slow[f"/{name}"] = 0.1
    files = {"url_template": server.url("one-{}.bin"), "start_index": 0, "n_left_pad_zeros": 2, "num_files": 12}
    settings = HttpSettings(request_timeout=5.0, retries=0, max_concurrent_requests=3)
    data = open_http_dataset(http_location({"NumberedFiles": files}), SEQ, None, settings)
    try:
        assert data.get_samples(BatchId(0, 11)).tolist() == [[i] * SEQ for i in range(12)]  # 12 separate requests
    finally:
        data.close()
    assert len(server.gets()) == 12 and server.most_in_flight == 3


def test_a_public_bucket_is_listed_page_by_page_and_read_in_url_order(
    server: DataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (server.directory / "data-009.txt").write_text("not a token file")
    write_u16(server.directory / "data-010.bin", list(range(400, 407)))
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.url())
    data = open_http_dataset(
        http_location({"Gcp": {"bucket_name": "b", "filter_directory": "data-"}}), SEQ, None, FAST
    )
    try:
        assert [Path(f.url).name for f in data.files] == ["data-007.bin", "data-008.bin", "data-010.bin"]
        files = [list(range(100, 110)), list(range(200, 212)), list(range(400, 407))]
        assert data.get_samples(BatchId(0, data.num_sequences() - 1)).tolist() == expected_samples(files, SEQ, 1)
    finally:
        data.close()
    listings = [r for r in server.requests if r.path == "/storage/v1/b/b/o"]
    assert len(listings) == 2  # four objects, two per page


def test_a_seeded_shuffle_is_refused(server: DataServer) -> None:
    with pytest.raises(DataError, match="Seeded shuffle"):
        open_http_dataset(http_location(numbered(server), shuffle={"Seeded": [1] * 32}), SEQ, None, FAST)


def test_a_template_without_one_placeholder_is_refused(server: DataServer) -> None:
    location = {
        "NumberedFiles": {"url_template": server.url("x.bin"), "start_index": 0, "n_left_pad_zeros": 0, "num_files": 1}
    }
    with pytest.raises(DataError, match=r"expected 1 set of \{\} for number substitution, got 0"):
        open_http_dataset(http_location(location), SEQ, None, FAST)

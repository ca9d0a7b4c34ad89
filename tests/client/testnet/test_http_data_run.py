"""A 3-client testnet whose training data comes over HTTP from a server this test starts (issue #21).

The data is ``psyche-prepare-data`` shards of 641 tokens served by ``psyche-serve-data``'s app. With 32-token
sequences a shard gives 19 samples over HTTP but 20 from a Local directory (spec §6: HTTP keeps one spare token
per file), so the run crosses shard boundaries where the two mappings disagree. Every batch a client trained is
logged with the sha256 of its tokens; the test recomputes each from the shard files by the HTTP rule, written out
here on its own. Afterwards each client's data cache, reopened as a restarted client would, serves every batch that
client trained without a single request to the server.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w

from client.data.http.fetch import HttpSettings
from client.train.http_data import open_http_dataset
from client.train.prepare_data import DEFAULT_TEXT, prepare, read_text
from coordinator_program.core.data_assignment import BatchId
from formats.run_config import parse_run_config
from formats.run_config.small_run import constant_lr, small_run
from tests.client.train.data_server import DataServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # a validator and three training processes, ~1-2 minutes

REPO = Path(__file__).resolve().parents[3]
SEQ = 32
SHARD_TOKENS = 20 * SEQ + 1
SHARDS = 6


def expected_rows(shards: list[np.ndarray], spare_tokens: int) -> list[np.ndarray]:
    """Spec §6 written out: per file in order, token offsets 0, SEQ, 2 SEQ, ... below len - SEQ - spare."""
    return [
        tokens[offset : offset + SEQ].astype("<i8")
        for tokens in shards
        for offset in range(0, len(tokens) - SEQ - spare_tokens, SEQ)
    ]


def batch_sha256(rows: list[np.ndarray], start: int, end: int) -> str:
    return hashlib.sha256(b"".join(row.tobytes() for row in rows[start : end + 1])).hexdigest()


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_three_clients_train_on_http_data_exactly_as_spec_6_maps_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    prepared = prepare(
        data, read_text(DEFAULT_TEXT)[: SHARD_TOKENS * SHARDS], heldout_fraction=0.0, shard_tokens=SHARD_TOKENS
    )
    assert len(prepared.shards) == SHARDS
    shards = [np.fromfile(data / name, dtype="<u2") for name in prepared.shards]
    http_rows, local_rows = expected_rows(shards, spare_tokens=1), expected_rows(shards, spare_tokens=0)
    assert (len(http_rows), len(local_rows)) == (19 * SHARDS, 20 * SHARDS)

    with DataServer(data) as server:
        location = {
            "Http": {
                "location": {
                    "NumberedFiles": {
                        "url_template": server.url("tokens-{}.bin"),
                        "start_index": 0,
                        "n_left_pad_zeros": 5,
                        "num_files": SHARDS,
                    }
                },
                "token_size_in_bytes": "TwoBytes",
                "shuffle": "DontShuffle",
            }
        }
        config = {
            "init_min_clients": 3,
            "min_clients": 3,
            "global_batch_size_start": 6,
            "global_batch_size_end": 6,
            "total_steps": 8,
            "warmup_time": 8,
            "max_round_train_time": 8,
            "epoch_time": 600,
        }
        llm = {"max_seq_len": SEQ, "data_location": location, "lr_schedule": constant_lr(2.0e-3)}
        state = tmp_path / "state.toml"
        state.write_text(tomli_w.dumps(small_run(config=config, llm=llm)))
        logs = tmp_path / "logs"
        command = [
            sys.executable,
            "-m",
            "client.testnet.cli",
            "start",
            "--headless",
            "--write-log",
            str(logs),
            "--num-clients",
            "3",
            "--config-path",
            str(state),
            "--headless-exit-after-secs",
            "240",
        ]
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        summary = next(json.loads(line) for line in result.stdout.splitlines() if '"event": "summary"' in line)
        assert (summary["reason"], summary["state"], summary["steps"]) == ("Finished", "Finished", 8)
        assert summary["weights_identical"] is True

        trained: dict[str, list[dict[str, Any]]] = {}
        for name in ("client-1", "client-2", "client-3"):
            trained[name] = [e for e in events(logs / f"{name}.jsonl") if e["event"] == "trained_batch"]
            assert trained[name], name
        batches = [e for batch_events in trained.values() for e in batch_events]
        assert {e["step"] for e in batches} == set(range(1, 8))
        for event in batches:
            start, end = event["batch_start"], event["batch_end"]
            assert event["tokens_sha256"] == batch_sha256(http_rows, start, end), event
        # The run crossed shard boundaries where the Local rule would have given other tokens.
        assert any(batch_sha256(local_rows, e["batch_start"], e["batch_end"]) != e["tokens_sha256"] for e in batches)

        # Each client's cache, reopened as a restarted client would, holds every batch it trained.
        before = len(server.gets())
        model = parse_run_config(state.read_text()).model
        for name, batch_events in trained.items():
            cache = logs / "chain" / "data-cache" / name
            restarted = open_http_dataset(model.llm.data_location.variant(), SEQ, cache, HttpSettings())
            try:
                for event in batch_events:
                    tokens = restarted.get_samples(BatchId(event["batch_start"], event["batch_end"]))
                    digest = hashlib.sha256(tokens.numpy().astype("<i8").tobytes()).hexdigest()
                    assert digest == event["tokens_sha256"]
            finally:
                restarted.close()
        assert len(server.gets()) == before  # not one byte downloaded again

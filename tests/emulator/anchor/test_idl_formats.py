"""Each program's two IDLs: the checked-in files are the generator's output, and the formats agree.

The Anchor 0.30 IDL (``idl.json``) and the legacy one (``idl.legacy.json``) are written from one
declaration; this pins that they describe the same program: the same instructions with the same
discriminators, accounts and flags, the same argument and account layouts, the same errors.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from authorizer import program as authorizer
from coordinator_program import program as coordinator
from coordinator_program.state.coordinator_account import COORDINATOR_ACCOUNT_SIZE
from emulator.anchor.discriminator import snake_case
from emulator.anchor.idl_files import IDL_FILE, LEGACY_IDL_FILE, idl_files
from treasurer import program as treasurer

PROGRAMS = {"authorizer": authorizer, "coordinator": coordinator, "treasurer": treasurer}
# The reference crates' Cargo.toml versions and descriptions.
CRATES = {
    "authorizer": ("psyche_solana_authorizer", "0.2.0", "Psyche Solana Authorizer"),
    "coordinator": ("psyche_solana_coordinator", "0.1.0", "Psyche Solana Coordinator"),
    "treasurer": ("psyche_solana_treasurer", "0.2.0", "Psyche Solana Treasurer"),
}


def _sha(preimage: str) -> list[int]:
    return list(hashlib.sha256(preimage.encode()).digest()[:8])


def _as_v030(legacy_type: Any) -> Any:
    """Independently of the generator: the legacy type expression written the 0.30 way."""
    text = json.dumps(legacy_type).replace('"publicKey"', '"pubkey"')
    converted = json.loads(text)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("defined"), str):
                return {"defined": {"name": value["defined"]}}
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(converted)


@pytest.fixture(params=list(PROGRAMS))
def pair(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], dict[str, Any]]:
    module = PROGRAMS[request.param]
    return request.param, json.loads(module.IDL_PATH.read_text()), json.loads(module.LEGACY_IDL_PATH.read_text())


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_checked_in_files_are_the_generators_output(name: str) -> None:
    module = PROGRAMS[name]
    generated = idl_files(module.INTERFACE, module.PROGRAM_ID)
    assert module.IDL_PATH.read_text() == generated[IDL_FILE]
    assert module.LEGACY_IDL_PATH.read_text() == generated[LEGACY_IDL_FILE]


def test_metadata_is_the_reference_crates(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    name, v030, legacy = pair
    crate, version, description = CRATES[name]
    assert v030["metadata"] == {"name": crate, "version": version, "spec": "0.1.0", "description": description}
    assert v030["address"] == legacy["metadata"]["address"] == str(PROGRAMS[name].PROGRAM_ID)
    assert (legacy["name"], legacy["version"]) == (crate, version)


def test_instructions_agree(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    _, v030, legacy = pair
    assert len(v030["instructions"]) == len(legacy["instructions"])
    for new, old in zip(v030["instructions"], legacy["instructions"], strict=True):
        assert new["name"] == snake_case(old["name"])
        assert new["discriminator"] == _sha(f"global:{new['name']}")
        flags = [(a["name"], a.get("writable", False), a.get("signer", False)) for a in new["accounts"]]
        assert flags == [(snake_case(a["name"]), a["isMut"], a["isSigner"]) for a in old["accounts"]]
        assert [(a["name"], a["type"]) for a in new["args"]] == [
            (snake_case(a["name"]), _as_v030(a["type"])) for a in old["args"]
        ]


def test_accounts_errors_and_layouts_agree(pair: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    name, v030, legacy = pair
    listed = [account["name"] for account in v030["accounts"]]
    assert listed[: len(legacy["accounts"])] == [account["name"] for account in legacy["accounts"]]
    assert all(account["discriminator"] == _sha(f"account:{account['name']}") for account in v030["accounts"])
    assert v030.get("errors", []) == legacy["errors"]
    new_types = {entry["name"]: entry for entry in v030["types"]}
    payloads = PROGRAMS[name].INTERFACE.named_variant_payloads
    for entry in (*legacy["accounts"], *legacy["types"]):
        if entry["name"] in payloads:  # inlined as named variant fields
            assert entry["name"] not in new_types
            continue
        new, old = new_types[entry["name"]]["type"], entry["type"]
        assert new["kind"] == old["kind"]
        if old["kind"] == "struct":
            assert [(f["name"], f["type"]) for f in new["fields"]] == [
                (snake_case(f["name"]), _as_v030(f["type"])) for f in old["fields"]
            ]
        else:
            assert [v["name"] for v in new["variants"]] == [v["name"] for v in old["variants"]]


def test_named_variants_carry_the_fields_the_legacy_idl_wraps_in_a_struct() -> None:
    v030 = json.loads(coordinator.IDL_PATH.read_text())
    legacy = json.loads(coordinator.LEGACY_IDL_PATH.read_text())
    old_types = {entry["name"]: entry["type"] for entry in legacy["types"]}
    new_types = {entry["name"]: entry["type"] for entry in v030["types"]}
    adamw = next(v for v in new_types["OptimizerDefinition"]["variants"] if v["name"] == "AdamW")
    assert [f["name"] for f in adamw["fields"]] == ["betas", "weight_decay", "eps", "clip_grad_norm"]
    assert len(adamw["fields"]) == len(old_types["AdamW"]["fields"])
    gcp = next(v for v in new_types["HttpTrainingDataLocation"]["variants"] if v["name"] == "Gcp")
    assert [f["name"] for f in gcp["fields"]] == ["bucket_name", "filter_directory"]


def test_coordinator_account_is_listed_as_a_zero_copy_account() -> None:
    v030 = json.loads(coordinator.IDL_PATH.read_text())
    assert {"name": "CoordinatorAccount", "discriminator": _sha("account:CoordinatorAccount")} in v030["accounts"]
    (layout,) = [entry for entry in v030["types"] if entry["name"] == "CoordinatorAccount"]
    assert (layout["serialization"], layout["repr"]) == ("bytemuck", {"kind": "c"})
    sizes = {"u64": 8}
    total = sum(
        sizes[f["type"]] if isinstance(f["type"], str) else f["type"]["array"][1] for f in layout["type"]["fields"]
    )
    assert 8 + total == COORDINATOR_ACCOUNT_SIZE  # discriminator + fields: the whole account

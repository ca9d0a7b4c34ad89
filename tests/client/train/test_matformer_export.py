"""scripts/export_matformer_tiers.py: per tier a checkpoint that loads on its own, the manifest, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client.participant.model_setup import WEIGHTS_FILE
from client.participant.model_sharing import load_parameters
from client.train.matformer import MatformerTierError
from client.train.matformer_export import export_tiers, main
from client.train.model import LlamaForCausalLM, build_model
from client.train.tiny_llama_checkpoint import TINY_LLAMA_CONFIG, write_tiny_llama_checkpoint


def test_the_script_writes_a_loadable_checkpoint_per_tier_and_the_manifest(tmp_path: Path) -> None:
    source = tmp_path / "full"
    write_tiny_llama_checkpoint(source, seed=3)  # intermediate_size 176
    assert main(["--checkpoint", str(source), "--out", str(tmp_path / "out"), "--tiers", "0,2"]) == 0
    manifest = json.loads((tmp_path / "out" / "matformer_manifest.json").read_text())
    assert manifest["schema_version"] == 1
    assert [(t["tier"], t["intermediate_size"]) for t in manifest["tiers"]] == [(0, 176), (2, 44)]
    full = build_model(TINY_LLAMA_CONFIG, seed=0)
    load_parameters(full, (source / WEIGHTS_FILE).read_bytes())
    for entry in manifest["tiers"]:
        files = [tmp_path / "out" / name for name in entry["files"]]
        assert all(path.is_file() for path in files)
        config = json.loads(files[0].read_text())
        assert config["intermediate_size"] == entry["intermediate_size"] and config["matformer_tier"] == entry["tier"]
        alone = build_model(config, seed=9)  # an ordinary LLaMA of the tier's width
        load_parameters(alone, files[1].read_bytes())
        sliced = build_model(TINY_LLAMA_CONFIG, seed=9, matformer_tier=entry["tier"])
        load_parameters(sliced, (source / WEIGHTS_FILE).read_bytes())
        assert _same_weights(alone, sliced)


def _same_weights(a: LlamaForCausalLM, b: LlamaForCausalLM) -> bool:
    other = dict(b.named_parameters())
    return all(param.equal(other[name]) for name, param in a.named_parameters())


def test_a_tier_the_width_cannot_be_cut_to_or_a_missing_checkpoint_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "full"
    write_tiny_llama_checkpoint(source)
    with pytest.raises(MatformerTierError, match="tier 5 exceeds the deepest tier intermediate_size 176 allows"):
        export_tiers(source, tmp_path / "out", [1, 5])
    assert not (tmp_path / "out").exists()
    assert main(["--checkpoint", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "cannot read" in capsys.readouterr().err

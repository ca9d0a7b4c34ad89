"""Cut a full (tier-0) LLaMA checkpoint into the sub-models of chosen MatFormer tiers, each a checkpoint of its own.

``scripts/export_matformer_tiers.py --checkpoint DIR --out OUT --tiers 0,1,2`` writes ``OUT/tier-T/config.json``
and ``OUT/tier-T/model.safetensors`` per tier (plus the tokenizer files the source has), and
``OUT/matformer_manifest.json``, the index the reference's MatFormer fork writes::

    {"schema_version": 1, "source": "...", "tiers": [{"tier": 1, "intermediate_size": 88,
     "files": ["tier-1/config.json", "tier-1/model.safetensors"]}, ...]}

A tier's ``config.json`` is the source's with ``intermediate_size`` set to the tier's width (and the tier and the
full width recorded as ``matformer_tier`` and ``matformer_full_intermediate_size``), so each sub-model loads on its
own as an ordinary LLaMA. Its weights are exactly the first channels of the source's FFN matrices
(:func:`~client.participant.checkpoints.slice_parameters_blob`), the slice a client of that tier trains.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from client.errors import ClientError
from client.participant.checkpoints import slice_parameters_blob
from client.participant.model_setup import TOKENIZER_FILES, WEIGHTS_FILE
from client.participant.model_sharing import load_parameters
from client.train.errors import ModelConfigError
from client.train.matformer import MAX_MATFORMER_TIER
from client.train.model import LlamaConfig, LlamaForCausalLM
from client.train.model_families import ModelFamily, model_family

__all__ = ["MANIFEST_FILE", "MANIFEST_SCHEMA_VERSION", "export_tiers", "main", "parse_tiers"]

MANIFEST_FILE = "matformer_manifest.json"
MANIFEST_SCHEMA_VERSION = 1
MAX_CONFIG_BYTES = 1 << 20  # a config.json is a few hundred bytes; refuse to parse a huge one


def parse_tiers(text: str) -> list[int]:
    """``"0,1,2"`` -> [0, 1, 2]: distinct tiers in 0..255, in the order given; ValueError naming a bad one.

    >>> parse_tiers("2, 0")
    [2, 0]
    """
    tiers = []
    for part in text.split(","):
        try:
            tier = int(part.strip())
        except ValueError:
            raise ValueError(f"tier {part.strip()!r} is not an integer") from None
        if not 0 <= tier <= MAX_MATFORMER_TIER or tier in tiers:
            raise ValueError(f"tier {tier} is out of range 0..{MAX_MATFORMER_TIER} or given twice")
        tiers.append(tier)
    return tiers


def _read_config(checkpoint: Path) -> dict[str, Any]:
    path = checkpoint / "config.json"
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ModelConfigError(f"{path} is larger than {MAX_CONFIG_BYTES:,} bytes")
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(config, dict) or model_family(config) is not ModelFamily.CausalLM:
        raise ModelConfigError(f"{path} is not a LLaMA config: only language models have MatFormer tiers")
    return config


def export_tiers(checkpoint: Path, out: Path, tiers: Sequence[int]) -> dict[str, Any]:
    """Write the sliced checkpoint of every tier and the manifest under ``out``; the manifest.

    ModelConfigError when the source is no LLaMA checkpoint, a tier does not divide its width, or the weights do
    not fit the config (each tier's weights are loaded into a model of that tier before anything is written).
    """
    config = _read_config(checkpoint)
    try:
        blob = (checkpoint / WEIGHTS_FILE).read_bytes()
    except OSError as exc:
        raise ModelConfigError(f"cannot read {checkpoint / WEIGHTS_FILE}: {exc}") from exc
    full_width = LlamaConfig.from_dict(config).intermediate_size  # ModelConfigError for a config it cannot build
    sliced: dict[int, tuple[dict[str, Any], bytes]] = {}
    for tier in tiers:
        model = LlamaForCausalLM(LlamaConfig.from_dict(config, matformer_tier=tier))  # MatformerTierError
        width = model.config.intermediate_size_active
        try:
            weights = slice_parameters_blob(blob, width)
            load_parameters(model, weights)
        except ValueError as exc:
            raise ModelConfigError(f"{checkpoint / WEIGHTS_FILE} does not fit its config.json: {exc}") from exc
        tier_config = config | {
            "intermediate_size": width,
            "matformer_tier": tier,
            "matformer_full_intermediate_size": full_width,
        }
        sliced[tier] = (tier_config, weights)
    entries = []
    for tier, (tier_config, weights) in sliced.items():
        directory = out / f"tier-{tier}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.json").write_text(json.dumps(tier_config, indent=2) + "\n")
        (directory / WEIGHTS_FILE).write_bytes(weights)
        extra = [name for name in TOKENIZER_FILES if (checkpoint / name).is_file()]
        for name in extra:
            (directory / name).write_bytes((checkpoint / name).read_bytes())
        files = [f"tier-{tier}/{name}" for name in ("config.json", WEIGHTS_FILE, *extra)]
        entries.append({"tier": tier, "intermediate_size": tier_config["intermediate_size"], "files": files})
        print(f"tier {tier}: intermediate_size {tier_config['intermediate_size']}, {len(weights):,} bytes", flush=True)
    manifest = {"schema_version": MANIFEST_SCHEMA_VERSION, "source": str(checkpoint), "tiers": entries}
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Cut a full LLaMA checkpoint into MatFormer tier sub-models: per tier a directory with "
        "config.json (intermediate_size the tier's width) and model.safetensors (the first FFN channels), plus "
        f"{MANIFEST_FILE} listing them."
    )
    parser.add_argument("--checkpoint", type=Path, required=True, help="directory with config.json and weights")
    parser.add_argument("--out", type=Path, required=True, help="where the tier-T directories and manifest go")
    parser.add_argument(
        "--tiers",
        type=parse_tiers,
        default=[0, 1, 2],
        help="comma-separated tiers to export (default 0,1,2); tier T keeps intermediate_size >> T FFN channels",
    )
    args = parser.parse_args(argv)
    try:
        manifest = export_tiers(args.checkpoint, args.out, args.tiers)
    except ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(manifest['tiers'])} tiers and {args.out / MANIFEST_FILE}")
    return 0

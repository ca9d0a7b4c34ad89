"""A LLaMA causal language model in plain PyTorch, built from a Hugging Face ``config.json``.

RMSNorm, rotary position embeddings (rotate-half, as HF LLaMA), grouped-query attention through
``scaled_dot_product_attention``, and a SwiGLU MLP; no biases. Module and parameter names are those of HF's
``LlamaForCausalLM`` (``model.layers.0.self_attn.q_proj.weight``, ``lm_head.weight``, ...), so checkpoints map
one to one and DisTrO's name-sorted parameter order is the reference's.

Every client of a run must start from bit-identical weights: :func:`init_weights` draws them from a CPU generator
seeded by the run (:func:`init_seed`), in name order, in float32, whatever device the model lives on.

A model built at MatFormer tier ``t`` (:mod:`client.train.matformer`) holds only the first
``intermediate_size >> t`` channels of each MLP; its weights are exactly that slice of the tier-0 model's, at
initialisation and when a wider state dict is loaded into it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from client.train.errors import ModelConfigError
from client.train.matformer import active_intermediate_size, ffn_width, narrow_ffn, narrow_wider_ffn, shape_at_width

__all__ = [
    "LlamaConfig",
    "LlamaForCausalLM",
    "init_seed",
    "init_weights",
    "build_model",
    "causal_lm_loss",
    "flops_per_token",
]

IGNORE_INDEX = -100


@dataclass(frozen=True)
class LlamaConfig:
    """The fields of an HF LLaMA ``config.json`` this model uses, and the MatFormer tier the model is built at
    (``intermediate_size`` stays the full width; :attr:`intermediate_size_active` is the one this model holds)."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    initializer_range: float = 0.02
    tie_word_embeddings: bool = False
    matformer_tier: int = 0

    def __post_init__(self) -> None:
        active_intermediate_size(self.intermediate_size, self.matformer_tier)  # MatformerTierError if impossible

    @property
    def intermediate_size_active(self) -> int:
        """The FFN width this model holds and computes: ``intermediate_size >> matformer_tier``."""
        return self.intermediate_size >> self.matformer_tier

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], max_seq_len: int | None = None, matformer_tier: int = 0
    ) -> LlamaConfig:
        """Read an HF config dict. ``max_seq_len`` (the run's) overrides ``max_position_embeddings``, as in the
        reference client. Features this model lacks (biases, rope scaling, another activation) are refused, and
        so is a ``matformer_tier`` the width cannot be cut to (MatformerTierError)."""
        try:
            hidden_size = int(config["hidden_size"])
            heads = int(config["num_attention_heads"])
            parsed = cls(
                vocab_size=int(config["vocab_size"]),
                hidden_size=hidden_size,
                intermediate_size=int(config["intermediate_size"]),
                num_hidden_layers=int(config["num_hidden_layers"]),
                num_attention_heads=heads,
                num_key_value_heads=int(config.get("num_key_value_heads") or heads),
                head_dim=int(config.get("head_dim") or hidden_size // heads),
                max_position_embeddings=int(max_seq_len or config["max_position_embeddings"]),
                rms_norm_eps=float(config.get("rms_norm_eps", 1e-5)),
                rope_theta=float(config.get("rope_theta", 10000.0)),
                initializer_range=float(config.get("initializer_range", 0.02)),
                tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
                matformer_tier=matformer_tier,
            )
        except KeyError as exc:
            raise ModelConfigError(f"model config lacks {exc.args[0]!r}") from exc
        for key in ("attention_bias", "mlp_bias"):
            if config.get(key):
                raise ModelConfigError(f"model config sets {key}; this LLaMA has no biases")
        if config.get("rope_scaling"):
            raise ModelConfigError("model config sets rope_scaling, which this LLaMA does not implement")
        if config.get("hidden_act", "silu") != "silu":
            raise ModelConfigError(f"hidden_act {config['hidden_act']!r} is not supported (only 'silu')")
        if parsed.num_attention_heads % parsed.num_key_value_heads:
            raise ModelConfigError("num_attention_heads must be a multiple of num_key_value_heads")
        if parsed.head_dim % 2:
            raise ModelConfigError(f"rotary embeddings need an even head_dim, got {parsed.head_dim}")
        return parsed


class RMSNorm(nn.Module):
    """``x / rms(x) * weight``, computed in float32 whatever the activation dtype (as HF does)."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)


def rotary_tables(head_dim: int, max_len: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin, each [max_len, head_dim]: frequency i of the first half repeated in the second half."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(max_len, dtype=torch.float32), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (i, i + d/2) of x [B, H, T, d] by the position's angles (HF's rotate-half convention)."""
    first, second = x.chunk(2, dim=-1)
    rotated = torch.cat([-second, first], dim=-1)
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


class Attention(nn.Module):
    """Causal multi-head attention; ``num_key_value_heads < num_attention_heads`` gives grouped-query attention."""

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        self.q_proj = nn.Linear(cfg.hidden_size, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        # [B, T, H*d] -> [B, H, T, d]
        q = self.q_proj(x).view(batch, length, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, length, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, length, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=self.kv_heads != self.heads)
        projected: torch.Tensor = self.o_proj(out.transpose(1, 2).reshape(batch, length, self.heads * self.head_dim))
        return projected


class MLP(nn.Module):
    """SwiGLU: ``down(silu(gate(x)) * up(x))`` over the tier's ``intermediate_size_active`` channels."""

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        width = cfg.intermediate_size_active
        self.gate_proj = nn.Linear(cfg.hidden_size, width, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, width, bias=False)
        self.down_proj = nn.Linear(width, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor, ffn_width: int | None = None) -> torch.Tensor:
        """``ffn_width`` runs only the first channels (a wider model computing as a narrower tier would)."""
        if ffn_width is None:
            down: torch.Tensor = self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))
            return down
        gate, up = self.gate_proj.weight[:ffn_width], self.up_proj.weight[:ffn_width]
        return F.linear(F.silu(F.linear(x, gate)) * F.linear(x, up), self.down_proj.weight[:, :ffn_width])


class DecoderLayer(nn.Module):
    """Pre-norm block: ``h = x + attn(norm(x)); out = h + mlp(norm(h))``."""

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.self_attn = Attention(cfg)
        self.mlp = MLP(cfg)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)

    def forward(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, ffn_width: int | None = None
    ) -> torch.Tensor:
        h: torch.Tensor = x + self.self_attn(self.input_layernorm(x), cos, sin)
        out: torch.Tensor = h + self.mlp(self.post_attention_layernorm(h), ffn_width)
        return out


class LlamaModel(nn.Module):
    """Embeddings, the decoder stack and the final norm (HF's ``LlamaModel``)."""

    rope_cos: torch.Tensor  # [max_len, head_dim] buffers, not parameters: DisTrO never sees them
    rope_sin: torch.Tensor

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        cos, sin = rotary_tables(cfg.head_dim, cfg.max_position_embeddings, cfg.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def forward(self, input_ids: torch.Tensor, ffn_width: int | None = None) -> torch.Tensor:
        length = input_ids.shape[1]
        if length > self.rope_cos.shape[0]:
            raise ValueError(f"sequence of {length} tokens exceeds max_position_embeddings {self.rope_cos.shape[0]}")
        cos, sin = self.rope_cos[:length], self.rope_sin[:length]
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin, ffn_width)
        normed: torch.Tensor = self.norm(x)
        return normed


class LlamaForCausalLM(nn.Module):
    """The language model: token ids [B, T] -> logits [B, T, vocab]."""

    def __init__(self, cfg: LlamaConfig) -> None:
        super().__init__()
        self.config = cfg
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids: torch.Tensor, ffn_width: int | None = None) -> torch.Tensor:
        """``ffn_width``: run every MLP on its first channels only, as a narrower MatFormer tier computes."""
        logits: torch.Tensor = self.lm_head(self.model(input_ids, ffn_width))
        return logits

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """As torch's, except that wider FFN weights (a tier-0 checkpoint in a narrower MatFormer tier) load as
        their first channels, so a full checkpoint serves every tier; narrower ones still fail as size mismatches.
        """
        shapes = {name: param.shape for name, param in self.named_parameters()}
        fitted = {
            name: narrow_wider_ffn(name, value, shapes[name]) if name in shapes else value
            for name, value in state_dict.items()
        }
        return super().load_state_dict(fitted, strict, assign)

    def num_parameters(self) -> int:
        """Distinct parameters (a tied embedding counts once)."""
        return sum(p.numel() for p in self.parameters())


def causal_lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy in float32: position t predicts label t+1; label -100 is ignored."""
    vocab = logits.shape[-1]
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, vocab).float(), labels[:, 1:].reshape(-1), ignore_index=IGNORE_INDEX
    )


def init_seed(run_id: str) -> int:
    """The weight-initialisation seed of a run: the first 8 bytes (little-endian) of
    ``sha256("psyche-sim model init" ‖ run_id)``, so every client of a run derives the same one.

    >>> init_seed("tiny") == init_seed("tiny") != init_seed("tiny2")
    True
    """
    digest = hashlib.sha256(b"psyche-sim model init" + run_id.encode()).digest()
    return int.from_bytes(digest[:8], "little")


@torch.no_grad()
def init_weights(model: LlamaForCausalLM, seed: int) -> None:
    """Deterministic initialisation: norms to 1, every other weight ~ N(0, initializer_range) (HF's scheme).

    Values are drawn on the CPU in float32 from a generator seeded with ``seed``, one parameter after another in
    name order, then copied in place, so the result is bit-identical on every machine and device. A MatFormer
    tier draws each FFN matrix at its full shape and keeps its slice, so every tier starts from exactly the
    tier-0 weights it holds; one full matrix at a time, never the whole full model.
    """
    generator = torch.Generator(device="cpu").manual_seed(seed)
    std = model.config.initializer_range
    full_width = model.config.intermediate_size
    for name, param in sorted(model.named_parameters(), key=lambda item: item[0]):
        if name.endswith("norm.weight"):
            param.fill_(1.0)
            continue
        shape = shape_at_width(name, param.shape, full_width)
        values = torch.empty(shape, dtype=torch.float32).normal_(0.0, std, generator=generator)
        param.copy_(narrow_ffn(name, values, ffn_width(name, param.shape)))


def build_model(
    config: Mapping[str, Any],
    seed: int,
    device: torch.device | str = "cpu",
    max_seq_len: int | None = None,
    matformer_tier: int = 0,
) -> LlamaForCausalLM:
    """A freshly initialised model from an HF config dict, on ``device`` (float32 master weights), holding the
    FFN slice of ``matformer_tier`` (MatformerTierError for a tier the width cannot be cut to)."""
    model = LlamaForCausalLM(LlamaConfig.from_dict(config, max_seq_len, matformer_tier))
    init_weights(model, seed)
    return model.to(device)


def flops_per_token(cfg: LlamaConfig, seq_len: int) -> float:
    """Training FLOPs per token (forward + backward = 6 per matmul parameter, plus attention scores).

    The usual estimate (PaLM appendix B): ``6 N + 12 L d T`` with N the non-embedding matmul parameters plus the
    LM head, used for model FLOPs utilisation. The MLP counts at the tier's active width: what the model computes.
    """
    attention = cfg.hidden_size * (cfg.num_attention_heads + 2 * cfg.num_key_value_heads) * cfg.head_dim
    attention += cfg.num_attention_heads * cfg.head_dim * cfg.hidden_size
    mlp = 3 * cfg.hidden_size * cfg.intermediate_size_active
    matmul_params = cfg.num_hidden_layers * (attention + mlp) + cfg.hidden_size * cfg.vocab_size
    attention_scores = 12 * cfg.num_hidden_layers * cfg.num_attention_heads * cfg.head_dim * seq_len
    return 6.0 * matmul_params + attention_scores

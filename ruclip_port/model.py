"""ruCLIP network: a ViT image tower and a causal text transformer, OpenAI-CLIP style.

Parameter names and shapes follow the published `ai-forever/ruclip-*` checkpoints (their
`pytorch_model.bin` is this module's `state_dict`), so they load with `strict=True`. Attention is
our own module over `scaled_dot_product_attention`, with the same `in_proj_weight`, `in_proj_bias` and
`out_proj` parameters as `torch.nn.MultiheadAttention`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

_REQUIRED_KEYS = (
    "embed_dim",
    "image_resolution",
    "vision_layers",
    "vision_width",
    "vision_patch_size",
    "context_length",
    "vocab_size",
    "transformer_width",
    "transformer_heads",
    "transformer_layers",
)


@dataclass(frozen=True)
class RuCLIPConfig:
    """The hub's `config.json`: sizes of both towers, plus optional image mean/std."""

    embed_dim: int
    image_resolution: int
    vision_layers: int
    vision_width: int
    vision_patch_size: int
    context_length: int
    vocab_size: int
    transformer_width: int
    transformer_heads: int
    transformer_layers: int
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None

    @property
    def vision_heads(self) -> int:
        """ruCLIP uses 64-wide heads in the image tower."""
        return self.vision_width // 64

    @classmethod
    def from_dict(cls, data: dict) -> RuCLIPConfig:
        """Read a `config.json` dict; other keys are ignored, as by the original loader."""
        missing = [k for k in _REQUIRED_KEYS if k not in data]
        if missing:
            raise ValueError(f"в config.json модели ruCLIP нет полей: {', '.join(missing)}")
        values = {k: int(data[k]) for k in _REQUIRED_KEYS}
        mean, std = data.get("mean"), data.get("std")
        return cls(**values, mean=tuple(mean) if mean else None, std=tuple(std) if std else None)

    def to_dict(self) -> dict:
        """The `config.json` dict (mean/std only when set)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


class LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 whatever the input and parameter dtypes (as the original, for fp16)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight, bias = self.weight.float(), self.bias.float()
        return F.layer_norm(x.float(), self.normalized_shape, weight, bias, self.eps).to(x.dtype)


class QuickGELU(nn.Module):
    """CLIP's GELU approximation x·σ(1.702x)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class SelfAttention(nn.Module):
    """Multi-head self-attention over (batch, length, width), parameters named as nn.MultiheadAttention."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not divisible by {heads} heads")
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * width))
        self.out_proj = nn.Linear(width, width)

    def init_weights(self) -> None:
        """Random initialisation of the input projection."""
        nn.init.normal_(self.in_proj_weight, std=self.in_proj_weight.shape[1] ** -0.5)
        nn.init.zeros_(self.in_proj_bias)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        batch, length, width = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.view(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=causal)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, width))


class ResidualAttentionBlock(nn.Module):
    """Pre-norm transformer block: attention then a 4× QuickGELU MLP, each with a residual."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.attn = SelfAttention(width, heads)
        self.ln_1 = LayerNorm(width)
        self.mlp = nn.Sequential(
            OrderedDict(
                [
                    ("c_fc", nn.Linear(width, width * 4)),
                    ("gelu", QuickGELU()),
                    ("c_proj", nn.Linear(width * 4, width)),
                ]
            )
        )
        self.ln_2 = LayerNorm(width)

    def forward(self, x: torch.Tensor, causal: bool) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), causal)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """A stack of residual attention blocks (`resblocks.N.*` in the checkpoint)."""

    def __init__(self, width: int, layers: int, heads: int, causal: bool) -> None:
        super().__init__()
        self.causal = causal
        self.resblocks = nn.ModuleList(ResidualAttentionBlock(width, heads) for _ in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, self.causal)
        return x


class VisionTransformer(nn.Module):
    """ViT image tower: patches + class token → transformer → LayerNorm of the class token → `proj`."""

    def __init__(self, config: RuCLIPConfig) -> None:
        super().__init__()
        width, patch = config.vision_width, config.vision_patch_size
        grid = config.image_resolution // patch
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.empty(width))
        self.positional_embedding = nn.Parameter(torch.empty(grid * grid + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, config.vision_layers, config.vision_heads, causal=False)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(torch.empty(width, config.embed_dim))

    def init_weights(self) -> None:
        """Random initialisation of the embeddings and projection, as in the original."""
        scale = self.class_embedding.shape[0] ** -0.5
        for param in (self.class_embedding, self.positional_embedding, self.proj):
            nn.init.normal_(param, std=scale)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) normalised pixels → (n, embed_dim) image features (not normalised)."""
        x = self.conv1(pixels.to(self.conv1.weight.dtype)).flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class RuCLIPModel(nn.Module):
    """Both towers and the learned temperature, with the checkpoint's top-level parameter names.

    Built on a real device the weights are random (`init_weights`); built under
    `torch.device("meta")` they stay empty, for `load_state_dict(..., assign=True)` to fill cheaply.
    """

    def __init__(self, config: RuCLIPConfig) -> None:
        super().__init__()
        self.config = config
        width = config.transformer_width
        self.visual = VisionTransformer(config)
        self.transformer = Transformer(
            width, config.transformer_layers, config.transformer_heads, causal=True
        )
        self.token_embedding = nn.Embedding(
            config.vocab_size, width, _weight=torch.empty(config.vocab_size, width)
        )
        self.positional_embedding = nn.Parameter(torch.empty(config.context_length, width))
        self.ln_final = LayerNorm(width)
        self.text_projection = nn.Parameter(torch.empty(width, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.empty(()))
        if self.logit_scale.device.type != "meta":
            self.init_weights()

    def init_weights(self) -> None:
        """Random initialisation as in the original CLIP (temperature 1/0.07)."""
        width = self.config.transformer_width
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        nn.init.normal_(self.text_projection, std=width**-0.5)
        nn.init.constant_(self.logit_scale, math.log(1 / 0.07))
        self.visual.init_weights()
        for module in self.modules():
            if isinstance(module, SelfAttention):
                module.init_weights()

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) normalised pixels → (n, embed_dim) image features (not normalised)."""
        return self.visual(pixels)

    def encode_text(self, input_ids: torch.Tensor, eos_id: int) -> torch.Tensor:
        """(n, length ≤ context_length) ids, each row with one `eos` → (n, embed_dim) text features.

        The transformer is causal, so padding after `eos` does not change the feature pooled there.
        """
        length = input_ids.shape[1]
        if length > self.config.context_length:
            raise ValueError(f"{length} tokens exceed the context of {self.config.context_length}")
        x = self.token_embedding(input_ids) + self.positional_embedding[:length]
        x = self.ln_final(self.transformer(x))
        eos_positions = (input_ids == eos_id).int().argmax(dim=1)
        return x[torch.arange(x.shape[0], device=x.device), eos_positions] @ self.text_projection

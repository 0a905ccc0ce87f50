"""BlenderBot's encoder and decoding step in a few tensor operations, without transformers.

The fast engine runs this instead of transformers' model classes: importing those pulls in
transformers' generation, distributed and compiler code (~1.3 s and ~250 MiB before a model
is read), and their decoder makes ~190 module calls a step (masks, cache bookkeeping,
attention dispatch). The operations are transformers' BlenderBot's (pre-layer-norm layers,
scaled token embeddings, learned positions, output layer plus ``final_logits_bias``), in the
same order; float32 replies are token for token those of transformers in the tests.

A step of a reply:

- calls the layers' own weights and functions (layer norms, int8 or float linear layers,
  the activation) directly;
- keeps each beam's keys and values where they are (``step_cache.StepCache``): it runs its
  rows in slot order and hands the logits back in beam order;
- computes the input's cross-attention keys and values once, from one row, and attends to
  them with all rows as the queries of one input;
- attends in three products (``attend``), which took less time than SDPA's kernel here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch.nn import functional

from core.engines.step_cache import StepCache

Linear = Callable[[torch.Tensor], torch.Tensor]  # rows -> rows: a linear layer's forward
Norm = tuple[Any, ...]  # layer_norm's arguments after the input

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": functional.gelu,  # transformers' "gelu" is torch's exact GELU
    "relu": functional.relu,
    "silu": functional.silu,
    "swish": functional.silu,
}


@dataclass(frozen=True)
class Shape:
    """What the network needs of a BlenderBot ``config.json``."""

    d_model: int
    encoder_heads: int
    decoder_heads: int
    encoder_layers: int
    decoder_layers: int
    encoder_ffn: int
    decoder_ffn: int
    vocab_size: int
    positions: int
    embed_scale: float
    activation: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Shape:
        """The shape in ``config`` (``ValueError`` for what this network cannot run)."""
        activation = str(config.get("activation_function", "gelu"))
        if activation not in ACTIVATIONS:
            raise ValueError(f"the activation '{activation}' is not supported")
        d_model = int(config["d_model"])
        return cls(
            d_model=d_model,
            encoder_heads=int(config["encoder_attention_heads"]),
            decoder_heads=int(config["decoder_attention_heads"]),
            encoder_layers=int(config["encoder_layers"]),
            decoder_layers=int(config["decoder_layers"]),
            encoder_ffn=int(config["encoder_ffn_dim"]),
            decoder_ffn=int(config["decoder_ffn_dim"]),
            vocab_size=int(config["vocab_size"]),
            positions=int(config["max_position_embeddings"]),
            embed_scale=math.sqrt(d_model) if config.get("scale_embedding") else 1.0,
            activation=activation,
        )


class Attention:
    """One attention's projections: a fused q, k, v product where there is one."""

    def __init__(self, prefix: str, heads: int, d_model: int, parts: Parts) -> None:
        self.heads = heads
        self.head_dim = d_model // heads
        self.scaling = float(self.head_dim**-0.5)
        self.fused = parts.fused(prefix)
        self.separate: list[Linear] = []  # q, k and v where they are not fused
        if self.fused is None:
            self.separate = [parts.linear(f"{prefix}.{p}") for p in ("q_proj", "k_proj", "v_proj")]
        self.out = parts.linear(f"{prefix}.out_proj")

    def query_key_value(self, rows: torch.Tensor) -> list[torch.Tensor]:
        if self.fused is not None:
            return list(self.fused(rows).chunk(3, dim=-1))
        return [projection(rows) for projection in self.separate]

    def projection(self, index: int) -> Linear:
        """The query (0), key (1) or value (2) projection of a cross-attention."""
        return self.separate[index]

    def heads_of(self, states: torch.Tensor) -> torch.Tensor:
        """``[rows, tokens, d]`` as ``[rows, heads, tokens, head_dim]`` (a view)."""
        return states.view(*states.shape[:-1], self.heads, self.head_dim).transpose(1, 2)

    def output(self, attended: torch.Tensor) -> torch.Tensor:
        """``[rows, heads, tokens, head_dim]`` through the output projection."""
        rows, _, tokens, _ = attended.shape
        return self.out(attended.transpose(1, 2).reshape(rows, tokens, -1))


class Parts:
    """Where a network's weights come from: linear layers and tensors by transformers' names.

    ``linear(name)`` is the forward of the linear layer ``name``; ``fused(attention)`` the one
    q, k, v product of an attention, or None; ``tensor(name)`` a tensor (a layer norm's
    weight and bias, the position tables, ``final_logits_bias``); ``embedding`` the token
    embedding, scaled as the model scales it.
    """

    def __init__(
        self,
        linear: Callable[[str], Linear],
        fused: Callable[[str], Linear | None],
        tensor: Callable[[str], torch.Tensor],
        embedding: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        self.linear = linear
        self.fused = fused
        self.tensor = tensor
        self.embedding = embedding

    def norm(self, name: str) -> Norm:
        weight = self.tensor(f"{name}.weight")
        return ((weight.shape[0],), weight, self.tensor(f"{name}.bias"), 1e-5)


class EncoderLayer:
    """Self-attention and feed-forward, each after its layer norm."""

    def __init__(self, prefix: str, heads: int, d_model: int, parts: Parts) -> None:
        self.self_norm = parts.norm(f"{prefix}.self_attn_layer_norm")
        self.attention = Attention(f"{prefix}.self_attn", heads, d_model, parts)
        self.final_norm = parts.norm(f"{prefix}.final_layer_norm")
        self.fc1 = parts.linear(f"{prefix}.fc1")
        self.fc2 = parts.linear(f"{prefix}.fc2")


class DecoderLayer(EncoderLayer):
    """An encoder layer's parts, and attention to the input between them."""

    def __init__(self, prefix: str, heads: int, d_model: int, parts: Parts) -> None:
        super().__init__(prefix, heads, d_model, parts)
        self.cross_norm = parts.norm(f"{prefix}.encoder_attn_layer_norm")
        self.cross = Attention(f"{prefix}.encoder_attn", heads, d_model, parts)


class BlenderbotNet:
    """The encoder and decoder of one BlenderBot model, over weights from ``parts``."""

    def __init__(self, shape: Shape, parts: Parts) -> None:
        self.shape = shape
        self.embed = parts.embedding
        self.activation = ACTIVATIONS[shape.activation]
        self.encoder_positions = parts.tensor("model.encoder.embed_positions.weight")
        self.decoder_positions = parts.tensor("model.decoder.embed_positions.weight")
        self.encoder_layers = [
            EncoderLayer(f"model.encoder.layers.{i}", shape.encoder_heads, shape.d_model, parts)
            for i in range(shape.encoder_layers)
        ]
        self.encoder_norm = parts.norm("model.encoder.layer_norm")
        self.decoder_layers = [
            DecoderLayer(f"model.decoder.layers.{i}", shape.decoder_heads, shape.d_model, parts)
            for i in range(shape.decoder_layers)
        ]
        self.decoder_norm = parts.norm("model.decoder.layer_norm")
        self.output = parts.linear("lm_head")
        self.logits_bias = parts.tensor("final_logits_bias")

    def new_cache(self, rows: int, capacity: int, stored: torch.dtype | None = None) -> StepCache:
        return StepCache(self.shape.decoder_layers, rows, capacity, stored)

    def encode(self, input_ids: torch.Tensor) -> torch.Tensor:
        """The encoder's states for one input without padding, ``[1, tokens, d_model]``."""
        tokens = input_ids.shape[-1]
        if tokens > self.encoder_positions.shape[0]:
            raise IndexError("index out of range in self")  # as the position lookup would
        hidden = self.embed(input_ids) + self.encoder_positions[:tokens]
        for layer in self.encoder_layers:
            normed = functional.layer_norm(hidden, *layer.self_norm)
            attention = layer.attention
            query, key, value = (attention.heads_of(p) for p in attention.query_key_value(normed))
            attended = functional.scaled_dot_product_attention(
                query, key, value, scale=attention.scaling
            )
            hidden = hidden + attention.output(attended)
            normed = functional.layer_norm(hidden, *layer.final_norm)
            hidden = hidden + layer.fc2(self.activation(layer.fc1(normed)))
        return functional.layer_norm(hidden, *self.encoder_norm)

    def decode(
        self, input_ids: torch.Tensor, encoder: torch.Tensor, cache: StepCache
    ) -> torch.Tensor:
        """The next token's logits after ``input_ids`` (``[rows, tokens]``), ``[rows, vocab]``.

        A step is one token for each of the cache's rows, in beam order. The first call may
        give one row (the decoder's start, and a continuation's prefix: several tokens),
        whose keys and values then go to every row.
        """
        rows, tokens = input_ids.shape
        past = cache.length
        if past + tokens > self.decoder_positions.shape[0]:
            raise IndexError("index out of range in self")  # as the position lookup would
        if tokens > 1 and (past or rows != 1):
            raise ValueError("several tokens at once only for the first call, in one row")
        hidden = self.embed(input_ids) + self.decoder_positions[past : past + tokens]
        first = past == 0 and rows < cache.rows  # one row, whose keys go to every row
        if first:
            cache.rows_alike = True
        elif rows != cache.rows:
            raise ValueError(f"{rows} rows for a cache of {cache.rows}")
        beam_of_slot, slot_of_beam = cache.slot_order()
        if beam_of_slot is not None:
            hidden = hidden.index_select(0, beam_of_slot)
        for layer, stored in zip(self.decoder_layers, cache.layers, strict=True):
            normed = functional.layer_norm(hidden, *layer.self_norm)
            attention = layer.attention
            query, key, value = (attention.heads_of(p) for p in attention.query_key_value(normed))
            keys, values = stored.append(key, value)
            if first:
                keys, values = keys[:rows], values[:rows]
            if tokens > 1:  # the first call's tokens see themselves and those before
                attended = functional.scaled_dot_product_attention(
                    query, keys, values, is_causal=True, scale=attention.scaling
                )
            else:
                attended = attend(query, keys, values, attention.scaling)
            hidden = hidden + attention.output(attended)

            normed = functional.layer_norm(hidden, *layer.cross_norm)
            cross = layer.cross
            query = cross.heads_of(cross.projection(0)(normed))
            if stored.cross is None:
                one = encoder[:1]  # every row reads the same input
                stored.cross = (
                    cross.heads_of(cross.projection(1)(one)),
                    cross.heads_of(cross.projection(2)(one)),
                )
            cross_keys, cross_values = stored.cross
            if tokens > 1:
                attended = attend(query, cross_keys, cross_values, cross.scaling)
            else:  # every row attends to the same keys: the rows are one input's queries
                attended = attend(
                    query.transpose(0, 2), cross_keys, cross_values, cross.scaling
                ).transpose(0, 2)
            hidden = hidden + cross.output(attended)

            normed = functional.layer_norm(hidden, *layer.final_norm)
            hidden = hidden + layer.fc2(self.activation(layer.fc1(normed)))
        last = functional.layer_norm(hidden[:, -1:], *self.decoder_norm)
        if slot_of_beam is not None:
            last = last.index_select(0, slot_of_beam)
        logits = self.output(last) + self.logits_bias
        return logits[:, -1].float()


def attend(
    query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, scale: float
) -> torch.Tensor:
    """Attention of a step's queries, in three products (SDPA's kernel costs more here)."""
    if query.shape[0] * query.shape[2] == 1:
        return functional.scaled_dot_product_attention(query, keys, values, scale=scale)
    weights = torch.matmul(query, keys.transpose(-1, -2))
    weights.mul_(scale)
    return torch.matmul(weights.softmax(-1), values)

"""BlenderBot's decoding step in a few tensor operations, over the engine's own key/value cache.

transformers' decoder does each step through ~190 module calls (masks, cache bookkeeping,
attention dispatch), and beam search then reorders every layer's keys and values. Measured on
the 400M model with 10 beams, that reorder (``index_select`` and the copy back) and the
attention over a 10x expanded copy of the input took 46% of a reply. This step:

- calls the layers' own weights and functions (layer norms, int8 or float linear layers,
  GELU) directly;
- keeps each beam's keys and values where they are: the cache (``reply_cache.ReplyCache``)
  tracks which buffer row (slot) holds which beam and copies a row only for a beam's second
  and later children. The step runs its rows in slot order and hands them back in beam order
  (a permutation of a few rows of hidden state);
- computes the input's cross-attention keys and values once, from one row, and attends to
  them with all rows as the queries of one input;
- attends in three products (``attend``), which took less time than SDPA's kernel here.

Only a one-token step of the engine's own cache with no padding takes this path; anything
else (a continuation's prefix, a padded input) goes through transformers' decoder. Sums in
another order round differently (hidden states differ from transformers' by ~1e-6 in float32);
float32 replies are token for token those of transformers in the tests.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
from torch.nn import functional
from transformers.modeling_outputs import BaseModelOutputWithPastAndCrossAttentions

from core.engines.int8_layers import PROJECTIONS, SELF_ATTENTION, ProjectionPart
from core.engines.reply_cache import ReplyCache

Linear = Any  # a callable from rows to rows: a bound forward of nn.Linear or Int8Linear


class LayerPlan:
    """One decoder layer's weights and functions, looked up once."""

    def __init__(self, layer: Any) -> None:  # a BlenderbotDecoderLayer
        attention = getattr(layer, SELF_ATTENTION)
        cross = layer.encoder_attn
        self.heads = int(attention.num_heads)
        self.head_dim = int(attention.head_dim)
        self.scaling = float(attention.scaling)
        self.cross_scaling = float(cross.scaling)
        self.self_norm = norm_of(layer.self_attn_layer_norm)
        self.cross_norm = norm_of(layer.encoder_attn_layer_norm)
        self.final_norm = norm_of(layer.final_layer_norm)
        first = getattr(attention, PROJECTIONS[0])
        self.fused: Linear | None = None
        if isinstance(first, ProjectionPart):  # the int8 model's one q, k, v product
            self.fused = first.fused.layer.forward
        self.projections: list[Linear] = [getattr(attention, p).forward for p in PROJECTIONS]
        self.out: Linear = attention.out_proj.forward
        self.cross_q: Linear = cross.q_proj.forward
        self.cross_k: Linear = cross.k_proj.forward
        self.cross_v: Linear = cross.v_proj.forward
        self.cross_out: Linear = cross.out_proj.forward
        self.fc1: Linear = layer.fc1.forward
        self.fc2: Linear = layer.fc2.forward
        self.activation = layer.activation_fn

    def query_key_value(self, rows: torch.Tensor) -> list[torch.Tensor]:
        if self.fused is not None:
            return list(self.fused(rows).chunk(len(PROJECTIONS), dim=-1))
        return [projection(rows) for projection in self.projections]

    def heads_of(self, states: torch.Tensor) -> torch.Tensor:
        """``[rows, tokens, d]`` as ``[rows, heads, tokens, head_dim]`` (a view)."""
        return states.view(*states.shape[:-1], self.heads, self.head_dim).transpose(1, 2)


def norm_of(module: torch.nn.LayerNorm) -> tuple[Any, ...]:
    return (module.normalized_shape, module.weight, module.bias, module.eps)


class LeanDecoder:
    """Replaces a BlenderBot decoder's ``forward``; falls back to it outside its one case."""

    def __init__(self, decoder: Any) -> None:  # a BlenderbotDecoder
        # The decoder holds this object as its ``forward``; a strong reference back would
        # keep both (a model's weights) alive after the engine lets go, until a full GC.
        self._decoder = weakref.ref(decoder)
        self.layers = [LayerPlan(layer) for layer in decoder.layers]
        self.final_norm = norm_of(decoder.layer_norm)

    @property
    def decoder(self) -> Any:
        decoder = self._decoder()
        if decoder is None:
            raise ReferenceError("the decoder of this step is gone")
        return decoder

    @property
    def original(self) -> Any:
        """transformers' own ``forward`` of the decoder, bound to it."""
        decoder = self.decoder
        return type(decoder).forward.__get__(decoder)

    def __call__(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        encoder_hidden_states: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        past_key_values: Any = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        arguments = dict(
            input_ids=input_ids,
            attention_mask=attention_mask,
            encoder_hidden_states=encoder_hidden_states,
            encoder_attention_mask=encoder_attention_mask,
            past_key_values=past_key_values,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            **kwargs,
        )
        if not self.takes(arguments):
            if isinstance(past_key_values, ReplyCache):
                past_key_values.rows_in_beam_order()
            return self.original(**arguments)
        assert input_ids is not None and encoder_hidden_states is not None
        return BaseModelOutputWithPastAndCrossAttentions(
            last_hidden_state=self.step(input_ids, encoder_hidden_states, past_key_values),
            past_key_values=past_key_values,
        )

    def takes(self, arguments: dict[str, Any]) -> bool:
        """Whether this is a step of the engine's own: one new token, its cache, no padding."""
        ids = arguments["input_ids"]
        mask = arguments["encoder_attention_mask"]
        extras = {k for k, v in arguments.items() if v is not None and k not in STEP_ARGUMENTS}
        return (
            isinstance(arguments["past_key_values"], ReplyCache)
            and ids is not None
            and ids.dim() == 2
            and ids.shape[1] == 1
            and arguments["attention_mask"] is None
            and arguments["inputs_embeds"] is None
            and arguments["encoder_hidden_states"] is not None
            and (mask is None or bool(mask.all()))
            and not extras
            and not self.decoder.training
        )

    def step(
        self, input_ids: torch.Tensor, encoder: torch.Tensor, cache: ReplyCache
    ) -> torch.Tensor:
        decoder = self.decoder
        own: Any = cache.self_attention_cache
        past = cache.get_seq_length()
        if past >= decoder.embed_positions.num_embeddings:
            raise IndexError("index out of range in self")  # as the embedding lookup would
        hidden = decoder.embed_tokens(input_ids) + decoder.embed_positions.weight[past]
        beam_of_slot, slot_of_beam = cache.slot_order()
        if beam_of_slot is not None:
            hidden = hidden.index_select(0, beam_of_slot)
        rows = hidden.shape[0]
        first_step = not cache.is_updated.get(0, False)
        for index, plan in enumerate(self.layers):
            normed = functional.layer_norm(hidden, *plan.self_norm)
            query, key, value = (plan.heads_of(part) for part in plan.query_key_value(normed))
            keys, values = own.update(key, value, index)  # float32 views
            attended = attend(query, keys, values, plan.scaling)
            hidden = hidden + plan.out(attended.transpose(1, 2).reshape(rows, 1, -1))

            normed = functional.layer_norm(hidden, *plan.cross_norm)
            query = plan.heads_of(plan.cross_q(normed))
            if first_step:
                one = encoder[:1]  # every row holds the same input
                cross_keys = plan.heads_of(plan.cross_k(one)).expand(rows, -1, -1, -1)
                cross_values = plan.heads_of(plan.cross_v(one)).expand(rows, -1, -1, -1)
                cache.cross_attention_cache.update(cross_keys, cross_values, index)
                cache.is_updated[index] = True
            layer: Any = cache.cross_attention_cache.layers[index]
            # Every row attends to the same keys: the rows are one input's queries.
            attended = attend(
                query.transpose(0, 2), layer.keys[:1], layer.values[:1], plan.cross_scaling
            ).transpose(0, 2)
            hidden = hidden + plan.cross_out(attended.transpose(1, 2).reshape(rows, 1, -1))

            normed = functional.layer_norm(hidden, *plan.final_norm)
            hidden = hidden + plan.fc2(plan.activation(plan.fc1(normed)))
        hidden = functional.layer_norm(hidden, *self.final_norm)
        return hidden if slot_of_beam is None else hidden.index_select(0, slot_of_beam)


def attend(
    query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, scale: float
) -> torch.Tensor:
    """Attention of a step's queries, in three products (SDPA's kernel costs more here)."""
    if query.shape[0] * query.shape[2] == 1:
        return functional.scaled_dot_product_attention(query, keys, values, scale=scale)
    weights = torch.matmul(query, keys.transpose(-1, -2))
    weights.mul_(scale)
    return torch.matmul(weights.softmax(-1), values)


STEP_ARGUMENTS = frozenset(
    {
        "input_ids",
        "attention_mask",
        "encoder_hidden_states",
        "encoder_attention_mask",
        "past_key_values",
        "inputs_embeds",
        "use_cache",
        "cache_position",
        "position_ids",
        "return_dict",
    }
)


def install(model: torch.nn.Module) -> None:
    """Give ``model``'s decoder the lean step (a BlenderBot for conditional generation)."""
    decoder = model.get_decoder()  # type: ignore[operator]
    if not isinstance(decoder.__dict__.get("forward"), LeanDecoder):
        decoder.forward = LeanDecoder(decoder)

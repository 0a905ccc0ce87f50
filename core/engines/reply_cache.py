"""The key/value cache of one reply of the int8 engine (``reply_cache``).

It preallocates the decoder's own keys and values for the whole reply, moves only the rows
beam search must, and keeps the input's cross-attention keys and values once for every beam.
It imports transformers (its cache classes), unlike ``int8_layers``.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer, EncoderDecoderCache


class PreallocatedLayer(DynamicLayer):  # type: ignore[no-untyped-call]
    """A decoder layer's keys and values in buffers sized once for the whole reply.

    A reorder of every row (``reorder_cache``) goes through a scratch buffer that all layers
    of one reply share, so no step allocates; beam search copies single rows (``copy_rows``).
    With ``stored`` (bfloat16) the buffers keep that type, and ``float_views`` widens the
    used part into float32 scratch buffers that all layers share, for the attention.
    """

    key_buffer: torch.Tensor
    value_buffer: torch.Tensor

    def __init__(
        self,
        capacity: int,
        scratch: dict[str, torch.Tensor],
        stored: torch.dtype | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.capacity = capacity
        self.scratch = scratch
        self.stored = stored  # None: the keys' own type
        self.length = 0

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + key_states.shape[-2]
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
            self.key_buffer = _buffer(key_states, max(self.capacity, end), self.stored)
            self.value_buffer = _buffer(value_states, max(self.capacity, end), self.stored)
        elif end > self.key_buffer.shape[-2]:  # longer than planned: grow
            self.key_buffer = _grown(self.key_buffer, self.length, 2 * end)
            self.value_buffer = _grown(self.value_buffer, self.length, 2 * end)
        self.key_buffer[:, :, self.length : end].copy_(key_states)
        self.value_buffer[:, :, self.length : end].copy_(value_states)
        self.length = end
        self.keys = self.key_buffer[:, :, :end]
        self.values = self.value_buffer[:, :, :end]
        return self.float_views()

    def float_views(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The used keys and values in float32: the buffers, or a widened copy of them."""
        end = self.length
        keys, values = self.key_buffer[:, :, :end], self.value_buffer[:, :, :end]
        if keys.dtype == torch.float32:
            return keys, values
        widened = []
        for name, used in (("keys", keys), ("values", values)):
            scratch = self.scratch.get(name)
            if scratch is None or scratch.shape[-2] < used.shape[-2]:
                shape = (*used.shape[:2], self.key_buffer.shape[-2], used.shape[-1])
                scratch = self.scratch[name] = torch.empty(shape, dtype=torch.float32)
            part = scratch[:, :, : used.shape[-2]]
            part.copy_(used)
            widened.append(part)
        return widened[0], widened[1]

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        """Row ``i`` gets what row ``beam_idx[i]`` held (in place, through the scratch)."""
        for buffer in (self.key_buffer, self.value_buffer) if self.length else ():
            used = buffer[:, :, : self.length]
            scratch = self.scratch.get("buffer")
            if scratch is None or scratch.shape != buffer.shape:
                scratch = self.scratch["buffer"] = torch.empty_like(buffer)
            gathered = scratch[:, :, : self.length]
            torch.index_select(used, 0, beam_idx, out=gathered)
            used.copy_(gathered)

    def copy_rows(self, sources: list[int], targets: list[int]) -> None:
        """Row ``targets[i]`` gets a copy of row ``sources[i]`` (no target is a source).

        Row by row, straight from buffer to buffer: a gathered copy in between, a little
        larger at every step, grew the heap by ~2 MB a step (1B model, 10 beams).
        """
        for buffer in (self.key_buffer, self.value_buffer) if self.length else ():
            used = buffer[:, :, : self.length]
            for source, target in zip(sources, targets, strict=True):
                used[target].copy_(used[source])


class OneInputCache(DynamicCache):
    """The cross-attention cache: the input's keys and values once, seen by every beam."""

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, layer_idx: int, *args: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        rows = key_states.shape[0]
        keys, values = super().update(
            key_states[:1].clone(), value_states[:1].clone(), layer_idx, *args
        )
        layer: Any = self.layers[layer_idx]
        layer.keys = keys.expand(rows, *keys.shape[1:])
        layer.values = values.expand(rows, *values.shape[1:])
        return layer.keys, layer.values


class ReplyCache(EncoderDecoderCache):
    """Reorders only the decoder's own keys and values: the input's rows are all alike.

    Beam search tells the cache after each step which beam each new beam continues
    (``reorder_cache``). Rather than moving every row of every layer, the cache lets a beam's
    first child keep its parent's row (its slot) and copies a row only for further children,
    into the rows of beams that ended. ``slot_of_beam`` records where each beam lives (None
    while that is its own row); the lean decoding step (``lean_decoder``) runs its rows in slot
    order. Anything else that reads the rows asks for them in beam order first
    (``rows_in_beam_order``).
    """

    def __init__(self, *caches: Any) -> None:
        super().__init__(*caches)
        self.slot_of_beam: list[int] | None = None
        self._order: tuple[torch.Tensor, torch.Tensor] | None = None

    def reorder_cache(self, beam_idx: torch.Tensor) -> None:
        parents = [int(parent) for parent in beam_idx.tolist()]
        old = self.slot_of_beam or list(range(len(parents)))
        if len(old) != len(parents):  # not beam search over fixed rows: move them all
            self.rows_in_beam_order()
            self.self_attention_cache.reorder_cache(beam_idx)  # type: ignore[arg-type]
            return
        new: list[int | None] = [None] * len(parents)
        taken: set[int] = set()
        for beam, parent in enumerate(parents):
            if old[parent] not in taken:
                new[beam] = old[parent]
                taken.add(old[parent])
        free = [slot for slot in range(len(parents)) if slot not in taken]
        sources: list[int] = []
        targets: list[int] = []
        for beam, parent in enumerate(parents):
            if new[beam] is None:
                new[beam] = free.pop()
                sources.append(old[parent])
                targets.append(new[beam])  # type: ignore[arg-type]
        for layer in self.self_attention_cache.layers if sources else ():
            layer.copy_rows(sources, targets)  # type: ignore[union-attr]
        slots = [slot for slot in new if slot is not None]
        self.slot_of_beam = None if slots == list(range(len(slots))) else slots
        self._order = None

    def slot_order(self) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The beam in each slot and the slot of each beam, as indices (None, None: in order)."""
        if self.slot_of_beam is None:
            return None, None
        if self._order is None:
            slot_of_beam = torch.tensor(self.slot_of_beam)
            self._order = (torch.argsort(slot_of_beam), slot_of_beam)
        return self._order

    def rows_in_beam_order(self) -> None:
        """Move the rows so that each beam's keys and values are in its own row again."""
        if self.slot_of_beam is None:
            return
        slot_of_beam = torch.tensor(self.slot_of_beam)
        for layer in self.self_attention_cache.layers:
            layer.reorder_cache(slot_of_beam)  # type: ignore[arg-type]
        self.slot_of_beam = None
        self._order = None


def reply_cache(capacity: int, stored: torch.dtype | None = None) -> ReplyCache:
    """The key/value cache for one reply to one input (greedy, sampled, or beam search).

    - The decoder's own keys and values go into buffers allocated once for ``capacity``
      tokens (the reply's ``max_length``) instead of growing by concatenation at every step;
      beam search moves only the rows it must (``ReplyCache``). transformers' cache reallocated
      them at every step, and the freed pieces, each a little smaller than the next, added
      ~100 MB to the peak. ``stored`` is the type they are kept in (default: the model's;
      the int8 engine stores a big reply's in bfloat16).
    - Beam search copies the input to every beam, so all rows of the cross-attention cache
      hold the same keys and values (12 layers x keys and values x 10 beams x ~64 tokens x
      1280 floats: ~80 MB for BlenderBot's default reply), which transformers reorders with
      ``index_select`` at every step. This cache stores one row, shows it to every beam as a
      broadcast view, and never reorders it.

    Float32 replies are token for token those of transformers (checked in the tests).
    Only valid when every row of the batch is the same input, as in the engine's replies.
    """
    own = DynamicCache()
    # transformers makes each layer by calling this with no arguments.
    own.layer_class_to_replicate = functools.partial(  # type: ignore[assignment]
        PreallocatedLayer, capacity, {}, stored
    )
    return ReplyCache(own, OneInputCache())


def _buffer(like: torch.Tensor, length: int, dtype: torch.dtype | None = None) -> torch.Tensor:
    batch, heads, _, width = like.shape
    return like.new_empty((batch, heads, length, width), dtype=dtype or like.dtype)


def _grown(buffer: torch.Tensor, used: int, length: int) -> torch.Tensor:
    bigger = _buffer(buffer, length)
    bigger[:, :, :used].copy_(buffer[:, :, :used])
    return bigger

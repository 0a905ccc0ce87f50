"""The keys and values of one reply of the fast engine, kept where beam search needs them.

- The decoder's own keys and values go into buffers allocated once for the reply's
  ``max_length`` (a cache that grows by concatenation reallocates at every step, and the
  freed pieces, each a little smaller than the next, added ~100 MB to the peak). A big
  reply's are stored in bfloat16 (``stored``) and widened into scratch buffers that all
  layers share for the attention.
- Beam search tells the cache after each step which beam each new beam continues
  (``reorder``). Rather than moving every row of every layer, a beam's first child keeps its
  parent's row (its slot) and a row is copied only for further children, into the rows of
  beams that ended. ``slot_order`` tells the decoding step which beam is in which row.
- The input's cross-attention keys and values are kept once, from one row: every beam
  reads the same input.

Only valid when every row is a continuation of the same input, as in the engine's replies.
"""

from __future__ import annotations

import torch


class LayerCache:
    """One decoder layer's own keys and values, ``[rows, heads, capacity, head_dim]``."""

    def __init__(
        self, rows: int, capacity: int, scratch: dict[str, torch.Tensor], stored: torch.dtype | None
    ) -> None:
        self.rows = rows
        self.capacity = capacity
        self.scratch = scratch  # shared by the layers of one reply
        self.stored = stored  # None: the keys' own type
        self.length = 0
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        self.cross: tuple[torch.Tensor, torch.Tensor] | None = None  # the input's, one row

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add a step's keys and values (a single row goes to every row); all so far, float32."""
        end = self.length + keys.shape[-2]
        if self.keys is None or self.values is None:
            self.keys = buffer_like(keys, self.rows, max(self.capacity, end), self.stored)
            self.values = buffer_like(values, self.rows, max(self.capacity, end), self.stored)
        elif end > self.keys.shape[-2]:  # longer than planned: grow
            self.keys = grown(self.keys, self.length, 2 * end)
            self.values = grown(self.values, self.length, 2 * end)
        self.keys[:, :, self.length : end].copy_(keys)
        self.values[:, :, self.length : end].copy_(values)
        self.length = end
        return self.float_views()

    def float_views(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The used keys and values in float32: the buffers, or a widened copy of them."""
        assert self.keys is not None and self.values is not None
        keys, values = self.keys[:, :, : self.length], self.values[:, :, : self.length]
        if keys.dtype == torch.float32:
            return keys, values
        widened = []
        for name, used in (("keys", keys), ("values", values)):
            scratch = self.scratch.get(name)
            if scratch is None or scratch.shape[-2] < used.shape[-2]:
                shape = (*used.shape[:2], self.keys.shape[-2], used.shape[-1])
                scratch = self.scratch[name] = torch.empty(shape, dtype=torch.float32)
            part = scratch[:, :, : used.shape[-2]]
            part.copy_(used)
            widened.append(part)
        return widened[0], widened[1]

    def copy_rows(self, sources: list[int], targets: list[int]) -> None:
        """Row ``targets[i]`` gets a copy of row ``sources[i]`` (no target is a source).

        Row by row, straight from buffer to buffer: a gathered copy in between, a little
        larger at every step, grew the heap by ~2 MB a step (1B model, 10 beams).
        """
        for buffer in (self.keys, self.values):
            if buffer is None or not self.length:
                continue
            used = buffer[:, :, : self.length]
            for source, target in zip(sources, targets, strict=True):
                used[target].copy_(used[source])


class StepCache:
    """Every decoder layer's cache for one reply, and which row holds which beam."""

    def __init__(
        self, layers: int, rows: int, capacity: int, stored: torch.dtype | None = None
    ) -> None:
        scratch: dict[str, torch.Tensor] = {}
        self.rows = rows
        self.layers = [LayerCache(rows, capacity, scratch, stored) for _ in range(layers)]
        self.slot_of_beam: list[int] | None = None  # None: beam i is in row i
        self._order: tuple[torch.Tensor, torch.Tensor] | None = None
        # Every row holds the same keys and values: the first call decodes one row, whose
        # keys and values go to every row; the first reorder then has nothing to move.
        self.rows_alike = False

    @property
    def length(self) -> int:
        """How many tokens' keys and values are stored (the next token's position)."""
        return self.layers[0].length if self.layers else 0

    def reorder(self, parents: list[int]) -> None:
        """Beam ``i`` continues beam ``parents[i]``: move only the rows that must move."""
        if len(parents) != self.rows:
            raise ValueError(f"{len(parents)} beams for a cache of {self.rows} rows")
        if self.rows_alike:  # any row is every beam's parent
            self.rows_alike = False
            return
        old = self.slot_of_beam or list(range(len(parents)))
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
                slot = free.pop()
                new[beam] = slot
                sources.append(old[parent])
                targets.append(slot)
        for layer in self.layers if sources else ():
            layer.copy_rows(sources, targets)
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


def buffer_like(
    like: torch.Tensor, rows: int, length: int, dtype: torch.dtype | None
) -> torch.Tensor:
    _, heads, _, width = like.shape
    return like.new_empty((rows, heads, length, width), dtype=dtype or like.dtype)


def grown(buffer: torch.Tensor, used: int, length: int) -> torch.Tensor:
    bigger = buffer_like(buffer, buffer.shape[0], length, buffer.dtype)
    bigger[:, :, :used].copy_(buffer[:, :, :used])
    return bigger

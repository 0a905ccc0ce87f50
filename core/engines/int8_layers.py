"""Int8 linear layers for torch models, and a cache that stops beam search copying the input.

Imported only by the int8 engine's ``load`` and its converter: it imports torch and
transformers.

``Int8Linear`` keeps the weight as int8 with one float scale per output row (symmetric).
Once loaded, ``pack`` hands it to torch's x86 int8 kernel (FBGEMM: ``quantized::linear_dynamic``,
which quantizes each input on the fly, multiplies in int8 with int32 sums, and returns
float). Measured on this project's 2-core AVX-512 VNNI machine, one decoding step of the 400M
BlenderBot's layers took 8.1 ms for one row (1 reply) and 11.4 ms for ten (beam search),
against 8.6 and 20.1 ms with ``torch._int_mm`` (int8 x int8 -> int32 plus our own input
quantization), ~54 ms for float32 ``linear`` and ~90 ms for ``_weight_int8pack_mm`` with
float32 input. Where FBGEMM is missing (torch builds for ARM), ``_int_mm`` is used.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer, EncoderDecoderCache

QMAX = 127.0
# torch.ao's eager-mode quantized tensors are deprecated, not FBGEMM's packing op that takes
# one. A filter, not ``warnings.catch_warnings``: packing runs on a thread of its own, and
# catch_warnings swaps the process's filters (any other thread's warnings were lost meanwhile).
warnings.filterwarnings(
    "ignore",
    message="torch.quantize_per_tensor, torch.quantize_per_channel",
    category=UserWarning,
)
# The op's one overload, looked up once rather than through the op packet at every call.
LINEAR_DYNAMIC = torch.ops.quantized.linear_dynamic.default


class Int8Linear(torch.nn.Module):
    """``y = x W^T + b`` with ``W`` in int8 and ``x`` quantized per row; float in and out."""

    weight_scale: torch.Tensor
    weight_int8: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, in_features: int, out_features: int, bias: bool, device: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.register_buffer(
            "weight_int8", torch.empty((out_features, in_features), dtype=torch.int8, device=device)
        )
        self.register_buffer(
            "weight_scale", torch.empty(out_features, dtype=torch.float32, device=device)
        )
        if bias:
            self.register_buffer("bias", torch.empty(out_features, device=device))
        else:
            self.bias = None
        self._packed: Any = None
        # Rows of one magnitude (a decoding step's beams) share one quantization scale;
        # rows of another kind (an input's tokens) get one each, at the cost of 3 more
        # element-wise operations per call (beam search was ~10% slower with them).
        self.rows_alike = False

    def pack(self) -> bool:
        """Hand the weights to FBGEMM (False where it is missing: ``_int_mm`` is used)."""
        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return False
        torch.backends.quantized.engine = "fbgemm"
        quantized = torch._make_per_channel_quantized_tensor(
            self.weight_int8,
            self.weight_scale.double(),
            torch.zeros(self.out_features, dtype=torch.long),
            0,
        )
        self._packed = torch.ops.quantized.linear_prepack(quantized, self.bias)
        # FBGEMM keeps its own copy; the int8 buffer is not needed any more.
        self.weight_int8 = torch.empty((0, self.in_features), dtype=torch.int8)
        return True

    @classmethod
    def from_linear(cls, linear: torch.nn.Linear) -> Int8Linear:
        """The int8 version of ``linear`` (one scale per output row, round to nearest)."""
        weight = linear.weight.detach().float()
        layer = cls(linear.in_features, linear.out_features, linear.bias is not None)
        layer.weight_int8, layer.weight_scale = quantize_rows(weight)
        if linear.bias is not None:
            layer.bias = linear.bias.detach().float().clone()
        return layer

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self._packed is not None:
            rows = inputs.reshape(-1, self.in_features)
            if rows.shape[0] == 1 or self.rows_alike:
                output: torch.Tensor = LINEAR_DYNAMIC(inputs, self._packed, False)
                return output
            # FBGEMM quantizes a whole input with one scale, and the tokens of one input
            # differ in magnitude: each row is scaled to the same range first and back
            # after, as if quantized on its own (6% less error in the encoder's output
            # than one scale, 14% less than torch._int_mm's per-row int8, measured on the
            # 400M model with random weights).
            size = rows.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
            output = LINEAR_DYNAMIC(rows / size, self._packed, False)
            if self.bias is not None:
                output = (output - self.bias) * size + self.bias
            else:
                output = output * size
            return output.reshape(*inputs.shape[:-1], self.out_features)
        rows = inputs.reshape(-1, self.in_features).float()
        scale = rows.abs().amax(dim=1, keepdim=True).clamp_min(1e-30) / QMAX
        quantized = torch.round(rows / scale).to(torch.int8)
        # The weight's transpose is a view: _int_mm reads the rows as stored (fastest here).
        product = torch._int_mm(quantized, self.weight_int8.t())
        output = product.float() * scale * self.weight_scale
        if self.bias is not None:
            output = output + self.bias
        return output.reshape(*inputs.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


SELF_ATTENTION = "self_attn"  # transformers' name for the attention whose q, k, v read one input
PROJECTIONS = ("q_proj", "k_proj", "v_proj")


class FusedProjections:
    """Self-attention's query, key and value projections as one int8 product.

    They read the same input, so one call reads the three weights together (one input
    quantization, one parallel region): greedy decoding took ~5% less time here. The
    result is the same as three calls, since FBGEMM quantizes an input by its own range.
    """

    def __init__(self, layer: Int8Linear, width: int) -> None:
        self.layer = layer
        self.width = width
        self._input: torch.Tensor | None = None
        self._output: torch.Tensor | None = None

    def part(self, inputs: torch.Tensor, index: int) -> torch.Tensor:
        if index == 0 or inputs is not self._input or self._output is None:
            self._input, self._output = inputs, self.layer(inputs)
        output = self._output[..., index * self.width : (index + 1) * self.width]
        if index == len(PROJECTIONS) - 1:  # q, k, v are asked for in this order
            self._input = self._output = None
        return output


class ProjectionPart(torch.nn.Module):
    """One of the fused projections, where the attention module expects its own layer."""

    def __init__(self, fused: FusedProjections, index: int) -> None:
        super().__init__()
        self.fused = fused
        self.index = index
        self.in_features = fused.layer.in_features
        self.out_features = fused.width

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.fused.part(inputs, self.index)


def fuse_projections(
    attention: torch.nn.Module, parts: list[dict[str, torch.Tensor]]
) -> Int8Linear:
    """Give ``attention`` one layer for q, k and v, made from their int8 tensors (not packed)."""
    first: Int8Linear = getattr(attention, PROJECTIONS[0])
    width = first.out_features
    layer = Int8Linear(first.in_features, width * len(parts), bias=True)
    layer.weight_int8 = torch.cat([part["weight_int8"] for part in parts])
    layer.weight_scale = torch.cat([part["weight_scale"] for part in parts])
    layer.bias = torch.cat(
        [part.get("bias", torch.zeros(width)) for part in parts]
    )  # transformers' BlenderBot has biases on all three
    fused = FusedProjections(layer, width)
    for index, name in enumerate(PROJECTIONS):
        setattr(attention, name, ProjectionPart(fused, index))
    return layer


def mark_decoding_layers(model: torch.nn.Module) -> None:
    """Layers that only see a decoding step's rows (beams of one position) quantize together.

    Those are BlenderBot's decoder layers and output layer, but not the cross-attention's
    key and value projections, which read the input's tokens once per reply.
    """
    for name, module in model.named_modules():
        decoding = (name.startswith("model.decoder.") or name == "lm_head") and not name.endswith(
            ("encoder_attn.k_proj", "encoder_attn.v_proj")
        )
        if isinstance(module, Int8Linear):
            module.rows_alike = decoding
        elif isinstance(module, ProjectionPart):
            module.fused.layer.rows_alike = decoding


def can_fuse(attention: torch.nn.Module, name: str) -> bool:
    """Whether ``attention`` is a self-attention with three alike int8 projections."""
    if name.rsplit(".", 1)[-1] != SELF_ATTENTION:
        return False
    layers = [getattr(attention, p, None) for p in PROJECTIONS]
    return all(isinstance(layer, Int8Linear) for layer in layers) and (
        len({(layer.in_features, layer.out_features) for layer in layers}) == 1  # type: ignore[union-attr]
    )


TOKEN_EMBEDDINGS = ("shared", "embed_tokens")  # transformers' names; positions stay float


class Int8Embedding(torch.nn.Module):
    """Token embeddings as int8 rows, each with its own scale, times the model's scale.

    BlenderBot's vocabulary embedding (8008 x 1280) is 41 MB in float32 and 10 MB here.
    """

    weight_int8: torch.Tensor
    weight_scale: torch.Tensor

    def __init__(
        self, num_embeddings: int, embedding_dim: int, embed_scale: float, device: Any = None
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.embed_scale = float(embed_scale)
        self.register_buffer(
            "weight_int8",
            torch.empty((num_embeddings, embedding_dim), dtype=torch.int8, device=device),
        )
        self.register_buffer(
            "weight_scale", torch.empty(num_embeddings, dtype=torch.float32, device=device)
        )

    @classmethod
    def like(cls, embedding: torch.nn.Embedding, device: Any = None) -> Int8Embedding:
        scale = getattr(embedding, "embed_scale", None)
        return cls(
            embedding.num_embeddings,
            embedding.embedding_dim,
            1.0 if scale is None else float(scale),
            device=device,
        )

    @classmethod
    def from_embedding(cls, embedding: torch.nn.Embedding) -> Int8Embedding:
        layer = cls.like(embedding)
        layer.weight_int8, layer.weight_scale = quantize_rows(embedding.weight.detach().float())
        return layer

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        scale = self.weight_scale[ids].unsqueeze(-1) * self.embed_scale
        return self.weight_int8[ids].float() * scale

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, int8"


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 rows of ``weight`` and their scales (round to nearest)."""
    scale = weight.abs().amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny) / QMAX
    return torch.round(weight / scale[:, None]).to(torch.int8), scale


def quantize_model(model: torch.nn.Module) -> None:
    """Replace every ``nn.Linear`` and token embedding of ``model`` by its int8 version.

    Each float weight is dropped as soon as its int8 copy exists. Embeddings that share
    one weight (BlenderBot's ``shared`` and both ``embed_tokens``) share one int8 copy.
    """
    embeddings: dict[int, Int8Embedding] = {}
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, name, Int8Linear.from_linear(child))
            elif isinstance(child, torch.nn.Embedding) and name in TOKEN_EMBEDDINGS:
                key = id(child.weight)
                if key not in embeddings:
                    embeddings[key] = Int8Embedding.from_embedding(child)
                setattr(module, name, embeddings[key])


def int8_skeleton(model: torch.nn.Module) -> None:
    """Swap the layers of a model built on the meta device for empty int8 ones."""
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                replacement: torch.nn.Module = Int8Linear(
                    child.in_features, child.out_features, child.bias is not None, device="meta"
                )
            elif isinstance(child, torch.nn.Embedding) and name in TOKEN_EMBEDDINGS:
                replacement = Int8Embedding.like(child, device="meta")
            else:
                continue
            setattr(module, name, replacement)


def int8_kernels_work() -> bool:
    """Whether this torch can multiply int8 matrices on the CPU (FBGEMM or ``_int_mm``)."""
    if "fbgemm" in torch.backends.quantized.supported_engines:
        return True
    try:
        left = torch.ones((1, 8), dtype=torch.int8)
        right = torch.ones((8, 8), dtype=torch.int8)
        return bool(torch._int_mm(left, right)[0, 0].item() == 8)
    except (AttributeError, RuntimeError, NotImplementedError):
        return False


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

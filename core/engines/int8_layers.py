"""Int8 linear layers and token embeddings for torch models.

Imported by the int8 engine's ``load``, its converter and the benchmark. It imports torch and not
transformers, so the int8 engine can read and pack its layers while transformers is still
being imported on another thread.

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

import warnings
from typing import Any

import torch

QMAX = 127.0
# torch.ao's eager-mode quantized tensors are deprecated, not FBGEMM's packing op that takes
# one. A filter, not ``warnings.catch_warnings``: packing runs on a thread of its own, and
# catch_warnings swaps the process's filters (any other thread's warnings were lost meanwhile).
warnings.filterwarnings(
    "ignore",
    message="torch.quantize_per_tensor, torch.quantize_per_channel",
    category=UserWarning,
)
# The op's one overload, looked up once rather than through the op packet at every call, and
# called through its C++ function (``_op``): ``OpOverload.__call__`` first walks the arguments
# in Python looking for the fake objects of torch.export tracing, which never reach this
# engine. That walk was ~10 us of each of the ~4,300 calls of a 60-token reply (cProfile:
# 40-45 ms a reply, 3%, on a 2-core Xeon with AMX).
_LINEAR_DYNAMIC_OVERLOAD = torch.ops.quantized.linear_dynamic.default
LINEAR_DYNAMIC: Any = getattr(_LINEAR_DYNAMIC_OVERLOAD, "_op", _LINEAR_DYNAMIC_OVERLOAD)


def saturates_without_vnni() -> bool:
    """Whether FBGEMM's products need 7-bit inputs here (``reduce_range``).

    Without AVX-512 VNNI, FBGEMM multiplies with AVX2's ``vpmaddubsw``, which adds two
    8-bit products into 16 bits and saturates: with full-range inputs the sums clip. On
    such a CPU (an AMD EPYC with AVX2 here) the int8 engine's greedy replies agreed with
    transformers on 48 of 156 tokens instead of 90% or more. PyTorch's own dynamic int8
    layers always take 7-bit inputs on FBGEMM for this reason; with VNNI the full 8 bits
    are kept, as they are more precise.
    """
    try:  # AVX-512 VNNI itself: AVX-VNNI (256-bit) does not make FBGEMM leave vpmaddubsw
        return not torch.cpu.get_capabilities().get("avx512_vnni", False)
    except (AttributeError, RuntimeError):
        return True  # unknown: 7 bits are safe everywhere


REDUCE_RANGE = saturates_without_vnni()


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
        self._packed = prepack(self.weight_int8, self.weight_scale, self.bias)
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
                output: torch.Tensor = LINEAR_DYNAMIC(inputs, self._packed, REDUCE_RANGE)
                return output
            # FBGEMM quantizes a whole input with one scale, and the tokens of one input
            # differ in magnitude: each row is scaled to the same range first and back
            # after, as if quantized on its own (6% less error in the encoder's output
            # than one scale, 14% less than torch._int_mm's per-row int8, measured on the
            # 400M model with random weights).
            size = rows.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
            output = LINEAR_DYNAMIC(rows / size, self._packed, REDUCE_RANGE)
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


def prepack(weight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None) -> Any:
    """FBGEMM's packed form of int8 ``weight`` rows with their ``scale``s (needs FBGEMM)."""
    torch.backends.quantized.engine = "fbgemm"
    quantized = torch._make_per_channel_quantized_tensor(
        weight, scale.double(), torch.zeros(weight.shape[0], dtype=torch.long), 0
    )
    return torch.ops.quantized.linear_prepack(quantized, bias)


def fused_projection_layer(parts: list[dict[str, torch.Tensor]]) -> Int8Linear:
    """One int8 layer (not packed) for the q, k and v projections whose tensors are ``parts``."""
    width, in_features = parts[0]["weight_int8"].shape
    layer = Int8Linear(in_features, width * len(parts), bias=True, device="meta")
    layer.weight_int8 = torch.cat([part["weight_int8"] for part in parts])
    layer.weight_scale = torch.cat([part["weight_scale"] for part in parts])
    layer.bias = torch.cat(
        [part.get("bias", torch.zeros(width)) for part in parts]
    )  # transformers' BlenderBot has biases on all three
    return layer


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

"""The fast engine's BlenderBot: ``blenderbot_net`` over the int8 file's weights, with
``blenderbot_search``'s ``generate``.

``open_int8_model`` builds it from the int8 file without transformers' model classes and
without ever holding float32 weights: the linear layers come from ``EarlyLayers`` (read and
being packed on other threads), the rest (embedding, positions, layer norms) is read here.
Each layer must fit its place and every one must be there, or the file is refused
(``EngineError``: the engine converts it again). ``from_float_model`` wraps transformers'
own float32 model the same way, for the fidelity checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from core.engines.base import EngineError
from core.engines.blenderbot_net import BlenderbotNet, Linear, Parts, Shape
from core.engines.int8_format import METADATA_FILE, WEIGHTS_FILE
from core.engines.int8_layers import Int8Embedding, Int8Linear
from core.engines.int8_loading import EarlyLayers, LinearLayers, SafetensorsReader
from core.heap import release_free_memory


class BlenderbotRuntime:
    """What the engine calls a model: ``generate`` as transformers' takes it, ``config``
    (the model's ``config.json``) and ``generation_config`` (its defaults)."""

    def __init__(
        self,
        net: BlenderbotNet,
        config: Any,
        generation_config: Any,
        layers: list[Int8Linear] | None = None,
        source: Any = None,
    ) -> None:
        self.net = net
        self.config = config
        self.generation_config = generation_config
        self.layers = layers or []  # the int8 ones (packed, or being packed)
        self.source = source  # the float model the net reads from (fidelity checks)

    def generate(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        decoder_input_ids: torch.Tensor | None = None,
        stopping_criteria: Any = None,
        streamer: Any = None,
        cache_dtype: torch.dtype | None = None,
        **settings: Any,
    ) -> torch.Tensor:
        """The reply's ids for one input without padding (``blenderbot_search.generate``)."""
        from core.engines.blenderbot_search import generate

        if input_ids.shape[0] != 1 or (
            attention_mask is not None and not bool(attention_mask.all())
        ):
            raise ValueError("the fast engine decodes one input without padding")
        return generate(
            self.net,
            self.generation_config,
            input_ids,
            settings,
            decoder_input_ids=decoder_input_ids,
            stopping_criteria=stopping_criteria,
            streamer=streamer,
            cache_dtype=cache_dtype,
        )


def config_dict(config: Any) -> dict[str, Any]:
    return dict(config.to_dict())


def network_shape(model_id: str, config: Any) -> Shape:
    """The network's shape for a model's config, or ``EngineError`` saying why it cannot run."""
    try:
        return Shape.from_config(config_dict(config))
    except (KeyError, TypeError, ValueError) as error:
        raise EngineError(
            f"The fast engine cannot run {model_id}: {error}. Choose the transformers engine."
        ) from error


def open_int8_model(
    target: Path, shape: Shape, config: Any, generation_config: Any, early: EarlyLayers
) -> tuple[BlenderbotRuntime, int]:
    """The int8 model saved in ``target``, of ``shape`` (``network_shape`` of ``config``, an
    AutoConfig), and the float model's parameter count."""
    try:
        metadata: dict[str, Any] = json.loads((target / METADATA_FILE).read_text("utf-8"))
        tied: dict[str, str] = dict(metadata["tied"])
        parameters = int(metadata["parameters"])
        layers = early.layers()
        with SafetensorsReader(target / WEIGHTS_FILE) as reader:
            parts = FileParts(reader, tied, layers, shape)
            net = BlenderbotNet(shape, parts.parts())
        if layers.left():
            raise ValueError(f"the file has layers the model lacks: {layers.left()[:3]}")
        release_free_memory()
    except (
        OSError,
        RuntimeError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OverflowError,
    ) as error:  # a damaged or foreign file: the engine converts the model again
        raise EngineError(f"The int8 model in {target} cannot be used: {error}") from error
    return BlenderbotRuntime(net, config, generation_config, layers=parts.taken), parameters


class FileParts:
    """The weights of an int8 file, each checked against the shape it must have."""

    def __init__(
        self,
        reader: SafetensorsReader,
        tied: dict[str, str],
        layers: LinearLayers,
        shape: Shape,
    ) -> None:
        self.reader = reader
        self.tied = tied
        self.layers = layers
        self.shape = shape
        self.taken: list[Int8Linear] = []

    def parts(self) -> Parts:
        return Parts(self.linear, self.fused, self.tensor, self.embedding())

    def expected(self, name: str) -> tuple[int, int, bool]:
        """In and out features of the linear layer ``name``, and whether it has a bias."""
        d = self.shape.d_model
        if name == "lm_head":
            return d, self.shape.vocab_size, False
        own = name.rsplit(".", 1)[-1]
        decoder = name.startswith("model.decoder.")
        ffn = self.shape.decoder_ffn if decoder else self.shape.encoder_ffn
        if own == "fc1":
            return d, ffn, True
        if own == "fc2":
            return ffn, d, True
        return d, d, True

    def take(self, name: str, layer: Int8Linear, features: tuple[int, int], bias: bool) -> Linear:
        if (layer.in_features, layer.out_features) != features:
            raise ValueError(f"{name} in the file has the wrong shape")
        if (layer.bias is not None) != bias:
            raise ValueError(f"{name} in the file has no bias, or one it should not")
        # Layers that only see a decoding step's rows (beams of one position) quantize them
        # together; the cross-attention's keys and values read the input's tokens.
        layer.rows_alike = (name.startswith("model.decoder.") or name == "lm_head") and not (
            name.endswith(("encoder_attn.k_proj", "encoder_attn.v_proj"))
        )
        self.taken.append(layer)
        return layer.forward

    def linear(self, name: str) -> Linear:
        layer = self.layers.single.pop(name, None)
        if layer is None:
            raise KeyError(f"the file has no layer {name}")
        in_features, out_features, bias = self.expected(name)
        return self.take(name, layer, (in_features, out_features), bias)

    def fused(self, attention: str) -> Linear | None:
        layer = self.layers.fused.pop(attention, None)
        if layer is None:
            return None
        d = self.shape.d_model
        return self.take(f"{attention} (q, k, v)", layer, (d, 3 * d), True)

    def read(self, name: str, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        tensor: torch.Tensor = self.reader.read(self.tied.get(name, name))
        if tuple(tensor.shape) != shape or tensor.dtype != dtype:
            raise ValueError(f"{name} in the file is not a {dtype} tensor of shape {shape}")
        return tensor

    def tensor(self, name: str) -> torch.Tensor:
        d = self.shape.d_model
        if name.endswith("embed_positions.weight"):
            return self.read(name, (self.shape.positions, d), torch.float32)
        if name == "final_logits_bias":
            return self.read(name, (1, self.shape.vocab_size), torch.float32)
        return self.read(name, (d,), torch.float32)  # a layer norm's weight or bias

    def embedding(self) -> Int8Embedding:
        vocab, d = self.shape.vocab_size, self.shape.d_model
        embedding = Int8Embedding(vocab, d, self.shape.embed_scale, device="meta")
        embedding.weight_int8 = self.read("model.shared.weight_int8", (vocab, d), torch.int8)
        embedding.weight_scale = self.read("model.shared.weight_scale", (vocab,), torch.float32)
        return embedding


def from_float_model(model: Any, model_id: str) -> BlenderbotRuntime:
    """transformers' own (float) BlenderBot as the fast engine runs it: the same weights."""
    shape = network_shape(model_id, model.config)
    tensors = dict(model.named_parameters())
    tensors.update(dict(model.named_buffers()))

    def linear(name: str) -> Linear:
        forward: Linear = model.get_submodule(name).forward
        return forward

    parts = Parts(linear, lambda _: None, tensors.__getitem__, model.get_submodule("model.shared"))
    net = BlenderbotNet(shape, parts)
    return BlenderbotRuntime(net, model.config, model.generation_config, source=model)

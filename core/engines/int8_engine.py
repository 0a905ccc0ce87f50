"""The int8 engine: transformers' own generation, with int8 weights and int8 matrix products.

Every ``nn.Linear`` of the model (attention, feed-forward, output layer) becomes an
``Int8Linear``: int8 weights with a scale per output row, packed for FBGEMM, which quantizes
each input on the fly (see ``int8_layers``). The token embedding is int8 too; position
embeddings, layer norms and attention stay in float32 (a big reply's keys and values are
stored in bfloat16: ``KV_FLOAT32_MAX``). Each decoding step is ``lean_decoder``'s; the search
around it is transformers' ``generate``, the same code the reference engine runs, so every
setting means exactly what it means there (beam search, length penalty, no-repeat n-grams on
the reply and on the input, min/max length, sampling), greedy and sampled replies stream
token by token, and ``stop`` ends any reply, beam search included, within a step (or while
it waits for the layers' packing, within 0.1 s).

The first ``load`` of a model quantizes it in a child process into
``<data_dir>/models/<name>-<hash>-torch-int8/model.safetensors`` (``int8_format`` owns that
folder: its name, contents, completeness and cleanup); later loads read that file's int8
layers and pack them on other threads (``int8_loading``) while transformers is imported,
build the model on the meta device and put those layers in it, so the app's process never
holds the float32 weights (~1.5 GB for the 400M model).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Literal

from core.engines.base import (
    EngineError,
    ModelInfo,
    ProgressCallback,
)
from core.engines.int8_format import (
    METADATA_FILE,
    WEIGHTS_FILE,
    conversion_dir,
    convert_atomically,
    is_complete,
)
from core.engines.int8_loading import EarlyLayers, Packing, SafetensorsReader
from core.engines.transformers_engine import TransformersEngine
from core.heap import release_free_memory
from core.models import ModelFolder

log = logging.getLogger(__name__)

Quantization = Literal["int8", "float32"]
SUPPORTED_ARCHITECTURES = frozenset({"BlenderbotForConditionalGeneration"})


def supports(folder: ModelFolder) -> bool:
    """Whether the int8 engine can run this model."""
    return folder.architecture in SUPPORTED_ARCHITECTURES


class Int8Engine(TransformersEngine):
    """BlenderBot through transformers with int8 linear layers (float32 for fidelity checks)."""

    name = "fast"

    def __init__(
        self,
        folder: ModelFolder,
        data_dir: Path,
        threads: int,
        quantization: Quantization = "int8",
    ) -> None:
        if quantization not in ("int8", "float32"):
            raise EngineError(f"Unknown quantization '{quantization}'.")
        super().__init__(folder, threads)
        self.data_dir = data_dir
        self.quantization: Quantization = quantization
        self.label = quantization
        self._packing: Packing | None = None
        self._early: EarlyLayers | None = None  # while loading

    @property
    def converted_path(self) -> Path:
        return conversion_dir(self.folder, self.data_dir)

    def load(self, progress: ProgressCallback) -> ModelInfo:
        started = time.perf_counter()
        if not supports(self.folder):
            raise EngineError(
                f"The fast engine runs BlenderBot models only; {self.folder.model_id} is a "
                f"{self.folder.architecture}. Choose the transformers engine for it."
            )
        if self.quantization == "float32":  # the same generation code, unquantized weights
            info = super().load(progress)
            install_lean_decoder(self._model)
            return info
        progress(2, "Starting the inference library…")
        self._start_torch()
        check_int8_kernels()
        target = self.converted_path
        # The layers are read and packed meanwhile on the second core (``int8_loading``).
        self._early = start_early_layers(target) if is_complete(target) else None
        try:
            info = self._load_int8(progress, target, started)
        except BaseException:
            if self._early is not None:
                self._early.cancel()  # its packing too: nothing is left running
            self._early = self._packing = None
            self._model = self._tokenizer = None  # half-packed, or half-loaded: not to be used
            raise
        self._early = None
        return info

    def _load_int8(self, progress: ProgressCallback, target: Path, started: float) -> ModelInfo:
        transformers = self._start_transformers()
        progress(5, "Reading the tokenizer…")
        path = str(self.folder.path)
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True
            )
            generation = load_generation_config(transformers, path)
        except Exception as error:
            raise EngineError(
                f"The model in {self.folder.path} could not be loaded: {error}"
            ) from error
        opened: tuple[Any, dict[str, Any]] | None = None
        if self._early is not None:
            progress(8, "Loading the int8 model…")
            try:
                opened = open_int8_model(target, self.folder, self._early)
            except EngineError as error:  # damaged since it was made: convert again
                log.warning("%s; converting again", error)
                self._early.cancel()
                self._early = None
                shutil.rmtree(target, ignore_errors=True)
        if opened is None:
            convert_atomically(self.folder, target, progress)
            progress(85, "Loading the int8 model…")
            self._early = start_early_layers(target)
            opened = open_int8_model(target, self.folder, self._early)
        assert self._early is not None
        model, metadata = opened
        install_lean_decoder(model)
        model.generation_config = generation
        self._model = model
        self._defaults = generation.to_diff_dict()
        self._packing = self._early.packing
        progress(100, "Ready")  # may raise (the app is closing): then the packing stops
        assert self._packing is not None  # the layers were read
        self._packing.start(self.threads)
        return self._info(int(metadata["parameters"]), started)

    def wait_until_packed(self, stop: threading.Event | None = None) -> None:
        """Wait for the layers packed after "Ready" (``Packing``); at once if they are.

        Raises ``GenerationCancelled`` once ``stop`` is set.
        """
        if self._packing is not None:
            self._packing.wait(stop)

    def _before_reply(self, stop: threading.Event) -> None:
        self.wait_until_packed(stop)  # Stop works while a reply waits for the packing

    def _generation_extras(self, effective: dict[str, Any]) -> dict[str, Any]:
        """A cache sized for the reply that keeps the input once (``reply_cache.reply_cache``)."""
        import torch

        from core.engines.reply_cache import reply_cache

        self.wait_until_packed()
        release_free_memory()  # what the last reply freed, before this one allocates
        capacity = int(effective.get("max_length") or 128)
        rows = int(effective.get("num_beams") or 1)
        big = self.quantization == "int8" and self._key_value_bytes(rows, capacity) > KV_FLOAT32_MAX
        return {"past_key_values": reply_cache(capacity, torch.bfloat16 if big else None)}

    def _key_value_bytes(self, rows: int, capacity: int) -> int:
        """The float32 bytes of the decoder's own keys and values for one reply."""
        config = self._model.config
        return 2 * int(config.decoder_layers) * rows * capacity * int(config.d_model) * 4


# The decoder's own keys and values are a reply's largest buffer: for beam 10 and 60 tokens
# 74 MB (400M), 147 MB (1B) and 295 MB (3B) in float32. Above this they are kept in bfloat16,
# half the memory (the int8 products round far more than bfloat16 does); widening them for
# the attention made the 400M's beam-10 reply ~7% slower, so smaller ones stay float32.
KV_FLOAT32_MAX = 100_000_000


def install_lean_decoder(model: Any) -> None:
    """The decoding step of ``lean_decoder`` (it imports torch and transformers)."""
    from core.engines.lean_decoder import install

    install(model)


def load_generation_config(transformers: Any, path: str) -> Any:
    """The model's generation defaults, as transformers reads them."""
    try:
        return transformers.GenerationConfig.from_pretrained(path, local_files_only=True)
    except OSError:  # no generation_config.json: transformers derives it from config.json
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        return transformers.GenerationConfig.from_model_config(config)


def check_int8_kernels() -> None:
    """Refuse a torch that cannot multiply int8 matrices here. With FBGEMM, pack a small
    weight on this thread first, so that what packing sets up on first use is set up before
    the packing threads start."""
    import torch

    from core.engines.int8_layers import int8_kernels_work, prepack

    if not int8_kernels_work():
        raise EngineError(
            "The fast engine is not available: this build of torch cannot multiply int8 "
            "matrices on this CPU. Choose the transformers engine."
        )
    if "fbgemm" in torch.backends.quantized.supported_engines:
        prepack(torch.ones((8, 8), dtype=torch.int8), torch.ones(8), None)


def start_early_layers(target: Path) -> EarlyLayers:
    early = EarlyLayers(target / WEIGHTS_FILE)
    early.start()
    return early


def open_int8_model(
    target: Path, folder: ModelFolder, early: EarlyLayers
) -> tuple[Any, dict[str, Any]]:
    """The int8 model saved in ``target``, built without ever holding float32 weights.

    The model is made on the meta device (no memory), and its linear layers are replaced by
    those ``early`` has read from the file (and is packing); each must fit its place, and
    every one must be there, or the file is refused (``EngineError``: the engine converts
    again). Embeddings, layer norms and biases of the model are read here.
    """
    import torch
    import transformers

    from core.engines.int8_layers import (
        PROJECTIONS,
        Int8Linear,
        ProjectionPart,
        attach_fused,
        can_fuse,
        int8_skeleton,
        mark_decoding_layers,
    )

    try:
        metadata: dict[str, Any] = json.loads((target / METADATA_FILE).read_text("utf-8"))
        tied: dict[str, str] = dict(metadata["tied"])
        config = transformers.AutoConfig.from_pretrained(str(folder.path), local_files_only=True)
        with torch.device("meta"):
            model = transformers.AutoModelForSeq2SeqLM.from_config(config)  # type: ignore[no-untyped-call]
        int8_skeleton(model)
        layers = early.layers()
        from_file = {id(layer) for layer in layers.all()}
        filled: set[str] = set()

        def take(prefix: str, layer: Any, shape: tuple[int, int], modules: list[Any]) -> None:
            if (layer.in_features, layer.out_features) != shape:
                raise ValueError(f"{prefix} in the file has the wrong shape")
            for name, replaced in modules:
                if (layer.bias is None) != (replaced.bias is None):
                    raise ValueError(f"{name} in the file has no bias, or one it should not")
                filled.update(f"{name}.{tensor}" for tensor in replaced.state_dict())

        for prefix, module in list(model.named_modules()):
            if can_fuse(module, prefix) and prefix in layers.fused:
                projections = [(f"{prefix}.{p}", getattr(module, p)) for p in PROJECTIONS]
                first = projections[0][1]
                shape = (first.in_features, first.out_features * len(PROJECTIONS))
                take(prefix, layers.fused[prefix], shape, projections)
                attach_fused(module, layers.fused.pop(prefix))
            for name, child in list(module.named_children()):
                path = f"{prefix}.{name}" if prefix else name
                if isinstance(child, Int8Linear) and path in layers.single:
                    shape = (child.in_features, child.out_features)
                    take(path, layers.single[path], shape, [(path, child)])
                    setattr(module, name, layers.single.pop(path))
        if layers.left():
            raise ValueError(f"the file has layers the model lacks: {layers.left()[:3]}")
        for name, module in model.named_modules():
            layer = module.fused.layer if isinstance(module, ProjectionPart) else module
            if isinstance(layer, Int8Linear) and id(layer) not in from_file:
                raise ValueError(f"{name} is not among the file's linear layers")
        # Names only: a state dict kept while reading would keep the int8 copies of the
        # layers packed meanwhile.
        names = [name for name in model.state_dict() if name not in filled]
        with SafetensorsReader(target / WEIGHTS_FILE) as reader:
            read: dict[str, Any] = {}  # tied names share one tensor, read once

            def read_once(source: str) -> Any:
                if source not in read:
                    read[source] = reader.read(source)
                return read[source]

            rest = {name: read_once(tied.get(name, name)) for name in names}
        model.load_state_dict(rest, strict=False, assign=True)
        del rest
        read.clear()
        release_free_memory()
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as error:
        raise EngineError(f"The int8 model in {target} cannot be used: {error}") from error
    left = [name for name, tensor in model.state_dict().items() if tensor.is_meta]
    if left:
        raise EngineError(f"The int8 model in {target} lacks {', '.join(left[:3])}.")
    model.eval()
    mark_decoding_layers(model)
    return model, metadata

"""The int8 engine: BlenderBot with int8 weights and int8 matrix products, without
transformers' model classes.

Every linear layer (attention, feed-forward, output layer) is an ``Int8Linear``: int8 weights
with a scale per output row, packed for FBGEMM, which quantizes each input on the fly (see
``int8_layers``). The token embedding is int8 too; position embeddings, layer norms and
attention stay in float32 (a big reply's keys and values are stored in bfloat16:
``KV_FLOAT32_MAX``). The network is ``blenderbot_net``'s few tensor operations a step, and
the search around it ``blenderbot_search``'s port of transformers' ``generate``, with
transformers' own logits processors, so every setting means exactly what it means with the
reference engine (beam search, length penalty, no-repeat n-grams on the reply and on the
input, min/max length, sampling); greedy and sampled replies stream token by token, and
``stop`` ends any reply, beam search included, within a step (or while it waits for the
layers' packing, within 0.1 s). The tokenizer and the configs are transformers'.

The first ``load`` of a model quantizes it in a child process (which does import
transformers' model) into ``<data_dir>/models/<name>-<hash>-torch-int8/model.safetensors``
(``int8_format`` owns that folder: its name, contents, completeness and cleanup); later
loads read that file's int8 layers and pack them on other threads (``int8_loading``) while
transformers' tokenizer is read, and build the network from them (``int8_model``), so the
app's process never holds the float32 weights (~1.5 GB for the 400M model) nor imports
transformers' modeling and generation code (~1.3 s and ~250 MiB).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from core.engines.base import (
    EngineError,
    ModelInfo,
    ProgressCallback,
)
from core.engines.int8_format import (
    WEIGHTS_FILE,
    conversion_dir,
    convert_atomically,
    is_complete,
)
from core.engines.int8_loading import EarlyLayers, Packing
from core.engines.transformers_engine import TransformersEngine
from core.heap import release_free_memory
from core.models import ModelFolder

if TYPE_CHECKING:
    from core.engines.int8_model import BlenderbotRuntime

log = logging.getLogger(__name__)

Quantization = Literal["int8", "float32"]
SUPPORTED_ARCHITECTURES = frozenset({"BlenderbotForConditionalGeneration"})


def supports(folder: ModelFolder) -> bool:
    """Whether the int8 engine can run this model."""
    return folder.architecture in SUPPORTED_ARCHITECTURES


class Int8Engine(TransformersEngine):
    """BlenderBot with int8 linear layers, its own network and search (float32 for the
    fidelity checks)."""

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
        if self.quantization == "float32":  # the same network and search, unquantized weights
            from core.engines.int8_model import from_float_model

            info = super().load(progress)
            try:
                check_generation_config(self.folder, self._model.generation_config)
                self._model = from_float_model(self._model, self.folder.model_id)
            except BaseException:
                self._model = self._tokenizer = None
                raise
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
        from core.engines.int8_model import network_shape, open_int8_model

        transformers = self._start_transformers()
        progress(5, "Reading the tokenizer…")
        path = str(self.folder.path)
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True
            )
            config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
            generation = load_generation_config(transformers, path)
        except Exception as error:
            raise EngineError(
                f"The model in {self.folder.path} could not be loaded: {error}"
            ) from error
        check_generation_config(self.folder, generation)
        shape = network_shape(self.folder.model_id, config)
        opened: tuple[BlenderbotRuntime, int] | None = None
        if self._early is not None:
            progress(8, "Loading the int8 model…")
            try:
                opened = open_int8_model(target, shape, config, generation, self._early)
            except EngineError as error:  # damaged since it was made: convert again
                log.warning("%s; converting again", error)
                self._early.cancel()
                self._early = None
                shutil.rmtree(target, ignore_errors=True)
        if opened is None:
            convert_atomically(self.folder, target, progress)
            progress(85, "Loading the int8 model…")
            self._early = start_early_layers(target)
            opened = open_int8_model(target, shape, config, generation, self._early)
        assert self._early is not None
        model, parameters = opened
        self._model = model
        self._defaults = generation.to_diff_dict()
        self._packing = self._early.packing
        progress(100, "Ready")  # may raise (the app is closing): then the packing stops
        assert self._packing is not None  # the layers were read
        self._packing.start(self.threads)
        return self._info(parameters, started)

    def wait_until_packed(self, stop: threading.Event | None = None) -> None:
        """Wait for the layers packed after "Ready" (``Packing``); at once if they are.

        Raises ``GenerationCancelled`` once ``stop`` is set.
        """
        if self._packing is not None:
            self._packing.wait(stop)

    def _before_reply(self, stop: threading.Event) -> None:
        self.wait_until_packed(stop)  # Stop works while a reply waits for the packing

    def _generation_extras(self, effective: dict[str, Any]) -> dict[str, Any]:
        """The type the reply's keys and values are stored in (``step_cache``)."""
        import torch

        self.wait_until_packed()
        release_free_memory()  # what the last reply freed, before this one allocates
        capacity = int(effective.get("max_length") or 128)
        rows = int(effective.get("num_beams") or 1)
        big = self.quantization == "int8" and self._key_value_bytes(rows, capacity) > KV_FLOAT32_MAX
        return {"cache_dtype": torch.bfloat16 if big else None}

    def _key_value_bytes(self, rows: int, capacity: int) -> int:
        """The float32 bytes of the decoder's own keys and values for one reply."""
        config = self._model.config
        return 2 * int(config.decoder_layers) * rows * capacity * int(config.d_model) * 4


# The decoder's own keys and values are a reply's largest buffer: for beam 10 and 60 tokens
# 74 MB (400M), 147 MB (1B) and 295 MB (3B) in float32. Above this they are kept in bfloat16,
# half the memory (the int8 products round far more than bfloat16 does); widening them for
# the attention made the 400M's beam-10 reply ~7% slower, so smaller ones stay float32.
KV_FLOAT32_MAX = 100_000_000


def load_generation_config(transformers: Any, path: str) -> Any:
    """The model's generation defaults, as transformers reads them."""
    try:
        return transformers.GenerationConfig.from_pretrained(path, local_files_only=True)
    except OSError:  # no generation_config.json: transformers derives it from config.json
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        return transformers.GenerationConfig.from_model_config(config)


def check_generation_config(folder: ModelFolder, generation: Any) -> None:
    """Refuse a model whose own generation settings the fast engine's search does not run
    (``blenderbot_search.UnsupportedSetting``), before every reply would fail."""
    from core.engines.blenderbot_search import UnsupportedSetting, prepared_config

    try:
        prepared_config(generation, {})
    except UnsupportedSetting as error:
        raise EngineError(
            f"The fast engine cannot run {folder.model_id}: {error} (in its "
            "generation_config.json). Choose the transformers engine for it."
        ) from error


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

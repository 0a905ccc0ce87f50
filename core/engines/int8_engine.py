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
folder: its name, contents, completeness and cleanup); later loads build the model on the
meta device, swap in empty int8 layers, and fill them from that file, so the app's process
never holds the float32 weights (~1.5 GB for the 400M model).
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
    GenerationCancelled,
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
        transformers = self._start_library(progress)
        from core.engines.int8_layers import int8_kernels_work

        if not int8_kernels_work():
            raise EngineError(
                "The fast engine is not available: this build of torch cannot multiply int8 "
                "matrices on this CPU. Choose the transformers engine."
            )
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
        target = self.converted_path
        opened: tuple[Any, dict[str, Any], list[Any]] | None = None
        if is_complete(target):
            progress(8, "Loading the int8 model…")
            try:
                opened = open_int8_model(target, self.folder)
            except EngineError as error:  # damaged since it was made: convert again
                log.warning("%s; converting again", error)
                shutil.rmtree(target, ignore_errors=True)
        if opened is None:
            convert_atomically(self.folder, target, progress)
            progress(85, "Loading the int8 model…")
            opened = open_int8_model(target, self.folder)
        model, metadata, unpacked = opened
        install_lean_decoder(model)
        model.generation_config = generation
        self._model = model
        self._defaults = generation.to_diff_dict()
        self._packing = Packing(unpacked, workers=self.threads)
        progress(100, "Ready")  # may raise (the app is closing): then nothing is packed
        self._packing.start()
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
        """A cache sized for the reply that keeps the input once (``int8_layers.reply_cache``)."""
        import torch

        from core.engines.int8_layers import reply_cache

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


class Packing:
    """Packs a loaded model's int8 layers on threads of their own, after "Ready".

    FBGEMM's packing took 1.7 s of a 4.2-5.2 s load of the 400M model here; a person reads
    "Ready" and types meanwhile. A reply waits for it (``wait``): a layer not packed yet would
    run on the slower ``_int_mm`` path.

    Packing one layer is one FBGEMM call that runs on one core and lets go of the GIL, so
    ``workers`` threads (the engine's thread count) pack as many layers at once: with two,
    the 400M's 105 layers took 1.77 s instead of 3.07 s here. The threads are not daemons: a
    process that ends meanwhile waits for them, as a daemon thread inside FBGEMM at exit
    aborted the process ("terminate called without an active exception").
    """

    def __init__(self, layers: list[Any], workers: int = 1) -> None:
        self.error: Exception | None = None
        self._layers = layers
        self._taking = threading.Lock()  # one worker takes the next layer at a time
        self._threads = [
            threading.Thread(target=self._run, name=f"{PACKING_THREAD}-{number}")
            for number in range(1, max(1, min(workers, len(layers))) + 1)
        ]
        self._started = threading.Lock()

    def start(self) -> None:
        with self._started:
            for thread in self._threads:
                if thread.ident is None:
                    thread.start()

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _next_layer(self) -> Any | None:
        with self._taking:
            if self.error is not None or not self._layers:
                return None  # after a failure the others stop too: the model cannot run
            return self._layers.pop(0)

    def _run(self) -> None:
        while (layer := self._next_layer()) is not None:
            try:
                layer.pack()
                release_free_memory()
            except Exception as error:  # noqa: BLE001 - any failure goes to the reply that waits
                with self._taking:
                    self.error = self.error or error
                return

    def wait(self, stop: threading.Event | None = None) -> None:
        self.start()
        while self.running():
            if stop is not None and stop.is_set():
                raise GenerationCancelled()
            alive = next((thread for thread in self._threads if thread.is_alive()), None)
            if alive is not None:
                alive.join(timeout=0.1)
        if self.error is not None:
            raise EngineError(f"The int8 model could not be prepared: {self.error}")


PACKING_THREAD = "confab-int8-packing"


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


def open_int8_model(target: Path, folder: ModelFolder) -> tuple[Any, dict[str, Any], list[Any]]:
    """The int8 model saved in ``target``, built without ever holding float32 weights, and
    its int8 layers, to be packed (``Packing``) before the model runs.

    The model is made on the meta device (no memory), its linear layers become empty
    ``Int8Linear``s and are filled from the file one by one.
    """
    import torch
    import transformers

    from core.engines.int8_layers import (
        PROJECTIONS,
        Int8Linear,
        can_fuse,
        fuse_projections,
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
        unpacked: list[Any] = []
        with SafetensorsReader(target / WEIGHTS_FILE) as reader:
            filled: set[str] = set()

            def read_layer(prefix: str, layer: Any) -> dict[str, Any]:
                names = [f"{prefix}.{name}" for name in layer.state_dict()]
                filled.update(names)
                return {n.rsplit(".", 1)[1]: reader.read(tied.get(n, n)) for n in names}

            for prefix, module in list(model.named_modules()):
                if can_fuse(module, prefix):
                    parts = [read_layer(f"{prefix}.{p}", getattr(module, p)) for p in PROJECTIONS]
                    unpacked.append(fuse_projections(module, parts))
                    del parts
                elif isinstance(module, Int8Linear) and f"{prefix}.weight_int8" not in filled:
                    module.load_state_dict(read_layer(prefix, module), strict=True, assign=True)
                    unpacked.append(module)
            read: dict[str, Any] = {}  # tied names share one tensor, read once

            def read_once(source: str) -> Any:
                if source not in read:
                    read[source] = reader.read(source)
                return read[source]

            rest = {
                name: read_once(tied.get(name, name))
                for name in model.state_dict()
                if name not in filled
            }
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
    return model, metadata, unpacked


SAFETENSORS_DTYPES = {"I8": "int8", "F32": "float32", "I32": "int32", "I64": "int64"}


class SafetensorsReader:
    """Reads tensors of a safetensors file into private memory, one at a time.

    Not memory-mapped: mapped weights gave 3-10x swings in speed here, and copying out of a
    mapping holds both copies at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = path.open("rb")
        header_size = int.from_bytes(self._stream.read(8), "little")
        if not 2 <= header_size <= 100_000_000:
            self._stream.close()
            raise ValueError(f"{path.name} is not a safetensors file")
        self._header: dict[str, Any] = json.loads(self._stream.read(header_size))
        self._header.pop("__metadata__", None)
        self._base = 8 + header_size

    def __enter__(self) -> SafetensorsReader:
        return self

    def __exit__(self, *_: object) -> None:
        self._stream.close()

    def read(self, name: str) -> Any:
        import torch

        if name not in self._header:
            raise KeyError(f"{self.path.name} has no tensor {name}")
        entry = self._header[name]
        dtype = getattr(torch, SAFETENSORS_DTYPES[entry["dtype"]])
        tensor = torch.empty(entry["shape"], dtype=dtype)
        view = memoryview(tensor.numpy()).cast("B")  # type: ignore[arg-type]
        start, end = entry["data_offsets"]
        if len(view) != end - start:
            raise ValueError(f"{name} in {self.path.name} has the wrong size")
        self._stream.seek(self._base + start)
        if self._stream.readinto(view) != len(view):
            raise ValueError(f"{self.path.name} is truncated")
        return tensor

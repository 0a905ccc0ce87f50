"""Reading an int8 model's layers from its file, and packing them for FBGEMM, on threads.

The int8 engine starts ``EarlyLayers`` as soon as torch is imported. While the engine's own
thread goes on to import transformers (seconds of Python that hold the GIL), this reads
every linear layer of the int8 file (waiting on the disk, without the GIL) and then packs
them one by one (each FBGEMM call runs on one core without the GIL), on the second core.
By "Ready" most of the packing is done; ``Packing`` then adds workers up to the engine's
thread count for the rest. Nothing here imports transformers: two threads importing the
same package at once can deadlock on its import locks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.engines.base import EngineError, GenerationCancelled
from core.heap import release_free_memory

SAFETENSORS_DTYPES = {"I8": "int8", "F32": "float32", "I32": "int32", "I64": "int64"}
WEIGHT = ".weight_int8"
PACKING_THREAD = "confab-int8-packing"
READING_THREAD = "confab-int8-reading"


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
        try:
            header = json.loads(self._stream.read(header_size))
        except ValueError:
            header = None
        if not isinstance(header, dict):
            self._stream.close()
            raise ValueError(f"{path.name} has no safetensors header")
        self._header: dict[str, Any] = header
        self._header.pop("__metadata__", None)
        self._base = 8 + header_size

    def __enter__(self) -> SafetensorsReader:
        return self

    def __exit__(self, *_: object) -> None:
        self._stream.close()

    @property
    def names(self) -> list[str]:
        """The tensors' names, in the file's order."""
        return list(self._header)

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._header[name]["shape"])

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


class ReadingCancelled(Exception):
    """The load that the layers were read for has ended."""


class LinearLayers:
    """The linear layers of an int8 file: each by its module's name, and the fused q, k and
    v projections of each self-attention by the attention's name."""

    def __init__(self) -> None:
        self.single: dict[str, Any] = {}  # e.g. "model.decoder.layers.0.fc1"
        self.fused: dict[str, Any] = {}  # e.g. "model.decoder.layers.0.self_attn"

    def all(self) -> list[Any]:
        return [*self.fused.values(), *self.single.values()]

    def left(self) -> list[str]:
        return [*self.fused, *self.single]


def read_linear_layers(
    reader: SafetensorsReader, cancelled: threading.Event | None = None
) -> LinearLayers:
    """Every linear layer of the file as an ``Int8Linear`` (not packed).

    A self-attention's q, k and v projections of one shape become one layer, which the
    network (``blenderbot_net.Attention``) calls once for all three: one read of the three
    weights, one input quantization (greedy decoding took ~5% less time).
    Token embeddings are not linear layers and are left to the model's loading. Each
    layer's scales and bias must fit its weight (``ValueError``); once ``cancelled`` is
    set, reading stops (``ReadingCancelled``).
    """
    from core.engines.int8_layers import (
        PROJECTIONS,
        SELF_ATTENTION,
        TOKEN_EMBEDDINGS,
        Int8Linear,
        fused_projection_layer,
    )

    names = set(reader.names)
    prefixes = [
        name[: -len(WEIGHT)]
        for name in reader.names
        if name.endswith(WEIGHT) and name[: -len(WEIGHT)].rsplit(".", 1)[-1] not in TOKEN_EMBEDDINGS
    ]

    def parts_of(prefix: str) -> dict[str, Any]:
        if cancelled is not None and cancelled.is_set():
            raise ReadingCancelled()
        tensors = {"weight_int8": reader.read(prefix + WEIGHT)}
        tensors["weight_scale"] = reader.read(f"{prefix}.weight_scale")
        if f"{prefix}.bias" in names:
            tensors["bias"] = reader.read(f"{prefix}.bias")
        weight = tensors["weight_int8"]
        if weight.dim() != 2 or str(weight.dtype) != "torch.int8":
            raise ValueError(f"{prefix}{WEIGHT} is not a matrix of int8")
        for name in ("weight_scale", "bias"):
            part = tensors.get(name)
            if part is not None and (tuple(part.shape), str(part.dtype)) != (
                (weight.shape[0],),
                "torch.float32",
            ):
                raise ValueError(f"{prefix}.{name} does not fit {prefix}{WEIGHT}")
        return tensors

    layers = LinearLayers()
    shapes = {prefix: reader.shape(prefix + WEIGHT) for prefix in prefixes}
    fused_members: set[str] = set()
    for prefix in prefixes:
        attention, _, own = prefix.rpartition(".")
        if own != PROJECTIONS[0] or attention.rsplit(".", 1)[-1] != SELF_ATTENTION:
            continue
        members = [f"{attention}.{name}" for name in PROJECTIONS]
        if all(m in shapes for m in members) and len({shapes[m] for m in members}) == 1:
            layers.fused[attention] = fused_projection_layer([parts_of(m) for m in members])
            fused_members.update(members)
    for prefix in prefixes:
        if prefix in fused_members:
            continue
        tensors = parts_of(prefix)
        out_features, in_features = tensors["weight_int8"].shape
        layer = Int8Linear(in_features, out_features, "bias" in tensors, device="meta")
        for name, tensor in tensors.items():
            setattr(layer, name, tensor)
        layers.single[prefix] = layer
    return layers


class Packing:
    """Packs int8 layers for FBGEMM (``Int8Linear.pack``) on threads of their own.

    A reply waits for it (``wait``): a layer not packed yet would run on the slower
    ``_int_mm`` path. Packing one layer is one FBGEMM call that runs on one core and lets go
    of the GIL, so each worker packs a layer at once: with two, the 400M's 105 layers took
    1.77 s instead of 3.07 s here. ``start`` adds workers up to the number asked for, so
    packing can begin with one while the load still needs the other core. The threads are
    not daemons: a process that ends meanwhile waits for them, as a daemon thread inside
    FBGEMM at exit aborted the process ("terminate called without an active exception").
    """

    def __init__(self, layers: Iterable[Any]) -> None:
        self.error: Exception | None = None
        self._layers = list(layers)
        self._taking = threading.Lock()  # one worker takes the next layer at a time
        self._cancelled = False
        self._threads: list[threading.Thread] = []

    def start(self, workers: int = 1) -> None:
        """Have ``workers`` threads packing (at most one per layer left); never fewer."""
        with self._taking:
            wanted = min(max(1, workers), len(self._threads) + len(self._layers))
            while len(self._threads) < wanted and not self._cancelled:
                number = len(self._threads) + 1
                thread = threading.Thread(target=self._run, name=f"{PACKING_THREAD}-{number}")
                self._threads.append(thread)
                thread.start()

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def cancel(self) -> None:
        """Take no further layer, and wait for the ones being packed (a load that failed)."""
        with self._taking:
            self._cancelled = True
        for thread in list(self._threads):
            thread.join()

    def _next_layer(self) -> Any | None:
        with self._taking:
            if self._cancelled or self.error is not None or not self._layers:
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
        """Until every layer is packed; raises ``GenerationCancelled`` once ``stop`` is set."""
        self.start()
        while self.running():
            if stop is not None and stop.is_set():
                raise GenerationCancelled()
            alive = next((thread for thread in self._threads if thread.is_alive()), None)
            if alive is not None:
                alive.join(timeout=0.1)
        if self.error is not None:
            raise EngineError(f"The int8 model could not be prepared: {self.error}")


class EarlyLayers:
    """Reads an int8 file's linear layers on a thread of its own, then starts packing them
    with one worker; ``layers`` hands them over once read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: Exception | None = None
        self.packing: Packing | None = None
        self._layers: LinearLayers | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._read, name=READING_THREAD)

    def start(self) -> None:
        self._thread.start()

    def _read(self) -> None:
        try:
            with SafetensorsReader(self.path) as reader:
                layers = read_linear_layers(reader, self._cancelled)
            self.packing = Packing(layers.all())
            self._layers = layers
            if self._cancelled.is_set():
                self.packing.cancel()
            else:
                self.packing.start(1)
        except Exception as error:  # noqa: BLE001 - handed to the load by ``layers``
            self.error = error

    def layers(self) -> LinearLayers:
        """The layers, once read (packing goes on); raises what reading them raised."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        assert self._layers is not None
        return self._layers

    def cancel(self) -> None:
        """Stop: the load failed or was abandoned. Reading stops before its next layer and
        packing after its current one; both threads have ended on return."""
        self._cancelled.set()
        self._thread.join()
        if self.packing is not None:
            self.packing.cancel()

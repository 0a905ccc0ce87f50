"""The int8 engine's converted model on disk: where it lives, how it is made, when it is done.

Everything about a conversion is here, so the engine (``int8_engine``) only loads and runs
what this module made, and nothing here imports the engine:

- the folder: ``<data_dir>/models/<name>-<hash>-torch-int8/``, keyed on the source files'
  sizes and times and on ``CONVERSION_FORMAT``, so changed files or a new format get a new
  folder and later loads reuse it (``conversion_dir``);
- its contents: ``WEIGHTS_FILE`` (int8 weights, tied tensors stored once) and
  ``METADATA_FILE`` (format, source, parameter count, tied names) (``convert_to_int8``),
  made tensor by tensor (``plan_conversion``, ``SafetensorsLayout``, ``open_checkpoint``)
  after checking that the disk has room (``check_free_space``);
- when it is usable: both files present (``is_complete``). A conversion is written to a
  temporary folder beside its target (named with ``PARTIAL_MARKER`` and the writer's pid)
  and renamed into place when complete, so an interrupted one is never used;
- cleanup: partial folders whose process has ended, and this model's conversions that the
  new one replaces;
- the child process that converts (``CONVERT_FLAG``, ``convert_main``).

The child process holds one float tensor of the checkpoint at a time besides torch itself
(issue 14: it used to load the whole float model, ~2.2 GB for the 400M model and ~16 GB for
the 3B). It still runs apart from the app: what torch and the reading take is given back when
it ends, and its work never stalls the window.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mmap
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core.engines.base import EngineError, ProgressCallback
from core.engines.tokens import quiet_transformers
from core.models import DOWNLOAD_PATTERNS, ModelFolder, check_folder
from core.paths import is_frozen

log = logging.getLogger(__name__)

CONVERSION_FORMAT = 2  # bump when the converted folder's contents change (2: int8 embeddings)
CONVERSION_TAG = "torch-int8"
WEIGHTS_FILE = "model.safetensors"
METADATA_FILE = "confab.json"
# The files a conversion is made from (their sizes and times key the converted folder).
# The files whose contents the weights depend on (the model card is only read for About).
SOURCE_FILES = tuple(name for name in DOWNLOAD_PATTERNS if "*" not in name and name != "README.md")
PARTIAL_MARKER = ".partial-"
PROGRESS_PREFIX = "confab-progress "
CONVERT_FLAG = "--convert-fast-model"
CONVERSION_NAME = re.compile(r"(?P<stem>.+)-(?P<hash>[0-9a-f]{12})-(?P<tag>[A-Za-z0-9-]+)")


def conversion_dir(folder: ModelFolder, data_dir: Path) -> Path:
    """Where the int8 weights for these source files live."""
    digest = hashlib.sha256()
    digest.update(f"format {CONVERSION_FORMAT}\n".encode())
    for name in SOURCE_FILES:
        path = folder.path / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.model_id).strip("._") or "model"
    return data_dir / "models" / f"{safe_name}-{digest.hexdigest()[:12]}-{CONVERSION_TAG}"


def is_complete(path: Path) -> bool:
    """A finished conversion: renamed into place, with its weights and metadata."""
    return (path / WEIGHTS_FILE).is_file() and (path / METADATA_FILE).is_file()


def convert_atomically(folder: ModelFolder, target: Path, progress: ProgressCallback) -> None:
    """Convert ``folder`` into ``target`` in a child process; a partial folder is never used."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_conversions(target)
    partial = Path(
        tempfile.mkdtemp(prefix=f".{target.name}{PARTIAL_MARKER}{os.getpid()}-", dir=target.parent)
    )
    try:
        convert_in_child_process(folder, partial, progress)
        if target.exists():  # damaged by hand: not made by this code, which renames
            shutil.rmtree(target)
        os.replace(partial, target)
        remove_stale_conversions(target)
    except EngineError:
        raise
    except Exception as error:
        if is_complete(target):  # another process finished it first
            log.info("Using the conversion another process finished: %s", target)
            return
        raise EngineError(
            f"The model in {folder.path} could not be converted for the fast engine: {error}"
        ) from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def remove_stale_conversions(target: Path) -> None:
    """Delete earlier conversions of the same model that ``target`` replaces.

    They are folders named like ``target`` but for other source files or an older format
    (the hash differs); each holds several hundred MB. Only folders with this app's
    metadata file are touched.
    """
    this = CONVERSION_NAME.fullmatch(target.name)
    if this is None:
        return
    for folder in target.parent.iterdir():
        other = CONVERSION_NAME.fullmatch(folder.name)
        if (
            other is not None
            and folder != target
            and other["stem"] == this["stem"]
            and other["tag"] == this["tag"]
            and (folder / METADATA_FILE).is_file()
        ):
            log.info("Removing a conversion that is no longer used: %s", folder)
            shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned_conversions(target: Path) -> None:
    """Delete partial conversions of ``target`` whose process has ended."""
    import psutil

    for partial in target.parent.glob(f".{target.name}{PARTIAL_MARKER}*"):
        pid_text = partial.name.rsplit(PARTIAL_MARKER, 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and not psutil.pid_exists(int(pid_text)):
            log.info("Removing an abandoned conversion: %s", partial)
            shutil.rmtree(partial, ignore_errors=True)


def converter_command(folder: ModelFolder, output: Path) -> list[str]:
    """The command that converts in a child process: this module, or the bundled app itself."""
    arguments = [CONVERT_FLAG, str(folder.path), folder.model_id, str(output)]
    if is_frozen():  # PyInstaller: main.py routes the flag here
        return [sys.executable, *arguments]
    return [sys.executable, "-m", "core.engines.int8_format", *arguments]


def convert_in_child_process(folder: ModelFolder, output: Path, progress: ProgressCallback) -> None:
    """Run the converter in a child process and relay its progress.

    If ``progress`` raises (the app is closing), the child is killed.
    """
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    child = subprocess.Popen(
        converter_command(folder, output),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        creationflags=flags,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        for line in child.stdout:
            if line.startswith(PROGRESS_PREFIX):
                percent, _, text = line[len(PROGRESS_PREFIX) :].rstrip("\n").partition(" ")
                progress(int(percent), text)
        errors = child.stderr.read()
        code = child.wait()
    except BaseException:
        child.kill()
        child.wait()
        raise
    if code != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        raise RuntimeError(last)


def convert_main(arguments: Sequence[str]) -> int:
    """The child process: ``SOURCE MODEL_ID OUTPUT`` -> the model's int8 weights in OUTPUT."""
    if len(arguments) != 3:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT", file=sys.stderr)
        return 2
    source, model_id, output = arguments

    def report(percent: int, text: str) -> None:
        print(f"{PROGRESS_PREFIX}{percent} {text}", flush=True)

    try:
        convert_to_int8(check_folder(Path(source), model_id), Path(output), report)
    except EngineError as error:  # the parent shows the last line of stderr: this message
        print(error, file=sys.stderr)
        return 1
    return 0


# Room beyond the weights file for the metadata file and the file system's own blocks.
DISK_MARGIN = 64 * 1024 * 1024
WEIGHTS_METADATA = {"format": "int8"}


def convert_to_int8(
    folder: ModelFolder, output: Path, progress: ProgressCallback, margin: int = DISK_MARGIN
) -> None:
    """Write the int8 weights of ``folder`` into the existing, empty ``output``, tensor by tensor.

    The model is built on the meta device only to learn its tensors' names and shapes and which
    are linear or token-embedding weights (``plan_conversion``). Each checkpoint tensor is then
    read on its own, made int8 as ``int8_layers.quantize_model`` makes it, and written at its
    place in the file, whose header is computed from the shapes beforehand; so the process
    holds one float tensor at a time instead of the whole model (issue 14: the 3B model is
    11 GB in float32). The file is the one ``safetensors`` would write for the quantized model,
    byte for byte. ``margin`` is the free disk space wanted beyond the file's size.
    """
    import torch
    import transformers

    quiet_transformers(transformers)
    progress(10, "Preparing the fast engine (once per model): reading the weights…")
    try:
        config = transformers.AutoConfig.from_pretrained(str(folder.path), local_files_only=True)
        with torch.device("meta"):
            model = transformers.AutoModelForSeq2SeqLM.from_config(config)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, KeyError) as error:
        raise EngineError(f"The model in {folder.path} cannot be read: {error}") from error
    plan = plan_conversion(model)
    del model
    layout = SafetensorsLayout(plan.outputs, WEIGHTS_METADATA)
    check_free_space(output, layout.size + margin)
    with open_checkpoint(folder.path) as checkpoint:
        sources = [checkpoint.find(step) for step in plan.steps]  # all there before writing
        with (output / WEIGHTS_FILE).open("wb") as file:
            file.write(layout.header)
            file.truncate(layout.size)
            for number, (step, source) in enumerate(zip(plan.steps, sources, strict=True), 1):
                convert_tensor(step, source, checkpoint, layout, file)
                progress(
                    10 + 69 * number // len(plan.steps),
                    f"Preparing the fast engine: int8 weights ({number} of {len(plan.steps)})…",
                )
    metadata = {
        "format": CONVERSION_FORMAT,
        "source": str(folder.path),
        "model_id": folder.model_id,
        "quantization": "int8",
        "parameters": plan.parameters,
        "tied": plan.tied,
    }
    (output / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    progress(80, "Preparing the fast engine: done")


def convert_tensor(
    step: ConversionStep,
    source: str,
    checkpoint: Checkpoint,
    layout: SafetensorsLayout,
    file: BinaryIO,
) -> None:
    """Read one float tensor and write what it becomes; it is released before the next."""
    import torch

    tensor = checkpoint.read(source) if source else torch.zeros(step.shape)
    if tuple(tensor.shape) != step.shape:
        raise EngineError(
            f"The weights in {checkpoint.path.parent} do not fit the model's config: {source} "
            f"is {list(tensor.shape)}, the model needs {list(step.shape)}."
        )
    quantized: dict[str, Any] = {}
    for name, kind in step.outputs:
        if kind == COPY:
            layout.write(file, name, tensor.to(layout.dtypes[name]))
            continue
        if not quantized:  # a tied weight quantized for several layers: the same rows
            quantized[INT8], quantized[SCALE] = quantize_in_chunks(tensor)
        layout.write(file, name, quantized[kind])
    if source:
        checkpoint.release(tensor)


QUANTIZE_ROWS_AT_ONCE = 1024


def quantize_in_chunks(tensor: Any) -> tuple[Any, Any]:
    """``quantize_rows`` of ``tensor``, a block of rows at a time: each row is scaled on its
    own, so the result is the same, and the float temporaries are a block's, not the whole
    tensor's (a 3B FFN weight is 105 MB; three temporaries of it would be the peak)."""
    import torch

    from core.engines.int8_layers import quantize_rows

    rows = tensor.shape[0]
    values = torch.empty(tuple(tensor.shape), dtype=torch.int8)
    scales = torch.empty(rows, dtype=torch.float32)
    for start in range(0, rows, QUANTIZE_ROWS_AT_ONCE):
        end = min(rows, start + QUANTIZE_ROWS_AT_ONCE)
        values[start:end], scales[start:end] = quantize_rows(tensor[start:end].float())
    return values, scales


def check_free_space(folder: Path, needed: int) -> None:
    """Refuse to start a conversion that would fill the disk holding ``folder``."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise EngineError(
            f"Preparing the fast engine needs {needed / 1e9:.1f} GB free in {folder}, "
            f"only {free / 1e9:.1f} GB free. Free some space or choose the transformers engine."
        )


# What an output tensor is made of: the int8 rows or the scales of ``quantize_rows``, or the
# float tensor itself (cast to the output's dtype).
INT8, SCALE, COPY = "weight_int8", "weight_scale", "copy"


@dataclass(frozen=True)
class OutputTensor:
    """One tensor of the converted file."""

    name: str
    dtype: Any  # a torch dtype
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ConversionStep:
    """One tensor of the float model (under all its tied names), and what it becomes."""

    names: tuple[str, ...]  # its names in the float model's state dict, preferred first
    shape: tuple[int, ...]
    outputs: tuple[tuple[str, str], ...]  # (output name, INT8 / SCALE / COPY)
    may_be_missing: bool  # transformers keeps its initial value, zeros, if the checkpoint lacks it
    prefix: str  # the model's base-model prefix, which checkpoints may have or lack


@dataclass(frozen=True)
class ConversionPlan:
    """What the converted file holds and how each of its tensors is made."""

    steps: list[ConversionStep]
    outputs: list[OutputTensor]  # stored tensors, in the int8 model's state-dict order
    tied: dict[str, str]  # names stored once: name -> the stored name
    parameters: int  # the float model's parameter count (tied weights once)


def plan_conversion(model: Any) -> ConversionPlan:
    """What ``quantize_model`` would make of ``model`` (built on the meta device, then changed).

    Every ``nn.Linear`` weight becomes int8 rows and scales, and so does each token embedding;
    embeddings that share one weight share one int8 copy (stored once, the others ``tied``).
    The linear output layer tied to the embeddings gets its own copy, as ``quantize_model``
    gives it. Everything else is kept in float32. ``model`` ends as the engine's int8 skeleton
    (``int8_skeleton``), whose state-dict names are the names the engine reads.
    """
    import torch

    from core.engines.int8_layers import TOKEN_EMBEDDINGS, int8_skeleton

    float_state = model.state_dict(keep_vars=True)
    tied_names: dict[int, list[str]] = {}
    for name, tensor in float_state.items():
        tied_names.setdefault(id(tensor), []).append(name)
    parameters = sum(p.numel() for p in model.parameters())
    quantized: dict[str, str] = {}  # layer -> the float weight it quantizes
    shared_with: dict[str, str] = {}  # token embedding -> the one that keeps the shared weight
    kept_by: dict[int, str] = {}
    for prefix, module in model.named_modules(remove_duplicate=False):
        for child_name, child in module.named_children():
            path = f"{prefix}.{child_name}" if prefix else child_name
            if isinstance(child, torch.nn.Linear):
                quantized[path] = f"{path}.weight"
            elif isinstance(child, torch.nn.Embedding) and child_name in TOKEN_EMBEDDINGS:
                kept = kept_by.setdefault(id(child.weight), path)
                if kept == path:
                    quantized[path] = f"{path}.weight"
                else:
                    shared_with[path] = kept
    int8_skeleton(model)
    outputs: list[OutputTensor] = []
    tied: dict[str, str] = {}
    made_from: dict[int, list[tuple[str, str]]] = {}
    for name, tensor in model.state_dict(keep_vars=True).items():
        layer, _, field = name.rpartition(".")
        if layer in shared_with:
            tied[name] = f"{shared_with[layer]}.{field}"
            continue
        dtype = torch.float32 if tensor.dtype.is_floating_point else tensor.dtype
        outputs.append(OutputTensor(name, dtype, tuple(tensor.shape)))
        if layer in quantized and field in (INT8, SCALE):
            source, kind = quantized[layer], field
        else:
            source, kind = name, COPY
        made_from.setdefault(id(float_state[source]), []).append((name, kind))
    ignored = getattr(model, "_keys_to_ignore_on_load_missing", None) or []
    steps = []
    for key, made in made_from.items():
        names = tuple(tied_names[key])
        steps.append(
            ConversionStep(
                names=names,
                shape=tuple(float_state[names[0]].shape),
                outputs=tuple(made),
                may_be_missing=any(re.search(p, n) for p in ignored for n in names)
                and not isinstance(float_state[names[0]], torch.nn.Parameter),
                prefix=str(getattr(model, "base_model_prefix", "") or ""),
            )
        )
    return ConversionPlan(steps=steps, outputs=outputs, tied=tied, parameters=parameters)


# safetensors' dtypes in the order of its ``Dtype`` enum: a file stores its tensors by dtype,
# the later ones first, then by name.
SAFETENSORS_DTYPES = (
    *("BOOL", "U8", "I8", "I16", "U16", "F16", "BF16"),
    *("I32", "U32", "F32", "F64", "I64", "U64"),
)
TORCH_DTYPES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "I16": "int16",
    "F16": "float16",
    "BF16": "bfloat16",
    "I32": "int32",
    "F32": "float32",
    "F64": "float64",
    "I64": "int64",
}
SAFETENSORS_ALIGNMENT = 8  # the header is padded with spaces to a multiple of this


class SafetensorsLayout:
    """A safetensors file planned from its tensors' names, dtypes and shapes alone.

    The header (and so every tensor's place in the file) is known before any tensor exists,
    so tensors can be written one at a time, in any order. The layout is the one
    ``safetensors.torch.save_file`` makes: tensors sorted by dtype (as its ``Dtype`` enum,
    later first) then by name; the header in that order, compact, padded with spaces.
    """

    def __init__(self, tensors: Sequence[OutputTensor], metadata: dict[str, str]) -> None:
        import torch

        names = {getattr(torch, torch_name): name for name, torch_name in TORCH_DTYPES.items()}
        ordered = sorted(
            tensors,
            key=lambda t: (-SAFETENSORS_DTYPES.index(names[t.dtype]), t.name.encode()),
        )
        header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
        self.dtypes: dict[str, Any] = {}
        self._places: dict[str, tuple[int, int]] = {}
        offset = 0
        for tensor in ordered:
            size = tensor.dtype.itemsize
            for dimension in tensor.shape:
                size *= dimension
            header[tensor.name] = {
                "dtype": names[tensor.dtype],
                "shape": list(tensor.shape),
                "data_offsets": [offset, offset + size],
            }
            self.dtypes[tensor.name] = tensor.dtype
            self._places[tensor.name] = (offset, size)
            offset += size
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
        text += b" " * (-len(text) % SAFETENSORS_ALIGNMENT)
        self.header = len(text).to_bytes(8, "little") + text
        self.size = len(self.header) + offset

    def write(self, file: BinaryIO, name: str, tensor: Any) -> None:
        """Write ``tensor``'s bytes at the place of ``name`` in ``file``."""
        import torch

        offset, size = self._places[name]
        if tensor.dtype != self.dtypes[name] or tensor.numel() * tensor.dtype.itemsize != size:
            raise ValueError(f"{name} is not the planned {self.dtypes[name]} of {size} bytes")
        data = memoryview(tensor.contiguous().view(-1).view(torch.uint8).numpy())
        file.seek(len(self.header) + offset)
        file.write(data)


@contextlib.contextmanager
def open_checkpoint(folder: Path) -> Iterator[Checkpoint]:
    """The folder's weights, read one tensor at a time (``model.safetensors`` first, as
    transformers prefers it)."""
    checkpoint: Checkpoint
    safetensors_file = folder / "model.safetensors"
    try:
        if safetensors_file.is_file():
            checkpoint = SafetensorsCheckpoint(safetensors_file)
        else:
            checkpoint = PickleCheckpoint(folder / "pytorch_model.bin")
    except (OSError, RuntimeError, ValueError, KeyError, pickle.UnpicklingError) as error:
        raise EngineError(f"The weights in {folder} cannot be read: {error}") from error
    try:
        yield checkpoint
    finally:
        checkpoint.close()


class Checkpoint:
    """A checkpoint's tensors by name; ``read`` one, ``release`` it when done."""

    def __init__(self, path: Path, names: set[str]) -> None:
        self.path = path
        self.names = names

    def find(self, step: ConversionStep) -> str:
        """The checkpoint's name for the tensor ``step`` needs ("" for one left at zeros).

        Checkpoints may store tied weights under any of their names, and may have or lack the
        base model's prefix (``model.``), as transformers accepts.
        """
        for name in step.names:
            variants = [name]
            if step.prefix and name.startswith(f"{step.prefix}."):
                variants.append(name[len(step.prefix) + 1 :])
            elif step.prefix:
                variants.append(f"{step.prefix}.{name}")
            for variant in variants:
                if variant in self.names:
                    return variant
        if step.may_be_missing:
            return ""
        raise EngineError(f"The weights in {self.path} lack {step.names[0]}.")

    def read(self, name: str) -> Any:
        raise NotImplementedError

    def release(self, tensor: Any) -> None:
        """Forget ``tensor``'s memory once it is converted."""

    def close(self) -> None:
        """Let go of the file."""


class PickleCheckpoint(Checkpoint):
    """``pytorch_model.bin``: a zip-format pickle is memory-mapped, tensor data read on use.

    The pages of each tensor are dropped from this process once it is converted (they count
    in its memory while mapped, although the system could reclaim them). A legacy (non-zip)
    pickle cannot be mapped and is read whole.
    """

    def __init__(self, path: Path) -> None:
        import torch

        self.mapped = zipfile.is_zipfile(path)
        tensors = torch.load(path, mmap=self.mapped, weights_only=True, map_location="cpu")
        if not isinstance(tensors, dict):
            raise ValueError(f"{path.name} holds no named tensors")
        self._tensors: dict[str, Any] = tensors
        super().__init__(path, set(tensors))

    def read(self, name: str) -> Any:
        return self._tensors[name]

    def release(self, tensor: Any) -> None:
        if self.mapped:
            storage = tensor.untyped_storage()
            forget_mapped_pages(storage.data_ptr(), storage.nbytes())

    def close(self) -> None:
        self._tensors.clear()


def forget_mapped_pages(address: int, size: int) -> None:
    """Drop the whole pages of a read-only file mapping in ``[address, address + size)``.

    They stay in the system's file cache; touched again, they are read from the file again.
    Only for private file mappings that were never written to (anonymous memory would be
    zeroed). Linux only; elsewhere nothing happens.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    page = mmap.PAGESIZE
    start = -(-address // page) * page
    end = (address + size) // page * page
    if end <= start:
        return
    with contextlib.suppress(OSError, AttributeError):
        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        madvise(start, end - start, mmap.MADV_DONTNEED)


class SafetensorsCheckpoint(Checkpoint):
    """``model.safetensors``, each tensor read into its own memory (not mapped: mapped pages
    stay in this process until the whole file is closed)."""

    def __init__(self, path: Path) -> None:
        self._stream = path.open("rb")
        try:
            header_size = int.from_bytes(self._stream.read(8), "little")
            if not 2 <= header_size <= 100_000_000:
                raise ValueError(f"{path.name} is not a safetensors file")
            self._header: dict[str, Any] = json.loads(self._stream.read(header_size))
        except BaseException:
            self._stream.close()
            raise
        self._header.pop("__metadata__", None)
        self._base = 8 + header_size
        super().__init__(path, set(self._header))

    def read(self, name: str) -> Any:
        import torch

        entry = self._header[name]
        if entry["dtype"] not in TORCH_DTYPES:
            raise EngineError(f"{name} in {self.path} has a dtype Confab cannot read.")
        dtype = getattr(torch, TORCH_DTYPES[entry["dtype"]])
        start, end = entry["data_offsets"]
        data = torch.empty(end - start, dtype=torch.uint8)
        self._stream.seek(self._base + start)
        if self._stream.readinto(memoryview(data.numpy())) != end - start:  # type: ignore[arg-type]
            raise EngineError(f"{self.path} is truncated.")
        return data.view(dtype).reshape(entry["shape"])

    def close(self) -> None:
        self._stream.close()


if __name__ == "__main__":
    if sys.argv[1:2] != [CONVERT_FLAG]:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT", file=sys.stderr)
        sys.exit(2)
    sys.exit(convert_main(sys.argv[2:]))

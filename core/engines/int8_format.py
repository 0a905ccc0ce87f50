"""The int8 engine's converted model on disk: where it lives, how it is made, when it is done.

Everything about a conversion is here, so the engine (``int8_engine``) only loads and runs
what this module made, and nothing here imports the engine:

- the folder: ``<data_dir>/models/<name>-<hash>-torch-int8/``, keyed on the source files'
  sizes and times and on ``CONVERSION_FORMAT``, so changed files or a new format get a new
  folder and later loads reuse it (``conversion_dir``);
- its contents: ``WEIGHTS_FILE`` (int8 weights, tied tensors stored once) and
  ``METADATA_FILE`` (format, source, parameter count, tied names) (``convert_to_int8``);
- when it is usable: both files present (``is_complete``). A conversion is written to a
  temporary folder beside its target (named with ``PARTIAL_MARKER`` and the writer's pid)
  and renamed into place when complete, so an interrupted one is never used;
- cleanup: partial folders whose process has ended, and this model's conversions that the
  new one replaces;
- the child process that converts (``CONVERT_FLAG``, ``convert_main``).

The child process reads the checkpoint through transformers' own loading code and needs about
three times the int8 model's memory; doing that in the app's process would keep that memory
and stall the window (unpickling holds the GIL ~240 ms at a time). The child returns both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
SOURCE_FILES = tuple(
    name for name in DOWNLOAD_PATTERNS if "*" not in name and name != "README.md"
)
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

    convert_to_int8(check_folder(Path(source), model_id), Path(output), report)
    return 0


def convert_to_int8(folder: ModelFolder, output: Path, progress: ProgressCallback) -> None:
    """Write the int8 weights of ``folder`` into the existing, empty ``output``."""
    import safetensors.torch
    import torch
    import transformers

    from core.engines.int8_layers import quantize_model

    quiet_transformers(transformers)
    progress(10, "Preparing the fast engine (once per model): reading the weights…")
    path = str(folder.path)
    model = transformers.AutoModelForSeq2SeqLM.from_pretrained(
        path, local_files_only=True, dtype=torch.float32
    )
    parameters = sum(p.numel() for p in model.parameters())
    progress(40, "Preparing the fast engine: int8 weights…")
    with torch.no_grad():
        quantize_model(model)
    progress(65, "Preparing the fast engine: writing the int8 model…")
    unique: dict[str, Any] = {}
    tied: dict[str, str] = {}
    seen: dict[tuple[int, tuple[int, ...]], str] = {}
    for name, tensor in model.state_dict().items():
        key = (tensor.data_ptr(), tuple(tensor.shape))
        if key in seen:
            tied[name] = seen[key]
        else:
            seen[key] = name
            unique[name] = tensor.contiguous()
    safetensors.torch.save_file(unique, str(output / WEIGHTS_FILE), metadata={"format": "int8"})
    metadata = {
        "format": CONVERSION_FORMAT,
        "source": path,
        "model_id": folder.model_id,
        "quantization": "int8",
        "parameters": parameters,
        "tied": tied,
    }
    (output / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    progress(80, "Preparing the fast engine: done")


if __name__ == "__main__":
    if sys.argv[1:2] != [CONVERT_FLAG]:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT", file=sys.stderr)
        sys.exit(2)
    sys.exit(convert_main(sys.argv[2:]))

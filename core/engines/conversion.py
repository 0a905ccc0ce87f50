"""Converting a checkpoint once per model, in a child process, into ``<data_dir>/models/``.

The int8 engine prepares its weights this way. A conversion is written to a temporary folder
beside its target and renamed into place when complete, so an interrupted one is never
used; later loads reuse the folder, which is keyed on the source files' sizes and times.

The child process reads the checkpoint through transformers' own loading code and needs about
three times the int8 model's memory; doing that in the app's process would keep that memory
and stall the window (unpickling holds the GIL ~240 ms at a time). The child returns both.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core.engines.base import EngineError, ProgressCallback
from core.models import DOWNLOAD_PATTERNS, ModelFolder

log = logging.getLogger(__name__)

# The files a conversion is made from (their sizes and times key the converted folder).
SOURCE_FILES = tuple(name for name in DOWNLOAD_PATTERNS if "*" not in name)
METADATA_FILE = "confab.json"
PARTIAL_MARKER = ".partial-"
PROGRESS_PREFIX = "confab-progress "
CONVERT_FLAG = "--convert-fast-model"


def conversion_dir(folder: ModelFolder, data_dir: Path, tag: str, version: int) -> Path:
    """Where the conversion ``tag`` (format ``version``) of these source files lives."""
    digest = hashlib.sha256()
    digest.update(f"format {version}\n".encode())
    for name in SOURCE_FILES:
        path = folder.path / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.model_id).strip("._") or "model"
    return data_dir / "models" / f"{safe_name}-{digest.hexdigest()[:12]}-{tag}"


def is_complete(path: Path, weights_file: str) -> bool:
    """A finished conversion: renamed into place, with its weights and metadata."""
    return (path / weights_file).is_file() and (path / METADATA_FILE).is_file()


def convert_atomically(
    folder: ModelFolder, target: Path, weights_file: str, progress: ProgressCallback
) -> None:
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
        if is_complete(target, weights_file):  # another process finished it first
            log.info("Using the conversion another process finished: %s", target)
            return
        raise EngineError(
            f"The model in {folder.path} could not be converted for the fast engine: {error}"
        ) from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)


# Conversions this app once made and no longer reads: CTranslate2's, by the first fast engine.
RETIRED_TAGS = ("int8", "float32")
CONVERSION_NAME = re.compile(r"(?P<stem>.+)-(?P<hash>[0-9a-f]{12})-(?P<tag>[A-Za-z0-9-]+)")


def remove_stale_conversions(target: Path) -> None:
    """Delete earlier conversions of the same model that ``target`` replaces.

    They are folders named like ``target`` but for other source files or an older format
    (the hash differs), or in a format no engine reads any more; each holds several
    hundred MB. Only folders with this app's metadata file are touched.
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
            and other["tag"] in (this["tag"], *RETIRED_TAGS)
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
    if getattr(sys, "frozen", False):  # PyInstaller: main.py routes the flag here
        return [sys.executable, *arguments]
    return [sys.executable, "-m", "core.engines.conversion", *arguments]


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
    from core.models import check_folder

    if len(arguments) != 3:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT", file=sys.stderr)
        return 2
    source, model_id, output = arguments

    def report(percent: int, text: str) -> None:
        print(f"{PROGRESS_PREFIX}{percent} {text}", flush=True)

    from core.engines.int8_engine import convert_to_int8

    convert_to_int8(check_folder(Path(source), model_id), Path(output), report)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != [CONVERT_FLAG]:
        print(f"usage: {CONVERT_FLAG} SOURCE MODEL_ID OUTPUT", file=sys.stderr)
        sys.exit(2)
    sys.exit(convert_main(sys.argv[2:]))

"""Model references: a hub id (Hugging Face cache first, download only on consent) or a folder.

Nothing here touches the network unless ``plan_download``/``download`` is called, and those
refuse when offline mode is on. Folders are checked before loading so a bad one gets a
message naming the folder and what is wrong, not a stack trace from deep inside transformers.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL_ID = "facebook/blenderbot-400M-distill"

# Only what the PyTorch model and its tokenizer need, never the TF/Flax weights; and the
# model card (README.md), whose front matter states the model's license (Help > About).
DOWNLOAD_PATTERNS = [
    "config.json",
    "generation_config.json",
    "pytorch_model.bin",
    "model.safetensors",
    "vocab.json",
    "merges.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "*.model",
    "README.md",
]
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "tokenizer.model", "spiece.model")
SEQ2SEQ_ARCHITECTURES = {
    "BlenderbotForConditionalGeneration",
    "BlenderbotSmallForConditionalGeneration",
}
CAUSAL_SUFFIX = "ForCausalLM"


class ModelError(Exception):
    """A model reference cannot be used; the message says which and why."""


class ModelNotCached(ModelError):
    """A hub model is not in the local cache; it can be downloaded with the user's consent."""

    def __init__(self, repo_id: str) -> None:
        super().__init__(f"The model {repo_id} is not on this computer yet.")
        self.repo_id = repo_id


class DownloadCancelled(Exception):
    """The user cancelled a download; the files fetched completely so far are kept."""


def offline_mode() -> bool:
    """Whether network access is forbidden (``--offline`` sets ``HF_HUB_OFFLINE=1``)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def is_local_reference(reference: str) -> bool:
    """A reference that names a folder (or looks like a path) rather than a hub id."""
    path = Path(reference).expanduser()
    return path.exists() or reference.startswith((".", "/", "~")) or os.sep in reference[1:3]


@dataclass(frozen=True)
class ModelFolder:
    """A folder with a checked model in it, and the name to show for it."""

    model_id: str
    path: Path
    architecture: str
    config: dict[str, Any]
    gguf_file: str | None = None  # a single-file GGUF model in ``path``

    @property
    def is_seq2seq(self) -> bool:
        return self.architecture in SEQ2SEQ_ARCHITECTURES

    @property
    def context_limit(self) -> int:
        for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
            value = self.config.get(key)
            if isinstance(value, int) and value > 0:
                return value
        return 2048


def resolve(reference: str) -> ModelFolder:
    """The checked model folder for a hub id or a folder path, without network access.

    Raises ``ModelNotCached`` for a hub id missing from the cache, ``ModelError`` otherwise.
    """
    if is_local_reference(reference):
        path = Path(reference).expanduser().resolve()
        return check_folder(path, model_id=path.name)
    return check_folder(cached_snapshot(reference), model_id=reference)


def cached_snapshot(repo_id: str) -> Path:
    """The folder of a hub model in the standard Hugging Face cache, looked up offline."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        folder = snapshot_download(repo_id, allow_patterns=DOWNLOAD_PATTERNS, local_files_only=True)
    except HFValidationError as error:
        raise ModelError(f"'{repo_id}' is neither a model folder nor a model id: {error}") from None
    except (LocalEntryNotFoundError, FileNotFoundError):
        raise ModelNotCached(repo_id) from None
    path = Path(str(folder))
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        raise ModelNotCached(repo_id)
    return path


def check_folder(path: Path, model_id: str) -> ModelFolder:
    """Check that ``path`` holds a model the app can chat with; say what is wrong if not."""
    if not path.is_dir():
        raise ModelError(f"The folder {path} does not exist.")
    config_path = path / "config.json"
    gguf_files = sorted(path.glob("*.gguf"))
    if not config_path.is_file() and len(gguf_files) == 1:
        return check_gguf(gguf_files[0], model_id)
    if not config_path.is_file():
        raise ModelError(f"The folder {path} has no config.json, so it holds no model.")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"The config.json in {path} cannot be read: {error}") from None
    if not isinstance(config, dict):
        raise ModelError(f"The config.json in {path} is not a JSON object.")
    architectures = config.get("architectures") or []
    architecture = architectures[0] if architectures and isinstance(architectures[0], str) else ""
    if architecture not in SEQ2SEQ_ARCHITECTURES and not architecture.endswith(CAUSAL_SUFFIX):
        shown = architecture or "no architecture"
        raise ModelError(
            f"The model in {path} is a {shown}, which Confab cannot chat with. "
            "Confab chats with BlenderBot models and causal language models."
        )
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        raise ModelError(
            f"The folder {path} has no weights (model.safetensors or pytorch_model.bin)."
        )
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise ModelError(
            f"The folder {path} has no tokenizer files (vocab.json or tokenizer.json)."
        )
    return ModelFolder(model_id=model_id, path=path, architecture=architecture, config=config)


GGUF_CONTEXT_CAP = 2048  # prompt tokens: more only slows a CPU down


def check_gguf(file: Path, model_id: str) -> ModelFolder:
    """A folder holding one GGUF file (a quantized causal LM with its tokenizer inside)."""
    try:
        from gguf import GGUFReader

        reader = GGUFReader(str(file))
        fields = reader.fields

        def value(key: str) -> Any:
            field = fields.get(key)
            return field.contents() if field is not None else None

        architecture = str(value("general.architecture") or "")
        context = value(f"{architecture}.context_length")
    except ImportError:
        raise ModelError("Reading GGUF models needs the 'gguf' package.") from None
    except Exception as error:  # noqa: BLE001 - a damaged file fails in many ways
        raise ModelError(f"The GGUF file {file} cannot be read: {error}") from None
    if not architecture:
        raise ModelError(f"The GGUF file {file} does not say which architecture it holds.")
    limit = min(int(context), GGUF_CONTEXT_CAP) if isinstance(context, int) else GGUF_CONTEXT_CAP
    return ModelFolder(
        model_id=model_id if model_id != file.parent.name else file.stem,
        path=file.parent,
        architecture=f"{architecture} (GGUF)",
        config={"max_position_embeddings": limit},
        gguf_file=file.name,
    )


@dataclass(frozen=True)
class DownloadPlan:
    """What a download of a hub model would fetch."""

    repo_id: str
    files: dict[str, int]  # file name -> size in bytes
    cached_bytes: int

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def plan_download(repo_id: str) -> DownloadPlan:
    """Ask the hub which files a download would fetch and how big they are (network)."""
    if offline_mode():
        raise ModelError("Offline mode is on: Confab will not download anything.")
    from huggingface_hub import snapshot_download

    try:
        infos = snapshot_download(repo_id, allow_patterns=DOWNLOAD_PATTERNS, dry_run=True)
    except Exception as error:  # noqa: BLE001 - any network or hub failure is shown as is
        raise ModelError(f"Cannot reach the Hugging Face hub for {repo_id}: {error}") from None
    assert isinstance(infos, list)
    names = {info.filename for info in infos}
    # A repo with both weight formats needs only one: transformers loads model.safetensors.
    skip = {"pytorch_model.bin"} if "model.safetensors" in names else set()
    wanted = [info for info in infos if info.filename not in skip]
    # Weights last: a snapshot with its weights then also has every other planned file, so an
    # interrupted download is never mistaken for a complete model (see ``cached_snapshot``).
    wanted.sort(key=lambda info: (info.filename in WEIGHT_FILES, info.filename))
    files = {info.filename: info.file_size or 0 for info in wanted}
    cached = sum(info.file_size or 0 for info in wanted if info.is_cached)
    return DownloadPlan(repo_id=repo_id, files=files, cached_bytes=cached)


ByteProgress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``."""


def download(plan: DownloadPlan, progress: ByteProgress, cancel: threading.Event) -> ModelFolder:
    """Fetch the planned files one by one into the Hugging Face cache, weights last; cancellable.

    A dropped connection is resumed with a Range request within the same attempt. After a
    cancel the complete files stay in the cache and the next attempt skips them; the file that
    was being fetched starts over (``huggingface_hub`` 2.x discards partial files).
    """
    if offline_mode():
        raise ModelError("Offline mode is on: Confab will not download anything.")
    from huggingface_hub import hf_hub_download
    from tqdm.auto import tqdm

    total = plan.total_bytes
    finished = 0

    class ReportingTqdm(tqdm):  # type: ignore[misc]
        """Forwards the hub's byte counts to ``progress`` and aborts on cancel."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = False
            self.sink = open(os.devnull, "w")  # noqa: SIM115 - windowed builds have no stderr
            kwargs["file"] = self.sink
            super().__init__(*args, **kwargs)

        def close(self) -> None:
            super().close()
            self.sink.close()

        def update(self, n: float | None = 1) -> bool | None:
            if cancel.is_set():
                raise DownloadCancelled()
            result: bool | None = super().update(n)
            progress(finished + int(self.n), total)
            return result

    ordered = sorted(plan.files.items(), key=lambda item: item[0] in WEIGHT_FILES)
    for filename, size in ordered:
        if cancel.is_set():
            raise DownloadCancelled()
        hf_hub_download(plan.repo_id, filename, tqdm_class=ReportingTqdm)
        finished += size
        progress(finished, total)
    return check_folder(cached_snapshot(plan.repo_id), model_id=plan.repo_id)

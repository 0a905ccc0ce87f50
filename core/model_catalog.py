"""The models Confab offers: the BlenderBot family as data, what is on this computer, removal.

Nothing here touches the network or imports Qt:

- ``FAMILY``: the four BlenderBot checkpoints with their download size, parameter count,
  license and a one-line description (numbers in ``_FAMILY_TABLE``, approximate);
- ``ram_bytes``: the memory a model needs per engine, from a documented formula;
- ``memory_fits`` / ``memory_shortfalls``: whether that fits in the memory available now
  (``available_memory_bytes``), so the GUI can warn before loading a model that does not;
- ``cache_status``: whether a hub model is in the Hugging Face cache (looked up offline);
- ``int8_conversions``: the int8 conversions Confab made of a model (``int8_format`` naming);
- ``removal_plan`` / ``remove_model``: what removing a model deletes (Confab's int8
  conversions, inside ``<data_dir>/models`` only, and the hub cache entry, through
  ``huggingface_hub``'s cache API) and doing it. A local folder is never deleted;
- ``entry_for``: a ``CatalogEntry`` for any reference (a family member, a typed hub id, a
  folder);
- ``add_recent`` / ``forget_recent``: the recent-models list as pure functions over a list of
  references (the GUI stores it with ``AppSettings.recent_models``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.engines.int8_format import CONVERSION_NAME, CONVERSION_TAG, METADATA_FILE
from core.models import ModelError, ModelNotCached, cached_snapshot, is_local_reference

if TYPE_CHECKING:
    from huggingface_hub import CachedRepoInfo, HFCacheInfo

log = logging.getLogger(__name__)

EntryKind = Literal["family", "hub", "folder"]
CacheStatus = Literal["downloaded", "partly downloaded", "not downloaded"]
RamEngine = Literal["transformers", "fast"]
RAM_ENGINES: tuple[RamEngine, ...] = ("fast", "transformers")

BLENDERBOT = "BlenderbotForConditionalGeneration"
BLENDERBOT_SMALL = "BlenderbotSmallForConditionalGeneration"
INT8_ARCHITECTURES = frozenset({BLENDERBOT})  # what ``int8_engine.supports`` accepts
BLENDERBOT_LICENSE = "Apache-2.0"
MAX_RECENT = 8  # as ``gui.app_settings.MAX_RECENT_MODELS``

# Memory a loaded model needs, approximately (``ram_bytes``):
#   transformers (float32 on the CPU): 4 bytes per parameter;
#   fast (int8): 1 byte per parameter for the linear layers and the token embedding, which
#     are int8, plus 4 bytes for each parameter kept in float32 (position embeddings, layer
#     norms, biases; about 0.1% of these models), so 1 + 3 extra bytes for those;
#   plus the runtime (Python, Qt, torch, the tokenizer; transformers' model and generation
#     code for the transformers engine only) and a reply's activations and beam-10
#     key/value caches, which grow with the model's width and depth: RUNTIME_BYTES and
#     REPLY_BYTES_PER_PARAMETER per engine. The fast engine keeps the input's keys and
#     values once for all beams and a big reply's in bfloat16, so its replies grow less.
# The fast engine's first load converts the model once in a child process (about 570 MB).
# The fast engine's figures are fitted to the app's peak RSS with it that
# ``python -m bench --model 400m|1b|3b --repeats 1`` measured (one run each, 2026-12-07, a
# 2-core Xeon): 400M-distill 0.84 GB, 1B-distill 1.93 GB, 3B 3.29 GB; the formula gives
# 0.84, 1.97 and 3.30 GB. The transformers engine's are those fitted on 2026-12-01.
FLOAT32_BYTES = 4
INT8_BYTES = 1
RUNTIME_BYTES: dict[RamEngine, int] = {"transformers": 520_000_000, "fast": 456_000_000}
REPLY_BYTES_PER_PARAMETER: dict[RamEngine, float] = {"transformers": 0.14, "fast": 0.05}

# The BlenderBot family on the Hugging Face hub. All numbers are approximate:
# - download: bytes of the weight file a download fetches (``core.models.plan_download``
#   takes model.safetensors when a repo has it, else pytorch_model.bin), as the hub's file
#   listings show them, rounded (90M: pytorch_model.bin 350 MB; 400M-distill:
#   model.safetensors 730 MB, float16, where its pytorch_model.bin is 1.46 GB; 1B-distill:
#   pytorch_model.bin 2.6 GB; 3B: pytorch_model.bin 5.6 GB; the 400M model.safetensors and
#   the 1B and 3B files hold float16 weights, about 2 bytes per parameter, the 90M file
#   float32); the tokenizer and config files add about 1 MB;
# - parameters and float32_parameters: counted by building each config with transformers
#   on torch's meta device; float32_parameters are those the int8 engine keeps in float32
#   (see above). The 400M-distill config is the published one in ``random_models/configs``
#   (tests/test_model_catalog.py checks these two counts against it); the others use the
#   published dimensions as recalled, unchecked here since the hub cannot be reached:
#   90M d_model 512, 8 encoder + 8 decoder layers, feed-forward 2048, vocabulary 54944,
#   512 positions; 1B-distill d_model 2560, 2 + 12 layers, feed-forward 10240, vocabulary
#   8008; 3B as 1B-distill with 2 + 24 layers.
# repo id, architecture, download bytes, parameters, float32 parameters, description
_FAMILY_TABLE: tuple[tuple[str, str, int, int, int, str], ...] = (
    (
        "facebook/blenderbot_small-90M",
        BLENDERBOT_SMALL,
        350_000_000,
        87_508_992,
        657_408,
        "The smallest and quickest; short, simple replies.",
    ),
    (
        "facebook/blenderbot-400M-distill",
        BLENDERBOT,
        730_000_000,
        364_802_560,
        657_920,
        "The default: distilled from the 3B model, good replies on any recent computer.",
    ),
    (
        "facebook/blenderbot-1B-distill",
        BLENDERBOT,
        2_600_000_000,
        1_437_393_920,
        1_315_840,
        "Distilled from the 3B model; better replies, needs a fast computer.",
    ),
    (
        "facebook/blenderbot-3B",
        BLENDERBOT,
        5_600_000_000,
        2_696_268_800,
        1_899_520,
        "The largest; the best replies, slow without a GPU and much memory.",
    ),
)


@dataclass(frozen=True)
class CatalogEntry:
    """A model the picker can offer: a family member, a typed-in hub id, or a local folder.

    Only family members carry sizes; for the others they are unknown (``None``).
    """

    reference: str  # the hub id, or the folder's path
    kind: EntryKind
    description: str = ""
    architecture: str = ""
    download_bytes: int | None = None
    parameters: int | None = None
    float32_parameters: int = 0
    license: str = ""

    @property
    def is_folder(self) -> bool:
        return self.kind == "folder"

    @property
    def name(self) -> str:
        """What a list shows: the hub id, or the folder's name."""
        return Path(self.reference).name if self.is_folder else self.reference

    def ram_bytes(self, engine: RamEngine) -> int | None:
        """The memory this model needs with ``engine``; None if unknown or not runnable."""
        if self.parameters is None:
            return None
        if engine == "fast" and self.architecture not in INT8_ARCHITECTURES:
            return None
        return ram_bytes(self.parameters, engine, self.float32_parameters)


FAMILY: tuple[CatalogEntry, ...] = tuple(
    CatalogEntry(
        reference=repo_id,
        kind="family",
        description=description,
        architecture=architecture,
        download_bytes=download,
        parameters=parameters,
        float32_parameters=float32_parameters,
        license=BLENDERBOT_LICENSE,
    )
    for repo_id, architecture, download, parameters, float32_parameters, description in (
        _FAMILY_TABLE
    )
)
FAMILY_IDS = tuple(entry.reference for entry in FAMILY)


def weight_bytes(parameters: int, engine: RamEngine, float32_parameters: int = 0) -> int:
    """The bytes of a model's weights in memory with ``engine`` (formula above)."""
    if engine == "fast":
        return INT8_BYTES * parameters + (FLOAT32_BYTES - INT8_BYTES) * float32_parameters
    return FLOAT32_BYTES * parameters


def ram_bytes(parameters: int, engine: RamEngine, float32_parameters: int = 0) -> int:
    """Approximate memory for a model of ``parameters`` with ``engine`` (formula above)."""
    weights = weight_bytes(parameters, engine, float32_parameters)
    reply = int(REPLY_BYTES_PER_PARAMETER[engine] * parameters)
    return weights + RUNTIME_BYTES[engine] + reply


def memory_fits(needed_bytes: int, available_bytes: int) -> bool:
    """Whether a model needing ``needed_bytes`` fits in ``available_bytes`` of free memory.

    ``available_bytes`` is what the system can give without swapping (psutil's
    ``virtual_memory().available``); ``needed_bytes`` already counts the runtime, so no
    further margin is added.
    """
    return needed_bytes <= available_bytes


def available_memory_bytes() -> int:
    """The memory available for a new model now, without swapping (psutil)."""
    import psutil

    return int(psutil.virtual_memory().available)


def engine_for_memory(entry: CatalogEntry, choice: str) -> RamEngine:
    """The engine whose memory ``entry`` needs with engine choice ``choice``: "auto" runs
    BlenderBot models with the fast engine (on the CPU) and others with transformers."""
    if choice == "transformers" or entry.architecture not in INT8_ARCHITECTURES:
        return "transformers"
    return "fast"


@dataclass(frozen=True)
class MemoryShortfall:
    """A model that needs more memory with ``engine`` than is available."""

    engine: RamEngine
    needed_bytes: int
    available_bytes: int


def memory_shortfalls(entry: CatalogEntry, available_bytes: int) -> list[MemoryShortfall]:
    """The engines (fast first) with which ``entry`` does not fit in ``available_bytes``.

    Engines that cannot run it, and models whose size is unknown, are never listed.
    """
    shortfalls = []
    for engine in RAM_ENGINES:
        needed = entry.ram_bytes(engine)
        if needed is not None and not memory_fits(needed, available_bytes):
            shortfalls.append(MemoryShortfall(engine, needed, available_bytes))
    return shortfalls


def family_entry(repo_id: str) -> CatalogEntry | None:
    """The family member ``repo_id``, if it is one."""
    return next((entry for entry in FAMILY if entry.reference == repo_id), None)


def entry_for(reference: str) -> CatalogEntry:
    """The entry for any reference: a family member, a local folder, or another hub id."""
    member = family_entry(reference)
    if member is not None:
        return member
    if is_local_reference(reference):
        return CatalogEntry(reference=reference, kind="folder", description="A local folder")
    return CatalogEntry(reference=reference, kind="hub", description="A model on the hub")


def hub_id_problem(text: str) -> str:
    """Why ``text`` is not a usable hub id ("" when it is one)."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id  # type: ignore[attr-defined]

    if not text.strip():
        return "Type a model id such as facebook/blenderbot-400M-distill."
    try:
        validate_repo_id(text.strip())
    except HFValidationError as error:
        return str(error)
    return ""


# -- the Hugging Face cache ------------------------------------------------------------------
def _hub_cache_dir() -> Path:
    import huggingface_hub.constants as constants  # read at call time: HF_HUB_CACHE may change

    return Path(constants.HF_HUB_CACHE)


def _repo_folder(repo_id: str) -> Path:
    from huggingface_hub.file_download import repo_folder_name

    return _hub_cache_dir() / repo_folder_name(repo_id=repo_id, repo_type="model")


def cache_status(repo_id: str) -> CacheStatus:
    """Whether hub model ``repo_id`` is in the Hugging Face cache, looked up without network.

    "partly downloaded": the cache has some of its files (an interrupted download).
    """
    try:
        cached_snapshot(repo_id)
    except ModelNotCached:
        return "partly downloaded" if _repo_folder(repo_id).is_dir() else "not downloaded"
    except (ModelError, OSError):
        return "not downloaded"
    return "downloaded"


@dataclass(frozen=True)
class CachedRepo:
    """A hub model's entry in the Hugging Face cache, as ``scan_cache_dir`` reports it."""

    repo_id: str
    path: Path
    size_bytes: int


def _scan_cache() -> HFCacheInfo | None:
    """The Hugging Face cache's scan, or None if there is no cache folder."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        return scan_cache_dir(_hub_cache_dir())
    except (CacheNotFound, ValueError, OSError):
        return None


def _cached_repo_info(info: HFCacheInfo | None, repo_id: str) -> CachedRepoInfo | None:
    if info is None:
        return None
    return next(
        (r for r in info.repos if r.repo_type == "model" and r.repo_id == repo_id),
        None,
    )


def cached_repo(repo_id: str) -> CachedRepo | None:
    """The cache entry of hub model ``repo_id``, complete or not; None if it has none."""
    repo = _cached_repo_info(_scan_cache(), repo_id)
    if repo is None:
        return None
    return CachedRepo(repo_id, Path(repo.repo_path), int(repo.size_on_disk))


# -- Confab's int8 conversions ---------------------------------------------------------------
def _models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def _conversion_of(folder: Path, reference: str) -> bool:
    """Whether ``folder`` (a complete conversion's folder) was made from ``reference``."""
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(metadata, dict):
        return False
    source = Path(str(metadata.get("source", "")))
    if is_local_reference(reference):
        try:
            return source.resolve() == Path(reference).expanduser().resolve()
        except OSError:
            return False
    # A hub model's conversion names it and was made from its snapshot in a hub cache
    # (``.../models--owner--name/snapshots/<commit>``), wherever that cache was then.
    from huggingface_hub.file_download import repo_folder_name

    return metadata.get("model_id") == reference and source.parent.parent.name == (
        repo_folder_name(repo_id=reference, repo_type="model")
    )


def int8_conversions(data_dir: Path, reference: str) -> list[Path]:
    """The int8 conversions Confab made of ``reference`` (hub id or folder), oldest name first.

    Only folders directly in ``<data_dir>/models`` named as ``int8_format`` names them and
    holding its metadata file count; a symbolic link never does.
    """
    models = _models_dir(data_dir)
    if not models.is_dir():
        return []
    found = []
    for folder in sorted(models.iterdir()):
        match = CONVERSION_NAME.fullmatch(folder.name)
        if (
            match is not None
            and match["tag"] == CONVERSION_TAG
            and folder.is_dir()
            and not folder.is_symlink()
            and _conversion_of(folder, reference)
        ):
            found.append(folder)
    return found


# -- removal ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Removal:
    """What removing a model deletes (a plan) or deleted (after ``remove_model``)."""

    reference: str
    cache_entry: Path | None = None  # the hub cache's folder for the model
    cache_bytes: int = 0
    conversions: tuple[Path, ...] = ()  # Confab's int8 conversions
    conversion_bytes: int = 0

    @property
    def paths(self) -> tuple[Path, ...]:
        entry = (self.cache_entry,) if self.cache_entry is not None else ()
        return entry + self.conversions

    @property
    def total_bytes(self) -> int:
        return self.cache_bytes + self.conversion_bytes

    @property
    def is_empty(self) -> bool:
        return not self.paths


def removal_plan(reference: str, data_dir: Path) -> Removal:
    """What ``remove_model`` would delete for ``reference``, and how many bytes that frees.

    A local folder is never in it: only Confab's int8 conversions of that folder.
    """
    conversions = tuple(int8_conversions(data_dir, reference))
    plan = Removal(
        reference=reference,
        conversions=conversions,
        conversion_bytes=sum(_folder_bytes(c) for c in conversions),
    )
    if is_local_reference(reference) or hub_id_problem(reference):
        return plan
    repo = cached_repo(reference)
    if repo is None:
        return plan
    return replace(plan, cache_entry=repo.path, cache_bytes=repo.size_bytes)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().parent == folder.resolve()
    except OSError:
        return False


def remove_model(reference: str, data_dir: Path) -> Removal:
    """Delete Confab's int8 conversions of ``reference`` and its hub cache entry; what was freed.

    The conversions are deleted only from ``<data_dir>/models``; the cache entry only through
    ``huggingface_hub``'s cache API, for this model alone (even where other cached models
    share a commit hash). A local folder model is never deleted.
    """
    plan = removal_plan(reference, data_dir)
    models = _models_dir(data_dir)
    removed: list[Path] = []
    freed = 0
    for folder in plan.conversions:
        if folder.is_symlink() or not _inside(folder, models):
            continue  # never outside Confab's own folder
        size = _folder_bytes(folder)
        log.info("Removing the int8 conversion %s", folder)
        shutil.rmtree(folder)
        removed.append(folder)
        freed += size
    result = Removal(reference=reference, conversions=tuple(removed), conversion_bytes=freed)
    if plan.cache_entry is None:
        return result
    info = _scan_cache()
    repo = _cached_repo_info(info, reference)
    if info is None or repo is None:
        return result
    # Only this repo in the scan: ``delete_revisions`` matches commit hashes in every repo
    # it is given, and two repos can share one (copied caches, the tests' random models).
    only_this = replace(info, repos=frozenset({repo}))
    revisions = [revision.commit_hash for revision in repo.revisions]
    log.info("Removing %s from the Hugging Face cache", reference)
    only_this.delete_revisions(*revisions).execute()
    return replace(result, cache_entry=Path(repo.repo_path), cache_bytes=int(repo.size_on_disk))


# -- recent models ---------------------------------------------------------------------------
def add_recent(recent: Sequence[str], reference: str, limit: int = MAX_RECENT) -> list[str]:
    """``recent`` with ``reference`` first (once), at most ``limit`` long."""
    return [reference, *(r for r in recent if r != reference)][:limit]


def forget_recent(recent: Sequence[str], reference: str) -> list[str]:
    """``recent`` without ``reference``."""
    return [r for r in recent if r != reference]


def recent_entries(recent: Sequence[str]) -> list[CatalogEntry]:
    """Entries for the recent references that are not family members (those are listed
    with the family), in order, once each."""
    seen: set[str] = set()
    entries = []
    for reference in recent:
        if reference and reference not in seen and family_entry(reference) is None:
            seen.add(reference)
            entries.append(entry_for(reference))
    return entries

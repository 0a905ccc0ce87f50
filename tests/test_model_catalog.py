"""The model catalog: the family's numbers, cache status, Confab's conversions, removal, recents.

Cache status and removal run for real against Hugging Face caches built with
``random_models.install_in_hub_cache`` (HF_HUB_CACHE pointed there) and int8 conversions made
by the fast engine itself; the network is refused throughout.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.engines.int8_engine import Int8Engine
from core.engines.int8_format import METADATA_FILE, WEIGHTS_FILE
from core.model_catalog import (
    FAMILY,
    FAMILY_IDS,
    FLOAT32_BYTES,
    REPLY_BYTES_PER_PARAMETER,
    RUNTIME_BYTES,
    add_recent,
    cache_status,
    entry_for,
    family_entry,
    forget_recent,
    hub_id_problem,
    int8_conversions,
    ram_bytes,
    recent_entries,
    removal_plan,
    remove_model,
)
from core.models import check_folder, resolve
from random_models import install_in_hub_cache, published_config
from tests.conftest import NetworkGuard

TARGET = "facebook/blenderbot-400M-distill"
OTHER_CONVERTED = "facebook/blenderbot-1B-distill"
OTHER = "someone/other-chatbot"
REPOS = (TARGET, OTHER_CONVERTED, OTHER)
CONVERTED = (TARGET, OTHER_CONVERTED)


# -- machines with models on them ------------------------------------------------------------
def repo_dir(cache: Path, repo_id: str) -> Path:
    return cache / ("models--" + repo_id.replace("/", "--"))


def snapshot_of(cache: Path, repo_id: str) -> Path:
    return next((repo_dir(cache, repo_id) / "snapshots").iterdir())


def convert(folder: Path, model_id: str, data_dir: Path) -> None:
    """Make the fast engine's int8 conversion the way the app does: by loading the model."""
    Int8Engine(check_folder(folder, model_id), data_dir, threads=1).load(lambda p, t: None)


def build_machine(
    root: Path,
    model: Path,
    repos: tuple[str, ...] = REPOS,
    converted: tuple[str, ...] = CONVERTED,
    folder_model: bool = True,
) -> Path:
    """``root``: ``hf-cache`` with ``repos``, ``data`` with Confab's conversions of
    ``converted`` and, with ``folder_model``, of the local folder ``my-model``."""
    cache, data = root / "hf-cache", root / "data"
    for repo in repos:
        install_in_hub_cache(model, cache, repo)
    for repo in converted:
        convert(snapshot_of(cache, repo), repo, data)
    if folder_model:
        folder = shutil.copytree(model, root / "my-model")
        convert(Path(folder), "my-model", data)
    (data / "chats").mkdir(parents=True, exist_ok=True)
    (data / "chats" / "a chat.json").write_text("{}", encoding="utf-8")
    (data / "settings.ini").write_text("[model]\n", encoding="utf-8")
    return root


@dataclass(frozen=True)
class Machine:
    root: Path
    cache: Path
    data: Path


def use_machine(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    """A copy of ``template`` whose cache is the Hugging Face cache for this test."""
    root = Path(shutil.copytree(template, tmp_path / "machine", symlinks=True))
    cache = root / "hf-cache"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return Machine(root, cache, root / "data")


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def bytes_under(folder: Path) -> int:
    return sum(p.stat().st_size for p in files_under(folder))


def model_file_bytes(cache: Path, repo_id: str) -> int:
    """The size of a cached model's files, as the cache API counts it (not its refs)."""
    return bytes_under(repo_dir(cache, repo_id) / "snapshots")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    return build_machine(tmp_path_factory.mktemp("template"), tiny_model)


@pytest.fixture
def machine(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: NetworkGuard
) -> Machine:
    return use_machine(template, tmp_path, monkeypatch)


# -- the family as data ----------------------------------------------------------------------
def test_the_family_is_the_four_blenderbots_under_apache_2() -> None:
    assert FAMILY_IDS == (
        "facebook/blenderbot_small-90M",
        "facebook/blenderbot-400M-distill",
        "facebook/blenderbot-1B-distill",
        "facebook/blenderbot-3B",
    )
    for entry in FAMILY:
        assert entry.kind == "family" and entry.license == "Apache-2.0"
        assert entry.description and entry.download_bytes and entry.parameters
    sizes = [entry.download_bytes for entry in FAMILY]
    parameters = [entry.parameters for entry in FAMILY]
    assert sizes == sorted(sizes) and parameters == sorted(parameters)  # type: ignore[type-var]


def test_download_sizes_are_the_weight_files_a_download_fetches() -> None:
    """90M ships float32 pickle weights only; 400M-distill's safetensors are float16."""
    small, distill = family_entry(FAMILY_IDS[0]), family_entry(FAMILY_IDS[1])
    assert small is not None and distill is not None
    assert small.parameters is not None and distill.parameters is not None
    assert small.download_bytes == pytest.approx(4 * small.parameters, rel=0.02)
    assert distill.download_bytes == pytest.approx(2 * distill.parameters, rel=0.02)


@pytest.mark.parametrize(
    ("repo_id", "config_name"),
    [
        (TARGET, "blenderbot-400M-distill"),
        ("facebook/blenderbot-1B-distill", "blenderbot-1B-distill"),
        ("facebook/blenderbot-3B", "blenderbot-3B"),
    ],
)
def test_the_parameter_counts_are_those_of_the_published_configs(
    repo_id: str, config_name: str
) -> None:
    from bench.sizes import count_parameters

    counted = count_parameters(published_config(config_name))
    entry = family_entry(repo_id)
    assert entry is not None
    assert entry.parameters == counted.total
    assert entry.float32_parameters == counted.float32


def test_memory_per_engine_follows_the_documented_formula() -> None:
    distill = family_entry(TARGET)
    assert distill is not None and distill.parameters is not None
    p, f32 = distill.parameters, distill.float32_parameters
    reply = {engine: int(REPLY_BYTES_PER_PARAMETER[engine] * p) for engine in RUNTIME_BYTES}
    assert distill.ram_bytes("transformers") == (
        FLOAT32_BYTES * p + RUNTIME_BYTES["transformers"] + reply["transformers"]
    )
    assert distill.ram_bytes("fast") == p + 3 * f32 + RUNTIME_BYTES["fast"] + reply["fast"]
    assert ram_bytes(1000, "fast") == 1000 + RUNTIME_BYTES["fast"] + 50
    fast = distill.ram_bytes("fast")
    transformers = distill.ram_bytes("transformers")
    assert fast is not None and transformers is not None and fast < transformers / 2


def test_the_fast_engine_has_no_memory_figure_for_blenderbot_small() -> None:
    """The int8 engine runs BlenderbotForConditionalGeneration only, not the 90M model."""
    small = family_entry("facebook/blenderbot_small-90M")
    assert small is not None
    assert small.ram_bytes("fast") is None
    assert small.ram_bytes("transformers") is not None
    assert entry_for("someone/model").ram_bytes("transformers") is None


# -- entries and recents ---------------------------------------------------------------------
def test_any_reference_gets_an_entry(tmp_path: Path) -> None:
    assert entry_for(TARGET) is family_entry(TARGET)
    hub = entry_for("someone/model")
    assert (hub.kind, hub.name, hub.download_bytes) == ("hub", "someone/model", None)
    folder = entry_for(str(tmp_path))
    assert folder.kind == "folder" and folder.is_folder and folder.name == tmp_path.name


def test_a_typed_hub_id_is_checked() -> None:
    assert hub_id_problem("someone/model") == ""
    assert hub_id_problem("gpt2") == ""
    assert hub_id_problem("")
    assert hub_id_problem("a b")
    assert hub_id_problem("a/b/c")


def test_recent_models_are_newest_first_once_each_and_limited() -> None:
    recent = add_recent(["b", "a", "c"], "a")
    assert recent == ["a", "b", "c"]
    assert add_recent(recent, "d", limit=3) == ["d", "a", "b"]
    assert forget_recent(recent, "b") == ["a", "c"]
    assert forget_recent(recent, "zzz") == recent


def test_recent_entries_leave_the_family_to_its_own_list(tmp_path: Path) -> None:
    entries = recent_entries([TARGET, "someone/model", str(tmp_path), "someone/model", ""])
    assert [(e.reference, e.kind) for e in entries] == [
        ("someone/model", "hub"),
        (str(tmp_path), "folder"),
    ]


# -- the cache, offline ----------------------------------------------------------------------
def test_cache_status_looks_in_the_cache_without_network(
    tiny_model: Path, hub_cache: Path, no_network: NetworkGuard
) -> None:
    assert cache_status(TARGET) == "not downloaded"
    snapshot = install_in_hub_cache(tiny_model, hub_cache, TARGET)
    assert cache_status(TARGET) == "downloaded"
    assert cache_status(OTHER) == "not downloaded"
    (snapshot / "pytorch_model.bin").unlink()  # an interrupted download: weights come last
    assert cache_status(TARGET) == "partly downloaded"
    assert cache_status("not a valid id!") == "not downloaded"
    assert no_network.attempts == []


def test_confabs_conversions_of_each_model_are_found(machine: Machine) -> None:
    target = int8_conversions(machine.data, TARGET)
    other = int8_conversions(machine.data, OTHER_CONVERTED)
    assert len(target) == 1 and len(other) == 1 and target != other
    for folder in target + other:
        assert (folder / WEIGHTS_FILE).is_file() and folder.parent == machine.data / "models"
    assert json.loads((target[0] / METADATA_FILE).read_text())["model_id"] == TARGET
    assert int8_conversions(machine.data, OTHER) == []
    assert int8_conversions(machine.root / "no-data-here", TARGET) == []


def test_a_folder_models_conversion_is_found_by_its_source(
    machine: Machine, template: Path
) -> None:
    found = int8_conversions(machine.data, str(template / "my-model"))
    assert len(found) == 1
    assert found[0] not in int8_conversions(machine.data, TARGET)
    assert int8_conversions(machine.data, str(machine.root / "my-model")) == []  # a copy


def test_lookalikes_are_not_confabs_conversions(machine: Machine, tmp_path: Path) -> None:
    models = machine.data / "models"
    (real,) = int8_conversions(machine.data, TARGET)
    stem = real.name.split("-")[0]
    no_metadata = models / f"{stem}-{'0' * 12}-torch-int8"
    no_metadata.mkdir()
    (no_metadata / WEIGHTS_FILE).write_bytes(b"x")
    outside = Path(shutil.copytree(real, tmp_path / "outside" / f"{stem}-{'1' * 12}-torch-int8"))
    (models / outside.name).symlink_to(outside, target_is_directory=True)
    other_tag = Path(shutil.copytree(real, models / f"{stem}-{'2' * 12}-other-tag"))
    not_named = Path(shutil.copytree(real, models / "my backup"))
    assert int8_conversions(machine.data, TARGET) == [real]

    remove_model(TARGET, machine.data)
    assert not real.exists()
    for kept in (no_metadata, outside, other_tag, not_named, models / outside.name):
        assert kept.exists(), kept
    assert (outside / WEIGHTS_FILE).is_file()


# -- removal ---------------------------------------------------------------------------------
def test_the_removal_plan_names_what_would_go_and_deletes_nothing(machine: Machine) -> None:
    before = files_under(machine.root)
    plan = removal_plan(TARGET, machine.data)
    assert plan.cache_entry == repo_dir(machine.cache, TARGET)
    assert plan.cache_bytes == model_file_bytes(machine.cache, TARGET)
    assert plan.conversions == tuple(int8_conversions(machine.data, TARGET))
    assert plan.conversion_bytes == bytes_under(plan.conversions[0])
    assert plan.total_bytes == plan.cache_bytes + plan.conversion_bytes
    assert plan.paths == (plan.cache_entry, *plan.conversions)
    assert files_under(machine.root) == before
    assert removal_plan("someone/never-here", machine.data).is_empty


@pytest.mark.parametrize("target", REPOS)
def test_removal_deletes_exactly_that_models_cache_entry_and_conversions(
    machine: Machine, target: str, no_network: NetworkGuard
) -> None:
    """Every test model shares one commit hash, as copied caches can: only the target goes."""
    going_cache = repo_dir(machine.cache, target)
    going_conversions = int8_conversions(machine.data, target)
    going = files_under(going_cache).union(*(files_under(c) for c in going_conversions))
    expected_bytes = model_file_bytes(machine.cache, target) + sum(
        bytes_under(c) for c in going_conversions
    )
    before = files_under(machine.root)

    removed = remove_model(target, machine.data)

    assert files_under(machine.root) == before - going
    assert not going_cache.exists()
    assert cache_status(target) == "not downloaded"
    assert int8_conversions(machine.data, target) == []
    for other in REPOS:
        if other != target:
            assert cache_status(other) == "downloaded"
    assert removed.cache_entry == going_cache
    assert removed.conversions == tuple(going_conversions)
    assert removed.total_bytes == expected_bytes > 0
    assert no_network.attempts == []


def test_removing_a_folder_model_keeps_the_folder(machine: Machine, template: Path) -> None:
    folder = template / "my-model"
    files = {p: p.read_bytes() for p in files_under(folder)}
    (conversion,) = int8_conversions(machine.data, str(folder))
    cached_before = files_under(machine.cache)

    removed = remove_model(str(folder), machine.data)

    assert removed.cache_entry is None and removed.conversions == (conversion,)
    assert not conversion.exists()
    assert {p: p.read_bytes() for p in files_under(folder)} == files
    assert files_under(machine.cache) == cached_before
    assert int8_conversions(machine.data, TARGET)  # other conversions stay


def test_removing_what_is_not_here_changes_nothing(machine: Machine) -> None:
    before = files_under(machine.root)
    removed = remove_model("someone/never-here", machine.data)
    assert removed.is_empty and removed.total_bytes == 0
    assert files_under(machine.root) == before


def test_removal_works_without_a_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_model: Path
) -> None:
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "no-cache"))
    assert cache_status(TARGET) == "not downloaded"
    assert remove_model(TARGET, tmp_path / "data").is_empty


def test_a_partly_downloaded_model_can_be_removed(
    tiny_model: Path, hub_cache: Path, tmp_path: Path
) -> None:
    snapshot = install_in_hub_cache(tiny_model, hub_cache, TARGET)
    install_in_hub_cache(tiny_model, hub_cache, OTHER)
    (snapshot / "pytorch_model.bin").unlink()
    assert cache_status(TARGET) == "partly downloaded"
    removed = remove_model(TARGET, tmp_path / "data")
    assert removed.cache_entry == repo_dir(hub_cache, TARGET) and removed.cache_bytes > 0
    assert cache_status(TARGET) == "not downloaded"
    assert resolve(OTHER).path.is_dir()

"""Model references: hub ids from the local cache without network, folders checked first."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from core.engines.base import EngineError
from core.engines.transformers_engine import TransformersEngine
from core.models import (
    DEFAULT_MODEL_ID,
    DownloadPlan,
    ModelError,
    ModelFolder,
    ModelNotCached,
    download,
    plan_download,
    resolve,
)
from random_models import install_in_hub_cache
from tests.conftest import NetworkGuard


def copy_model(source: Path, tmp_path: Path, name: str = "model") -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def test_a_cached_hub_model_is_found_without_network(
    tiny_model: Path, hub_cache: Path, no_network: NetworkGuard
) -> None:
    snapshot = install_in_hub_cache(tiny_model, hub_cache, DEFAULT_MODEL_ID)
    folder = resolve(DEFAULT_MODEL_ID)
    assert folder.path == snapshot
    assert folder.model_id == DEFAULT_MODEL_ID
    assert folder.context_limit == 128
    assert no_network.attempts == []


def test_an_uncached_hub_model_is_reported_missing_without_network(
    hub_cache: Path, no_network: NetworkGuard
) -> None:
    with pytest.raises(ModelNotCached) as raised:
        resolve(DEFAULT_MODEL_ID)
    assert raised.value.repo_id == DEFAULT_MODEL_ID
    assert no_network.attempts == []


def test_offline_mode_refuses_to_download(offline: None, no_network: NetworkGuard) -> None:
    with pytest.raises(ModelError, match="Offline mode"):
        plan_download(DEFAULT_MODEL_ID)
    plan = DownloadPlan(DEFAULT_MODEL_ID, {"config.json": 10}, 0)
    with pytest.raises(ModelError, match="Offline mode"):
        download(plan, lambda done, total: None, threading.Event())
    assert no_network.attempts == []


def test_download_stops_when_cancelled_before_fetching(
    monkeypatch: pytest.MonkeyPatch, hub_cache: Path, no_network: NetworkGuard
) -> None:
    from core.models import DownloadCancelled

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(DownloadCancelled):
        download(DownloadPlan(DEFAULT_MODEL_ID, {"config.json": 10}, 0), lambda d, t: None, cancel)
    assert no_network.attempts == []


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: (d / "config.json").unlink(), "no config.json"),
        (lambda d: (d / "config.json").write_text("{not json"), "cannot be read"),
        (lambda d: (d / "pytorch_model.bin").unlink(), "no weights"),
        (lambda d: [(d / n).unlink() for n in ("vocab.json",)], "no tokenizer"),
        (lambda d: (d / "config.json").write_text('{"d_model": 8}'), "is a no architecture"),
        (lambda d: (d / "config.json").write_text('{"architectures": []}'), "no architecture"),
        (lambda d: (d / "config.json").write_text('["BlenderbotModel"]'), "not a JSON object"),
    ],
)
def test_a_broken_folder_is_named_with_what_is_wrong(
    tiny_model: Path, tmp_path: Path, damage: object, expected: str
) -> None:
    folder = copy_model(tiny_model, tmp_path)
    damage(folder)  # type: ignore[operator]
    with pytest.raises(ModelError, match=expected) as raised:
        resolve(str(folder))
    assert str(folder) in str(raised.value)


def test_an_architecture_confab_cannot_chat_with_is_refused(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = copy_model(tiny_model, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["BertForSequenceClassification"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="BertForSequenceClassification"):
        resolve(str(folder))


def test_a_blenderbot_folder_is_a_seq2seq_model(tiny_model: Path) -> None:
    folder = resolve(str(tiny_model))
    assert folder.architecture == "BlenderbotForConditionalGeneration"
    assert folder.is_seq2seq
    assert folder.gguf_file is None
    assert folder.model_id == tiny_model.name


@pytest.mark.parametrize(
    ("config", "limit"),
    [
        ({"max_position_embeddings": 128, "n_positions": 64}, 128),
        ({"n_positions": 1024}, 1024),
        ({"max_sequence_length": 4096}, 4096),
        ({"max_position_embeddings": 0, "n_positions": "1024", "max_sequence_length": 512}, 512),
        ({}, 2048),
    ],
)
def test_the_context_limit_comes_from_the_config(
    tmp_path: Path, config: dict[str, object], limit: int
) -> None:
    folder = ModelFolder("tiny-gpt", tmp_path, "GPT2ForCausalLM", config)
    assert folder.context_limit == limit
    assert not folder.is_seq2seq


def write_gguf(path: Path, architecture: str, context: int | None = None) -> Path:
    """A GGUF file holding only metadata (no tensors): enough for ``resolve``."""
    import gguf

    writer = gguf.GGUFWriter(str(path), architecture)
    if context is not None:
        writer.add_context_length(context)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(("context", "limit"), [(512, 512), (32_768, 2048), (None, 2048)])
def test_a_folder_holding_one_gguf_file_is_a_model(
    tmp_path: Path, context: int | None, limit: int
) -> None:
    """Its name is the file's; the prompt is capped at 2,048 tokens (more only slows a CPU)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    write_gguf(folder / "tiny-llama-q8.gguf", "llama", context)
    model = resolve(str(folder))
    assert model == ModelFolder(
        "tiny-llama-q8",
        folder.resolve(),
        "llama (GGUF)",
        {"max_position_embeddings": limit},
        gguf_file="tiny-llama-q8.gguf",
    )
    assert model.context_limit == limit
    assert not model.is_seq2seq


def test_a_gguf_file_beside_a_config_json_is_not_the_model(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = copy_model(tiny_model, tmp_path)
    write_gguf(folder / "other.gguf", "llama", 512)
    model = resolve(str(folder))
    assert model.gguf_file is None
    assert model.architecture == "BlenderbotForConditionalGeneration"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: write_gguf(d / "model.gguf", ""), "does not say which architecture"),
        (lambda d: (d / "model.gguf").write_bytes(b"GGUF" + bytes(12)), "cannot be read"),
        (
            lambda d: [write_gguf(d / f"{n}.gguf", "llama", 512) for n in ("a", "b")],
            "no config.json",  # two of them: which one is meant is not known
        ),
    ],
)
def test_a_bad_gguf_folder_is_named_with_what_is_wrong(
    tmp_path: Path, make: object, expected: str
) -> None:
    folder = tmp_path / "gguf"
    folder.mkdir()
    make(folder)  # type: ignore[operator]
    with pytest.raises(ModelError, match=expected) as raised:
        resolve(str(folder))
    assert str(folder) in str(raised.value)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve(str(tmp_path / "nowhere"))


def test_corrupt_weights_fail_with_the_folder_named(tiny_model: Path, tmp_path: Path) -> None:
    folder = copy_model(tiny_model, tmp_path)
    (folder / "pytorch_model.bin").write_bytes(b"this is not a pickle" * 10)
    engine = TransformersEngine(resolve(str(folder)), threads=1)
    with pytest.raises(EngineError) as raised:
        engine.load(lambda percent, text: None)
    assert str(folder) in str(raised.value)


def test_pickle_weights_load_only_through_the_weights_only_loader(
    tiny_model: Path, tmp_path: Path
) -> None:
    """A .bin holding arbitrary Python objects is refused, not executed."""
    import torch

    folder = copy_model(tiny_model, tmp_path)
    marker = tmp_path / "executed"
    torch.save({"evil": Exploit(str(marker))}, folder / "pytorch_model.bin")
    engine = TransformersEngine(resolve(str(folder)), threads=1)
    with pytest.raises(EngineError):
        engine.load(lambda percent, text: None)
    assert not marker.exists()


class Exploit:
    """Unpickling this would create a file, if the loader ran arbitrary code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (Path(self.path),))  # type: ignore[return-value]

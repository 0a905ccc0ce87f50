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
    ModelError,
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
    assert no_network.attempts == []


def test_download_stops_when_cancelled_before_fetching(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.models import DownloadCancelled, DownloadPlan

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(DownloadCancelled):
        download(DownloadPlan(DEFAULT_MODEL_ID, {"config.json": 10}, 0), lambda d, t: None, cancel)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: (d / "config.json").unlink(), "no config.json"),
        (lambda d: (d / "config.json").write_text("{not json"), "cannot be read"),
        (lambda d: (d / "pytorch_model.bin").unlink(), "no weights"),
        (lambda d: [(d / n).unlink() for n in ("vocab.json",)], "no tokenizer"),
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

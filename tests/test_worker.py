"""The model worker in its own thread, driven through its signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines.base import ModelInfo, Reply
from core.settings import GenerationSettings
from gui.worker import ChatWorker, GenerateRequest, WorkerHost


@pytest.fixture
def host(qtbot: Any, tmp_path: Path) -> Any:
    worker = ChatWorker(tmp_path, "transformers", threads=1)
    host = WorkerHost(worker)
    yield host
    assert host.shutdown(10_000)


def test_loading_reports_progress_then_the_model(host: Any, qtbot: Any, tiny_model: Path) -> None:
    progress: list[int] = []
    host.worker.load_progress.connect(lambda percent, text: progress.append(percent))
    with qtbot.waitSignal(host.worker.loaded, timeout=60_000) as loaded:
        host.load_requested.emit(str(tiny_model))
    info = loaded.args[0]
    assert isinstance(info, ModelInfo)
    assert info.engine == "transformers" and info.context_limit == 128
    assert progress[0] == 0 and progress[-1] == 100


def test_a_reply_comes_back_with_its_request_id(host: Any, qtbot: Any, tiny_model: Path) -> None:
    with qtbot.waitSignal(host.worker.loaded, timeout=60_000):
        host.load_requested.emit(str(tiny_model))
    request = GenerateRequest(7, (Turn("user", "Hi there"),), GenerationSettings(num_beams=1))
    deltas: list[str] = []
    host.worker.reply_delta.connect(lambda request_id, delta: deltas.append(delta))
    with qtbot.waitSignal(host.worker.reply_finished, timeout=60_000) as finished:
        host.generate_requested.emit(request)
    request_id, reply = finished.args
    assert request_id == 7 and isinstance(reply, Reply)
    assert "".join(deltas).strip() == reply.text


def test_stop_cancels_the_reply(host: Any, qtbot: Any, tiny_model: Path) -> None:
    with qtbot.waitSignal(host.worker.loaded, timeout=60_000):
        host.load_requested.emit(str(tiny_model))
    host.stop_reply()
    with qtbot.waitSignal(host.worker.reply_cancelled, timeout=60_000) as cancelled:
        host.generate_requested.emit(GenerateRequest(3, (Turn("user", "Hi"),)))
    assert cancelled.args == [3]


def test_a_bad_folder_fails_with_a_message(host: Any, qtbot: Any, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with qtbot.waitSignal(host.worker.load_failed, timeout=60_000) as failed:
        host.load_requested.emit(str(tmp_path / "empty"))
    assert "config.json" in failed.args[0]


def test_an_uncached_hub_model_is_reported_missing(host: Any, qtbot: Any, hub_cache: Path) -> None:
    with qtbot.waitSignal(host.worker.model_missing, timeout=60_000) as missing:
        host.load_requested.emit("facebook/blenderbot-400M-distill")
    assert missing.args == ["facebook/blenderbot-400M-distill"]


def test_generating_before_loading_fails_politely(host: Any, qtbot: Any) -> None:
    with qtbot.waitSignal(host.worker.reply_failed, timeout=10_000) as failed:
        host.generate_requested.emit(GenerateRequest(1, (Turn("user", "Hi"),)))
    assert "not loaded" in failed.args[1]

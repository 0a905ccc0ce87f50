"""The model worker in its own thread, driven through its signals."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.context import Turn
from core.engines.base import ModelInfo, Reply
from core.requests import GenerateRequest, LoadRequest
from core.settings import GenerationSettings
from gui.worker import ChatWorker, WorkerHost
from tests.worker_signals import Received, worker_signal


@pytest.fixture
def host(qtbot: Any, tmp_path: Path) -> Any:
    worker = ChatWorker(tmp_path)
    host = WorkerHost(worker)
    yield host
    assert host.shutdown(10_000)


def load(model: Path | str) -> LoadRequest:
    return LoadRequest(str(model), "transformers", threads=1)


def test_loading_reports_progress_then_the_model(host: Any, qtbot: Any, tiny_model: Path) -> None:
    progress: list[int] = []
    host.worker.load_progress.connect(lambda percent, text: progress.append(percent))
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000) as loaded:
        host.load_requested.emit(load(tiny_model))
    info = loaded.args[0]
    assert isinstance(info, ModelInfo)
    assert info.engine == "transformers" and info.context_limit == 128
    assert progress[0] == 0 and progress[-1] == 100


def test_a_reply_comes_back_with_its_request_id(host: Any, qtbot: Any, tiny_model: Path) -> None:
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000):
        host.load_requested.emit(load(tiny_model))
    request = GenerateRequest(7, (Turn("user", "Hi there"),), GenerationSettings(num_beams=1))
    deltas: list[str] = []
    host.worker.reply_delta.connect(lambda request_id, delta: deltas.append(delta))
    with worker_signal(qtbot, host.worker.reply_finished, timeout=60_000) as finished:
        host.generate(request)
    request_id, reply = finished.args
    assert request_id == 7 and isinstance(reply, Reply)
    assert "".join(deltas).strip() == reply.text


LONG_GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=120, max_length=120)


def test_stop_ends_a_running_reply_within_a_few_steps(
    host: Any, qtbot: Any, slow_model: Path
) -> None:
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000):
        host.load_requested.emit(load(slow_model))
    request = GenerateRequest(3, (Turn("user", "Tell me about dogs"),), LONG_GREEDY)
    deltas: list[str] = []
    host.worker.reply_delta.connect(lambda request_id, delta: deltas.append(delta))
    finished = Received(host.worker.reply_finished)
    cancelled = Received(host.worker.reply_cancelled)
    host.generate(request)
    qtbot.waitUntil(lambda: len(deltas) >= 3, timeout=60_000)
    host.stop_reply(3)
    qtbot.waitUntil(lambda: bool(cancelled.emissions or finished.emissions), timeout=60_000)
    assert finished.emissions == [], "the reply was not stopped"
    assert cancelled.args == [3]
    # The reply was running (it had streamed text), and it stopped long before its 119 tokens.
    assert 3 <= len(deltas) < 60
    assert 3 not in host.running


def test_each_reply_has_its_own_stop(host: Any, qtbot: Any, tiny_model: Path) -> None:
    """A Stop meant for one reply never reaches the next one, however quickly it follows."""
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000):
        host.load_requested.emit(load(tiny_model))
    first = GenerateRequest(1, (Turn("user", "Hi"),), GenerationSettings(num_beams=1))
    second = GenerateRequest(2, (Turn("user", "Hi again"),), GenerationSettings(num_beams=1))
    with worker_signal(qtbot, host.worker.reply_finished, timeout=60_000) as finished:
        host.generate(first)
        host.stop_reply(1)
        host.generate(second)
    assert finished.args[0] == 2
    assert first.stop.is_set() and not second.stop.is_set()


def test_shutdown_stops_the_reply_in_flight(qtbot: Any, tmp_path: Path, slow_model: Path) -> None:
    host = WorkerHost(ChatWorker(tmp_path))
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000):
        host.load_requested.emit(load(slow_model))
    started = threading.Event()
    direct = Qt.ConnectionType.DirectConnection  # set in the worker's thread: no event loop here
    host.worker.reply_delta.connect(lambda *args: started.set(), type=direct)
    host.generate(GenerateRequest(5, (Turn("user", "Tell me a story"),), LONG_GREEDY))
    assert started.wait(60)
    began = time.perf_counter()
    assert host.shutdown(10_000)
    assert time.perf_counter() - began < 5


def test_a_bad_folder_fails_with_a_message(host: Any, qtbot: Any, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with worker_signal(qtbot, host.worker.load_failed, timeout=60_000) as failed:
        host.load_requested.emit(load(tmp_path / "empty"))
    assert "config.json" in failed.args[0]


def test_an_uncached_hub_model_is_reported_missing(host: Any, qtbot: Any, hub_cache: Path) -> None:
    with worker_signal(qtbot, host.worker.model_missing, timeout=60_000) as missing:
        host.load_requested.emit(load("facebook/blenderbot-400M-distill"))
    assert missing.args == ["facebook/blenderbot-400M-distill"]


def test_generating_before_loading_fails_politely(host: Any, qtbot: Any) -> None:
    with worker_signal(qtbot, host.worker.reply_failed, timeout=10_000) as failed:
        host.generate(GenerateRequest(1, (Turn("user", "Hi"),)))
    assert "not loaded" in failed.args[1]


def test_a_load_is_frozen_and_a_replaced_model_is_freed_even_in_a_cycle(
    host: Any, qtbot: Any, tiny_model: Path
) -> None:
    frozen = gc.get_freeze_count()
    with worker_signal(qtbot, host.worker.loaded, timeout=60_000):
        host.load_requested.emit(load(tiny_model))
    assert gc.get_freeze_count() > frozen  # the collector no longer scans the loaded model
    first = host.worker.engine
    first.itself = first  # a reference cycle, as the lean step once had
    freed = weakref.ref(first)
    del first
    full_passes_on: list[str] = []

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_passes_on.append(threading.current_thread().name)

    gc.callbacks.append(on_collection)
    try:
        with worker_signal(qtbot, host.worker.model_replaced, timeout=60_000):
            host.load_requested.emit(load(tiny_model))
        qtbot.waitUntil(lambda: freed() is None, timeout=10_000)
    finally:
        gc.callbacks.remove(on_collection)
    assert set(full_passes_on) == {"MainThread"}  # Qt objects among the garbage: GUI thread

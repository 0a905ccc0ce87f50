"""Shared fixtures: offscreen Qt, tiny real models in the hub's layout, a network guard."""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest

from core.heap import collect_dropped_model
from random_models import build_blenderbot


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BlenderBot with pickle weights, as the real model is on the hub."""
    return build_blenderbot(tmp_path_factory.mktemp("models") / "tiny-blenderbot-bin")


@pytest.fixture(scope="session")
def tiny_safetensors_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same kind of model with ``model.safetensors`` weights."""
    return build_blenderbot(
        tmp_path_factory.mktemp("models") / "tiny-blenderbot-safetensors", weights="safetensors"
    )


@pytest.fixture(scope="session")
def slow_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wider random BlenderBot whose beam-10 reply takes long enough to be stopped."""
    return build_blenderbot(
        tmp_path_factory.mktemp("models") / "slow-blenderbot",
        d_model=256,
        decoder_layers=4,
        decoder_ffn_dim=1024,
        encoder_ffn_dim=1024,
        decoder_attention_heads=8,
        encoder_attention_heads=8,
        vocab_size=2000,
    )


@pytest.fixture
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache for this test only."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


class NetworkGuard:
    """Records (and refuses) every attempt to open a network connection."""

    def __init__(self) -> None:
        self.attempts: list[Any] = []


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fail any socket connection or DNS lookup, from any thread, and record it."""
    guard = NetworkGuard()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        guard.attempts.append(args[1:] if len(args) > 1 else args)
        raise OSError("network access attempted in a no-network test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield guard


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline mode as ``--offline`` sets it."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


WindowFactory = Callable[..., Any]


@pytest.fixture
def make_window(qtbot: Any, tmp_path: Path) -> Iterator[WindowFactory]:
    """Build real main windows over a model folder; their worker threads end at teardown."""
    from gui.app_settings import AppSettings
    from gui.main_window import LaunchOptions, MainWindow

    windows: list[Any] = []

    def make(model: Path | str, engine: str = "transformers", load: bool = True, **kw: Any) -> Any:
        data_dir = kw.pop("data_dir", tmp_path / "data")
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = AppSettings(data_dir)
        options = LaunchOptions(
            data_dir=data_dir,
            model_reference=str(model),
            engine=engine,  # type: ignore[arg-type]
            threads=kw.pop("threads", 1),
            offline=kw.pop("offline", True),
            server=kw.pop("server", None),
            api_key=kw.pop("api_key", ""),
            theme=kw.pop("theme", None),
        )
        window = MainWindow(options, settings)
        window.setProperty("headless", kw.pop("headless", True))
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        if load:
            with qtbot.waitSignal(window.model_ready, timeout=60_000):
                window.start_loading()
        return window

    yield make
    for window in windows:
        window.setWindowModified(False)
        window.host.shutdown(10_000)
    windows.clear()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the test modules imported (torch, transformers, Qt) is never garbage: the
    collector skips it from now on, so collecting after a Qt test that loads no model costs
    ~0 ms, not ~100 (one that loads a model pays a full pass: ``collect_dropped_model``)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def collect_qt_garbage_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Objects a Qt test leaves in reference cycles (windows, workers, their models) are
    freed here, on the GUI thread, once the test's worker threads have ended.

    Otherwise the collector runs wherever a later allocation triggers it: once in CI inside
    the next test's event loop while its worker loaded a model (the process died with a
    segmentation fault), and a worker thread may free another thread's QObjects.
    """
    frozen = gc.get_freeze_count()
    yield
    if "qtbot" not in request.fixturenames:
        return
    if gc.get_freeze_count() == frozen:
        gc.collect()
    else:  # a model load froze what existed then (core.heap), this test's windows among it
        collect_dropped_model()


@pytest.fixture(autouse=True, scope="module")
def collect_garbage_after_each_module() -> Iterator[None]:
    """Models and engines of a module's fixtures are freed before the next module starts."""
    yield
    collect_dropped_model()


@pytest.fixture
def interface_language(qapp: Any) -> Iterator[Callable[[str], str]]:
    """Shows the interface in a language ("de", "en"…) for the test; English after it."""
    from PySide6.QtCore import QLocale

    from gui.i18n import Translations

    translations = Translations()
    yield translations.install
    translations.install("en")
    QLocale.setDefault(QLocale(QLocale.Language.English))


@pytest.fixture
def german(interface_language: Callable[[str], str]) -> None:
    """The interface in German for the test."""
    interface_language("de")

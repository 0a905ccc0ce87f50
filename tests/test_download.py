"""Downloading a model end to end, against a fake hub on 127.0.0.1 (tests/fake_hub.py).

The real ``huggingface_hub`` client does the HTTP: plan (dry run), fetch into the hub cache,
progress, cancel, a dropped connection resumed with a Range request, a cancelled download
continued later, and the window's story from "model needed" to the first reply.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import huggingface_hub
import huggingface_hub.constants as hub_constants
import pytest
from huggingface_hub.utils import _detect_agent
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from core.model_card import read_model_card
from core.models import (
    DOWNLOAD_PATTERNS,
    DownloadCancelled,
    DownloadPlan,
    ModelNotCached,
    download,
    plan_download,
    resolve,
)
from gui.dialogs import ModelMissingDialog, human_size
from tests.conftest import NetworkGuard, WindowFactory
from tests.fake_hub import FakeHub
from tests.worker_signals import worker_signal

REPO_ID = "confab-test/tiny-blenderbot"
MODEL_FILES = {
    "config.json",
    "generation_config.json",
    "merges.txt",
    "pytorch_model.bin",
    "special_tokens_map.json",
    "tokenizer_config.json",
    "vocab.json",
    "README.md",  # the model card: Help > About reads the model's license from it
}
MODEL_CARD = {"README.md": b"---\nlicense: apache-2.0\n---\n# tiny blenderbot\n"}
NOT_WANTED = {
    "tf_model.h5": b"TF weights " * 2000,
    "flax_model.msgpack": b"Flax weights " * 2000,
    ".gitattributes": b"*.bin filter=lfs diff=lfs merge=lfs -text\n",
}
CLIENT_CHUNK = 4096  # huggingface_hub reads 10 MiB chunks; small ones give many progress steps


def make_repo(model: Path, folder: Path, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of ``model`` plus files the app must not fetch, as a hub repo folder."""
    shutil.copytree(model, folder)
    for name, data in {**MODEL_CARD, **NOT_WANTED, **(extra or {})}.items():
        (folder / name).write_bytes(data)
    return folder


def serve(repo: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    """Start a fake hub for ``repo`` and point ``huggingface_hub`` at it, online."""
    hub = FakeHub(REPO_ID, repo).start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    # huggingface_hub reads HF_ENDPOINT once, at import: patch what it derived from it.
    monkeypatch.setattr(hub_constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(
        hub_constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        hub.url + "/{repo_id}/resolve/{revision}/{filename}",
    )
    monkeypatch.setattr(hub_constants, "DOWNLOAD_CHUNK_SIZE", CLIENT_CHUNK)
    # The first request of a process fetches {ENDPOINT}/api/agent-harnesses once; skip it so
    # every test sees the same requests.
    monkeypatch.setattr(_detect_agent, "_registry", _detect_agent._EMPTY_REGISTRY)
    return hub


@pytest.fixture
def repo(tiny_model: Path, tmp_path: Path) -> Path:
    return make_repo(tiny_model, tmp_path / "repo")


@pytest.fixture
def fake_hub(repo: Path, hub_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    hub = serve(repo, monkeypatch)
    yield hub
    hub.stop()


class Progress:
    """Records ``progress(done, total)`` calls; can set a cancel event past some bytes."""

    def __init__(self, cancel: threading.Event | None = None, cancel_at: int = -1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.cancel = cancel
        self.cancel_at = cancel_at

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        if self.cancel is not None and self.cancel_at >= 0 and done >= self.cancel_at:
            self.cancel.set()

    def assert_monotonic(self, total: int) -> None:
        dones = [done for done, _ in self.calls]
        assert dones == sorted(dones)
        assert {t for _, t in self.calls} == {total}
        assert all(0 <= done <= total for done in dones)


def snapshot_files(cache: Path) -> dict[str, bytes]:
    """The files of the (single) snapshot of REPO_ID in ``cache``."""
    snapshots = list((cache / ("models--" + REPO_ID.replace("/", "--")) / "snapshots").iterdir())
    assert len(snapshots) == 1
    return {item.name: item.read_bytes() for item in snapshots[0].iterdir()}


def leftovers(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.name.endswith(".incomplete")]


def small_files_size(repo: Path) -> int:
    return sum((repo / name).stat().st_size for name in MODEL_FILES - {"pytorch_model.bin"})


# -- planning ---------------------------------------------------------------------------------
def test_plan_lists_exactly_the_allowed_files_with_their_sizes(
    fake_hub: FakeHub, repo: Path
) -> None:
    plan = plan_download(REPO_ID)
    assert plan.repo_id == REPO_ID
    assert plan.files == {name: (repo / name).stat().st_size for name in MODEL_FILES}
    assert list(plan.files)[-1] == "pytorch_model.bin"  # weights last
    assert plan.cached_bytes == 0
    assert plan.total_bytes == sum((repo / name).stat().st_size for name in MODEL_FILES)
    # Only metadata: the repo info, its file list and a HEAD per wanted file; no GET of a file.
    assert fake_hub.downloaded_files() == set()
    asked = {r.path.rsplit("/", 1)[1] for r in fake_hub.requests if r.method == "HEAD"}
    assert asked == MODEL_FILES
    assert not any(name in r.path for r in fake_hub.requests for name in NOT_WANTED)


def test_plan_takes_one_weight_format_when_the_repo_has_both(
    tiny_model: Path, tmp_path: Path, hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tiny_model, tmp_path / "repo", {"model.safetensors": b"S" * 5000})
    with serve(repo, monkeypatch) as hub:
        plan = plan_download(REPO_ID)
        assert "pytorch_model.bin" not in plan.files
        assert plan.files["model.safetensors"] == 5000
        assert list(plan.files)[-1] == "model.safetensors"
        assert hub.downloaded_files() == set()


def test_a_file_matching_the_patterns_is_planned(
    tiny_model: Path, tmp_path: Path, hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "*.model" in DOWNLOAD_PATTERNS
    repo = make_repo(tiny_model, tmp_path / "repo", {"spiece.model": b"sentencepiece"})
    with serve(repo, monkeypatch):
        plan = plan_download(REPO_ID)
    assert set(plan.files) == MODEL_FILES | {"spiece.model"}


# -- downloading ------------------------------------------------------------------------------
def test_download_fills_the_cache_and_then_resolves_offline(
    fake_hub: FakeHub, repo: Path, hub_cache: Path, request: pytest.FixtureRequest
) -> None:
    plan = plan_download(REPO_ID)
    progress = Progress()
    folder = download(plan, progress, threading.Event())

    progress.assert_monotonic(plan.total_bytes)
    assert progress.calls[-1] == (plan.total_bytes, plan.total_bytes)
    assert len(progress.calls) > len(plan.files)  # byte steps, not only one per file
    assert folder.model_id == REPO_ID
    assert folder.architecture == "BlenderbotForConditionalGeneration"
    assert read_model_card(folder.path, REPO_ID).license == "apache-2.0"  # Help > About
    files = snapshot_files(hub_cache)
    assert files == {name: (repo / name).read_bytes() for name in MODEL_FILES}
    assert fake_hub.downloaded_files() == MODEL_FILES
    gets = [r.path for r in fake_hub.requests if r.method == "GET" and "/resolve/" in r.path]
    assert gets[-1].endswith("/pytorch_model.bin")  # weights last
    assert all(r.range is None for r in fake_hub.requests)
    assert leftovers(hub_cache) == []

    again = plan_download(REPO_ID)  # the dry run now sees everything cached
    assert again.cached_bytes == again.total_bytes == plan.total_bytes

    guard: NetworkGuard = request.getfixturevalue("no_network")
    before = len(fake_hub.requests)
    resolved = resolve(REPO_ID)
    assert resolved.path == folder.path
    assert guard.attempts == []
    assert len(fake_hub.requests) == before


def test_cancel_mid_download_raises_and_leaves_nothing_resolvable(
    fake_hub: FakeHub, repo: Path, hub_cache: Path
) -> None:
    plan = plan_download(REPO_ID)
    fake_hub.throttle_s = 0.002
    cancel = threading.Event()
    cancel_at = small_files_size(repo) + 40_000  # inside pytorch_model.bin
    progress = Progress(cancel, cancel_at)
    with pytest.raises(DownloadCancelled):
        download(plan, progress, cancel)
    progress.assert_monotonic(plan.total_bytes)
    last = progress.calls[-1][0]
    assert cancel_at <= last < cancel_at + 2 * CLIENT_CHUNK  # stopped at the next chunk
    with pytest.raises(ModelNotCached):
        resolve(REPO_ID)
    assert leftovers(hub_cache) == []
    assert "pytorch_model.bin" not in snapshot_files(hub_cache)


@pytest.mark.parametrize("completed", range(1, len(MODEL_FILES)))
def test_a_download_cancelled_after_any_file_is_not_taken_for_a_model(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch, completed: int
) -> None:
    """Weights come last, so a partial snapshot never passes for a complete model."""
    plan = plan_download(REPO_ID)
    cancel = threading.Event()
    real_download: Callable[..., Any] = huggingface_hub.hf_hub_download
    fetched: list[str] = []

    def fetch_then_cancel(*args: Any, **kwargs: Any) -> Any:
        path = real_download(*args, **kwargs)
        fetched.append(args[1])
        if len(fetched) == completed:
            cancel.set()
        return path

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fetch_then_cancel)
    with pytest.raises(DownloadCancelled):
        download(plan, lambda done, total: None, cancel)
    assert len(fetched) == completed
    with pytest.raises(ModelNotCached):
        resolve(REPO_ID)


def test_a_dropped_connection_is_resumed_with_a_range_request(
    fake_hub: FakeHub, repo: Path, hub_cache: Path
) -> None:
    plan = plan_download(REPO_ID)
    fake_hub.fail_after["pytorch_model.bin"] = 100_000
    progress = Progress()
    download(plan, progress, threading.Event())

    gets = fake_hub.file_requests("pytorch_model.bin")
    assert len(gets) == 2
    assert gets[0].range is None
    assert gets[1].range is not None and gets[1].range.startswith("bytes=")
    resumed_at = int(gets[1].range.removeprefix("bytes=").rstrip("-"))
    assert 100_000 - CLIENT_CHUNK < resumed_at <= 100_000
    fetched = snapshot_files(hub_cache)["pytorch_model.bin"]
    assert fetched == (repo / "pytorch_model.bin").read_bytes()
    progress.assert_monotonic(plan.total_bytes)
    assert progress.calls[-1][0] == plan.total_bytes
    assert resolve(REPO_ID).path.is_dir()


def test_a_cancelled_download_continues_on_the_next_attempt(
    fake_hub: FakeHub, repo: Path, hub_cache: Path
) -> None:
    first = plan_download(REPO_ID)
    fake_hub.throttle_s = 0.002
    cancel = threading.Event()
    with pytest.raises(DownloadCancelled):
        download(first, Progress(cancel, small_files_size(repo) + 40_000), cancel)
    fake_hub.throttle_s = 0.0

    second = plan_download(REPO_ID)
    assert second.files == first.files
    assert second.cached_bytes == small_files_size(repo)  # the dialog says so
    before = len(fake_hub.requests)
    progress = Progress()
    folder = download(second, progress, threading.Event())

    refetched = {r.path.rsplit("/", 1)[1] for r in fake_hub.requests[before:] if r.method == "GET"}
    assert refetched == {"pytorch_model.bin"}  # complete files are not fetched again
    progress.assert_monotonic(second.total_bytes)
    assert progress.calls[-1][0] == second.total_bytes
    assert snapshot_files(hub_cache) == {name: (repo / name).read_bytes() for name in MODEL_FILES}
    assert resolve(REPO_ID).path == folder.path
    assert leftovers(hub_cache) == []


def test_a_missing_repo_is_reported(fake_hub: FakeHub) -> None:
    from core.models import ModelError

    with pytest.raises(ModelError, match="Cannot reach the Hugging Face hub for nobody/nothing"):
        plan_download("nobody/nothing")


# -- the window -------------------------------------------------------------------------------
class DialogDriver:
    """Polls from the event loop (dialog.exec() blocks the test) and plays the user."""

    def __init__(self, step: Callable[[], bool]) -> None:
        self.step = step
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if self.step():
            self.timer.stop()


def test_the_window_downloads_a_missing_model_and_chats(
    qtbot: Any, make_window: WindowFactory, fake_hub: FakeHub, repo: Path, hub_cache: Path
) -> None:
    window = make_window(REPO_ID, headless=False, load=False, offline=False)
    plan_gate, weights_gate = threading.Event(), threading.Event()
    fake_hub.hold_api = plan_gate  # the plan arrives after the dialog was seen without it
    fake_hub.hold_files["pytorch_model.bin"] = weights_gate  # ends after the progress was seen
    seen: dict[str, Any] = {"sizes": [], "progress": []}

    def user() -> bool:
        dialog = window.missing_dialog
        if "clicked" not in seen:
            if dialog is None:
                return False
            modal = QApplication.activeModalWidget()
            seen["modal"] = isinstance(modal, ModelMissingDialog) and modal is dialog
            seen["sizes"].append(dialog.size_label.text())
            plan_gate.set()
            if not dialog.download_button.isEnabled():
                return False
            seen["plan"] = dialog.plan
            seen["clicked"] = True
            qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
            return False
        progress_dialog = window.download_dialog
        if progress_dialog is not None:
            seen["progress"].append((progress_dialog.value(), progress_dialog.labelText()))
            if progress_dialog.value() > 0:
                weights_gate.set()
        return window.model_info is not None

    driver = DialogDriver(user)
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.start_loading()
    driver.timer.stop()

    assert seen["modal"]
    assert seen["sizes"][0] == "Checking the download size…"
    plan: DownloadPlan = seen["plan"]
    assert set(plan.files) == MODEL_FILES
    assert seen["sizes"][-1] == f"Download size: {human_size(plan.total_bytes)} in 8 files."
    assert weights_gate.is_set()
    assert any(
        0 < value < 1000
        and text.startswith("Downloaded ")
        and text.endswith(f" of {human_size(plan.total_bytes)}")
        for value, text in seen["progress"]
    )
    assert window.download_dialog is None
    assert window.model_label.text().startswith(f"Ready: {REPO_ID}")
    assert fake_hub.downloaded_files() == MODEL_FILES

    try:
        with qtbot.waitSignal(window.reply_shown, timeout=60_000) as shown:
            window.input_box.setFocus()
            qtbot.keyClicks(window.input_box, "Hello there")
            qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    finally:
        window.setWindowModified(False)  # closing must not ask whether to save the chat
    assert shown.args[0].text.strip()


def test_cancel_in_the_progress_dialog_stops_the_download(
    qtbot: Any, make_window: WindowFactory, fake_hub: FakeHub, hub_cache: Path
) -> None:
    window = make_window(REPO_ID, headless=False, load=False, offline=False)
    weights_gate = threading.Event()
    fake_hub.hold_files["pytorch_model.bin"] = weights_gate  # mid-file when Cancel is pressed
    seen: dict[str, Any] = {}

    def user() -> bool:
        dialog = window.missing_dialog
        if "clicked" not in seen:
            if dialog is not None and dialog.download_button.isEnabled():
                seen["clicked"] = True
                qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
            return False
        progress_dialog = window.download_dialog
        if progress_dialog is None or progress_dialog.value() <= 0:
            return False
        cancel = progress_dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        seen["cancel_set"] = window.host.worker.download_cancel.is_set()
        weights_gate.set()
        return True

    driver = DialogDriver(user)
    with worker_signal(qtbot, window.host.worker.download_cancelled, timeout=30_000):
        window.start_loading()
    driver.timer.stop()

    assert seen["cancel_set"]
    # qtbot hears the worker's signal in the worker's thread; the window's slot is queued.
    qtbot.waitUntil(lambda: window.download_dialog is None, timeout=5_000)
    assert window.model_info is None
    assert window.model_label.text() == "Download cancelled; the files already fetched are kept"
    with pytest.raises(ModelNotCached):
        resolve(REPO_ID)
    assert "pytorch_model.bin" not in snapshot_files(hub_cache)
    assert leftovers(hub_cache) == []


def test_an_unreachable_hub_is_named_in_the_dialog(
    qtbot: Any, make_window: WindowFactory, fake_hub: FakeHub
) -> None:
    fake_hub.stop()  # nothing listens on its port now
    window = make_window(REPO_ID, headless=False, load=False, offline=False)
    seen: dict[str, Any] = {}

    def user() -> bool:
        dialog = window.missing_dialog
        if dialog is None or not dialog.size_label.text().startswith("Cannot reach"):
            return False
        seen["text"] = dialog.size_label.text()
        seen["enabled"] = dialog.download_button.isEnabled()
        dialog.reject()
        return True

    driver = DialogDriver(user)
    window.start_loading()
    qtbot.waitUntil(lambda: "text" in seen, timeout=30_000)
    driver.timer.stop()

    assert seen["text"].startswith(f"Cannot reach the Hugging Face hub for {REPO_ID}: ")
    assert not seen["enabled"]


def test_offline_the_download_button_stays_disabled_and_nothing_is_contacted(
    qtbot: Any,
    make_window: WindowFactory,
    fake_hub: FakeHub,
    offline: None,
    no_network: NetworkGuard,
) -> None:
    window = make_window(REPO_ID, headless=False, load=False, offline=True)
    seen: dict[str, Any] = {"ticks": 0}

    def user() -> bool:
        dialog = window.missing_dialog
        if dialog is None:
            return False
        seen["ticks"] += 1
        seen["enabled"] = seen.get("enabled", False) or dialog.download_button.isEnabled()
        seen["text"] = dialog.size_label.text()
        if seen["ticks"] < 30:  # give a plan (that must not come) time to arrive
            return False
        dialog.reject()
        seen["closed"] = True
        return True

    driver = DialogDriver(user)
    window.start_loading()
    qtbot.waitUntil(lambda: seen.get("closed", False), timeout=30_000)
    driver.timer.stop()

    assert not seen["enabled"]
    assert seen["text"].startswith("Offline mode is on, so nothing will be downloaded.")
    assert fake_hub.requests == []
    assert no_network.attempts == []
    assert window.model_info is None


@pytest.mark.parametrize("offline", [True, False])
def test_enter_in_the_model_needed_dialog_never_quits(qtbot: Any, offline: bool) -> None:
    from PySide6.QtCore import Qt

    dialog = ModelMissingDialog("facebook/blenderbot-400M-distill", offline)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.quit_button.isDefault() and dialog.folder_button.isDefault()
    if offline:
        assert "Choose a folder that holds a model" in dialog.size_label.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == ModelMissingDialog.CHOOSE_FOLDER

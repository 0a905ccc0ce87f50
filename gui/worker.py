"""The model worker: a QObject living in its own QThread that owns the engine.

Commands arrive as queued signals from the GUI thread (``load``, ``generate``, ``plan_download``,
``download``), each carrying a request value (``core.requests``); results leave as signals. The
worker never touches a widget, and nothing writes the worker's attributes from another thread.
Each reply request carries its own ``threading.Event``, which the GUI thread sets directly, so a
Stop takes effect at the next decoding step instead of waiting behind the busy event queue.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.engines import create_engine
from core.engines.base import Engine, EngineError, GenerationCancelled, ModelInfo
from core.heap import collect_dropped_model, long_lived_objects
from core.models import (
    DownloadCancelled,
    DownloadPlan,
    ModelError,
    ModelNotCached,
    download,
    offline_mode,
    plan_download,
    resolve,
)
from core.requests import GenerateRequest, LoadRequest
from core.servers import ServerConfig

log = logging.getLogger(__name__)


class LoadCancelled(Exception):
    """The app is closing while a model loads."""


class ChatWorker(QObject):
    """Loads a model and generates replies in the thread it has been moved to."""

    load_progress = Signal(int, str)
    loaded = Signal(object)  # ModelInfo
    load_failed = Signal(str)
    model_missing = Signal(str)  # hub id not in the local cache
    download_planned = Signal(object)  # DownloadPlan
    download_plan_failed = Signal(str)
    download_progress = Signal(object, object)  # done bytes, total bytes (may exceed 2**31)
    download_finished = Signal(str)  # folder
    download_failed = Signal(str)
    download_cancelled = Signal()
    context_measured = Signal(object)  # ContextWindow
    reply_delta = Signal(int, str)
    reply_finished = Signal(int, object)  # request id, Reply
    reply_failed = Signal(int, str)
    reply_cancelled = Signal(int)
    model_replaced = Signal()  # after ``loaded``: the GUI thread collects the old model

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.download_cancel = threading.Event()
        self.closing = threading.Event()
        self.engine: Engine | None = None
        self.info: ModelInfo | None = None

    # -- loading -----------------------------------------------------------------------------
    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        """Resolve the reference without network access and load it with the chosen engine.

        The model loaded before stays in use until the new one has loaded; if the new one
        fails, ``loaded`` is emitted again for the old one, so the app stays usable.
        """
        reference = request.reference
        self.load_progress.emit(0, self.tr("Looking for the model…"))
        try:
            with long_lived_objects():  # torch's and transformers' imports are here
                if request.server is not None:
                    engine = remote_engine(request.server, request.api_key)
                else:
                    folder = resolve(reference)
                    engine = create_engine(
                        request.engine_choice,
                        folder,
                        self.data_dir,
                        request.threads,
                        request.device,
                    )
                info = engine.load(self._report_load_progress)
        except ModelNotCached as missing:
            self.model_missing.emit(missing.repo_id)
            self._keep_previous_model()
            return
        except LoadCancelled:
            return
        except (ModelError, EngineError) as error:
            log.warning("loading %s failed: %s", reference, error)
            self.load_failed.emit(str(error))
            self._keep_previous_model()
            return
        except Exception as error:
            log.exception("loading %s failed", reference)
            self.load_failed.emit(
                self.tr("{model} could not be loaded: {error}").format(model=reference, error=error)
            )
            self._keep_previous_model()
            return
        # A server is not a model to load at the next start: its reference stays empty.
        remembered = reference if request.server is None else ""
        replaced = self.engine is not None
        self.engine, self.info = engine, replace(info, reference=remembered)
        log.info("loaded %s with %s in %.2f s", info.model_id, info.engine, info.load_s)
        self.loaded.emit(self.info)
        if replaced:  # the old engine is dropped; what it left in cycles is frozen
            self.model_replaced.emit()

    def _keep_previous_model(self) -> None:
        if self.engine is not None and self.info is not None:
            self.loaded.emit(self.info)

    def _report_load_progress(self, percent: int, text: str) -> None:
        if self.closing.is_set():
            raise LoadCancelled()
        self.load_progress.emit(percent, text)

    # -- downloading -------------------------------------------------------------------------
    @Slot(str)
    def plan_download(self, repo_id: str) -> None:
        """Ask the hub what a download of ``repo_id`` would fetch (network)."""
        try:
            self.download_planned.emit(plan_download(repo_id))
        except ModelError as error:
            self.download_plan_failed.emit(str(error))

    @Slot(object, object)
    def download(self, plan: DownloadPlan, then_load: LoadRequest) -> None:
        """Download the planned files; then load the model as ``then_load`` says.

        The GUI thread clears ``download_cancel`` before asking, so a Cancel pressed before this
        slot runs is not lost.
        """
        try:
            folder = download(plan, self.download_progress.emit, self.download_cancel)
        except DownloadCancelled:
            self.download_cancelled.emit()
            return
        except Exception as error:  # noqa: BLE001 - network errors come in many types
            log.warning("download of %s failed: %s", plan.repo_id, error)
            self.download_failed.emit(
                self.tr("Downloading {model} failed: {error}").format(
                    model=plan.repo_id, error=error
                )
            )
            return
        self.download_finished.emit(str(folder.path))
        self.load(then_load)

    # -- replies -----------------------------------------------------------------------------
    @Slot(object)
    def measure(self, request: GenerateRequest) -> None:
        """Report how much of the conversation fits in the model's context window (an empty
        chat too: its meter shows the same limit as a long one)."""
        if self.engine is None:
            return
        try:
            self.context_measured.emit(self.engine.fit(request.turns, request.persona))
        except Exception:
            log.exception("measuring the context failed")

    @Slot(object)
    def generate(self, request: GenerateRequest) -> None:
        """Generate a reply to the newest turn of ``request``."""
        if self.engine is None:
            self.reply_failed.emit(request.request_id, self.tr("The model is not loaded."))
            return
        if request.stop.is_set() or self.closing.is_set():
            self.reply_cancelled.emit(request.request_id)
            return
        try:
            self.context_measured.emit(self.engine.fit(request.turns, request.persona))
            reply = self.engine.generate(
                request.turns,
                request.settings,
                lambda delta: self.reply_delta.emit(request.request_id, delta),
                request.stop,
                request.persona,
                request.avoid,
                prefix=request.prefix,
            )
        except GenerationCancelled:
            self.reply_cancelled.emit(request.request_id)
            return
        except Exception as error:
            log.exception("generation failed")
            self.reply_failed.emit(
                request.request_id, self.tr("The reply failed: {error}").format(error=error)
            )
            return
        self.reply_finished.emit(request.request_id, reply)


def remote_engine(server: ServerConfig, api_key: str) -> Engine:
    """The engine for an OpenAI-compatible server; refused in offline mode (``--offline``),
    where no server is contacted."""
    if offline_mode():
        raise EngineError(
            QCoreApplication.translate(
                "ChatWorker", "Offline mode is on: the server {server} is not contacted."
            ).format(server=server.title)
        )
    from core.engines.remote_engine import RemoteEngine

    return RemoteEngine(server, api_key)


class WorkerHost(QObject):
    """Owns the worker's thread: starts it, forwards commands, and shuts it down."""

    load_requested = Signal(object)  # LoadRequest
    generate_requested = Signal(object)  # GenerateRequest
    measure_requested = Signal(object)  # GenerateRequest
    plan_download_requested = Signal(str)
    download_requested = Signal(object, object)  # DownloadPlan, LoadRequest

    def __init__(self, worker: ChatWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.running: dict[int, GenerateRequest] = {}  # sent and not yet answered
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("confab-model-worker")
        worker.moveToThread(self.worker_thread)
        self.load_requested.connect(worker.load)
        self.generate_requested.connect(worker.generate)
        self.measure_requested.connect(worker.measure)
        self.plan_download_requested.connect(worker.plan_download)
        self.download_requested.connect(worker.download)
        worker.reply_finished.connect(self._forget_finished)
        worker.reply_failed.connect(self._forget_failed)
        worker.reply_cancelled.connect(self._forget_cancelled)
        worker.model_replaced.connect(self._collect_replaced_model)
        self.worker_thread.start()

    def generate(self, request: GenerateRequest) -> None:
        """Send ``request`` to the worker; its stop event is kept until it is answered."""
        self.running[request.request_id] = request
        self.generate_requested.emit(request)

    # One slot per signal shape: the worker's signals are queued to this thread.
    @Slot(int, object)
    def _forget_finished(self, request_id: int, _reply: object) -> None:
        self.running.pop(request_id, None)

    @Slot(int, str)
    def _forget_failed(self, request_id: int, _message: str) -> None:
        self.running.pop(request_id, None)

    @Slot(int)
    def _forget_cancelled(self, request_id: int) -> None:
        self.running.pop(request_id, None)

    @Slot()
    def _collect_replaced_model(self) -> None:
        collect_dropped_model()  # here, on the GUI thread: its garbage may hold Qt objects

    def stop_reply(self, request_id: int) -> None:
        """Ask that reply to stop at its next decoding step (or before it starts)."""
        request = self.running.get(request_id)
        if request is not None:
            request.stop.set()

    def shutdown(self, timeout_ms: int = 1500) -> bool:
        """Stop all work and end the thread; False if it is still busy after ``timeout_ms``."""
        self.worker.closing.set()
        for request in self.running.values():
            request.stop.set()
        self.worker.download_cancel.set()
        self.worker_thread.quit()
        finished = self.worker_thread.wait(timeout_ms)
        if not finished:
            log.warning("the model worker is still busy after %d ms", timeout_ms)
        return bool(finished)

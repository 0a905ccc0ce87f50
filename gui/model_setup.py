"""Getting a model ready: load it in the worker, or download it with consent, or choose a folder.

``ModelSetup`` owns the status bar's model label and progress bar and the dialogs of this flow
(model missing, download progress, load failed). It sends load and download requests to the
worker and reports ``model_ready`` / ``model_failed`` to the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
)

from core.engines import EngineChoice
from core.engines.base import ModelInfo
from core.models import DownloadPlan
from core.requests import LoadRequest
from core.servers import ServerConfig
from gui.core_texts import core_text
from gui.dialogs import ModelMissingDialog, human_size
from gui.worker import WorkerHost

ServerOption = Callable[[str], tuple[ServerConfig | None, str]]
"""Given a model reference: the server to load it from and its API key, or (None, "")."""


class ModelSetup(QObject):
    """The load / download / choose-a-model flow of one window."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)
    busy_changed = Signal()
    milestone = Signal(str)  # loading started, ready, download started: for screen readers

    def __init__(
        self,
        window: QMainWindow,
        host: WorkerHost,
        reference: str,
        offline: bool,
        load_options: Callable[[], tuple[EngineChoice, int]],
        headless: Callable[[], bool],
        device_option: Callable[[], str] = lambda: "auto",
        server_option: ServerOption | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.host = host
        self.reference = reference
        self.offline = offline
        self.load_options = load_options
        self.headless = headless
        self.device_option = device_option  # "auto", "cpu", "mps" or "cuda:N"
        # Given the reference to load: the server to chat through and its API key, or
        # (None, "") for a model on this computer. By default, the server given on the
        # command line (the window's LaunchOptions), for the reference it was given with.
        self.server_option: ServerOption = server_option or self._launch_server
        self.server: ServerConfig | None = None  # the server of the last load asked for
        self.info: ModelInfo | None = None
        # Given a load error, may start another load instead (the window falls back to the
        # automatic engine); True means it did, and the error is not shown.
        self.fallback: Callable[[str], bool] = lambda message: False
        self.loading = False
        self.download_dialog: QProgressDialog | None = None
        self.missing_dialog: ModelMissingDialog | None = None
        self.label = QLabel(self.tr("No model"))
        # The name stays the label's text, so that a screen reader reads the status itself.
        self.label.setAccessibleDescription(self.tr("Model status"))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.setAccessibleName(self.tr("Model loading progress"))
        self.progress_bar.hide()
        worker = host.worker
        worker.load_progress.connect(self.on_load_progress)
        worker.loaded.connect(self.on_loaded)
        worker.load_failed.connect(self.on_load_failed)
        worker.model_missing.connect(self.on_model_missing)
        worker.download_planned.connect(self.on_download_planned)
        worker.download_plan_failed.connect(self.on_download_plan_failed)
        worker.download_progress.connect(self.on_download_progress)
        worker.download_failed.connect(self.on_download_failed)
        worker.download_cancelled.connect(self.on_download_cancelled)
        worker.download_finished.connect(self.on_download_finished)

    def _request(self, reference: str) -> LoadRequest:
        engine, threads = self.load_options()
        self.server, api_key = self.server_option(reference)
        return LoadRequest(
            reference, engine, threads, self.device_option(), server=self.server, api_key=api_key
        )

    def _launch_server(self, reference: str) -> tuple[ServerConfig | None, str]:
        """The command line's ``--server`` (``LaunchOptions.server``) while the reference is
        the one it started with; a model chosen later is loaded here."""
        options = getattr(self.window, "options", None)
        server = getattr(options, "server", None)
        launched = getattr(options, "model_reference", None)
        if not isinstance(server, ServerConfig) or reference != launched:
            return None, ""
        return server, str(getattr(options, "api_key", ""))

    def _set_loading(self, loading: bool) -> None:
        self.loading = loading
        self.progress_bar.setVisible(loading)
        self.busy_changed.emit()

    def start_loading(self, reference: str | None = None) -> None:
        """Load ``reference`` (or the current model) in the worker."""
        if reference is not None:
            self.reference = reference
        self.info = None
        self.progress_bar.setValue(0)
        self._set_loading(True)
        self.label.setText(self.tr("Loading {name}…").format(name=self.reference))
        self.milestone.emit(self.tr("Loading the model {name}").format(name=self.reference))
        self.host.load_requested.emit(self._request(self.reference))

    @Slot(int, str)
    def on_load_progress(self, percent: int, text: str) -> None:
        self.progress_bar.setValue(percent)
        self.label.setText(
            self.tr("Loading {name}: {step}").format(name=self.reference, step=core_text(text))
        )

    @Slot(object)
    def on_loaded(self, info: ModelInfo) -> None:
        self.info = info
        if info.reference:
            self.reference = info.reference
        self._set_loading(False)
        where = "" if info.device == "cpu" else f", {info.device}"
        self.label.setText(
            self.tr("Ready: {model} ({engine})").format(
                model=info.model_id, engine=f"{info.engine}{where}"
            )
        )
        details = self.tr(
            "{architecture}, {millions} M parameters, context {tokens} tokens, "
            "loaded in {seconds} s"
        ).format(
            architecture=info.architecture,
            millions=f"{info.parameters / 1e6:.1f}",
            tokens=info.context_limit,
            seconds=f"{info.load_s:.1f}",
        )
        if info.device_reason:
            details += "\n" + self.tr("Device: {reason}").format(
                reason=core_text(info.device_reason)
            )
        self.label.setToolTip(f"{info.path}\n{details}")
        self.milestone.emit(self.tr("The model {name} is ready").format(name=info.model_id))
        self.model_ready.emit(info)

    @Slot(str)
    def on_load_failed(self, message: str) -> None:
        self._set_loading(False)
        if self.server is None and self.fallback(message):  # a server has no engine choice
            return
        self.label.setText(self.tr("Model error"))
        self.label.setToolTip(message)
        self.model_failed.emit(message)
        if self.headless():
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            self.tr("The model cannot be used"),
            message,
            parent=self.window,
        )
        choose = box.addButton(self.tr("Choose Model Folder…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is choose:
            self.choose_model_folder()

    @Slot(str)
    def on_model_missing(self, repo_id: str) -> None:
        self._set_loading(False)
        self.label.setText(self.tr("{name} is not on this computer").format(name=repo_id))
        if self.headless():
            self.model_failed.emit(
                self.tr("The model {name} is not in the local Hugging Face cache.").format(
                    name=repo_id
                )
            )
            return
        engine, _threads = self.load_options()
        dialog = ModelMissingDialog(repo_id, self.offline, self.window, engine=engine)
        self.missing_dialog = dialog
        if not self.offline:
            self.host.plan_download_requested.emit(repo_id)
        choice = dialog.exec()
        self.missing_dialog = None
        if choice == ModelMissingDialog.DOWNLOAD and dialog.plan is not None:
            self.start_download(dialog.plan)
        elif choice == ModelMissingDialog.CHOOSE_FOLDER:
            self.choose_model_folder()
        elif choice == ModelMissingDialog.QUIT:
            QTimer.singleShot(0, self.window.close)

    @Slot(object)
    def on_download_planned(self, plan: DownloadPlan) -> None:
        if self.missing_dialog is not None:
            self.missing_dialog.set_plan(plan)

    @Slot(str)
    def on_download_plan_failed(self, message: str) -> None:
        if self.missing_dialog is not None:
            self.missing_dialog.set_plan_failed(message)

    def start_download(self, plan: DownloadPlan) -> None:
        """Download with a cancellable progress dialog; the worker loads the model after."""
        dialog = QProgressDialog(
            self.tr("Downloading {name}…").format(name=plan.repo_id),
            self.tr("Cancel"),
            0,
            1000,
            self.window,
        )
        dialog.setWindowTitle(self.tr("Downloading the model"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        self.host.worker.download_cancel.clear()
        dialog.canceled.connect(self.host.worker.download_cancel.set)
        self.download_dialog = dialog
        dialog.show()
        self._set_loading(True)
        self.label.setText(self.tr("Downloading {name}…").format(name=plan.repo_id))
        self.milestone.emit(self.tr("Downloading the model {name}").format(name=plan.repo_id))
        self.host.download_requested.emit(plan, self._request(plan.repo_id))

    @Slot(object, object)
    def on_download_progress(self, done: int, total: int) -> None:
        dialog = self.download_dialog
        if dialog is not None and total:
            dialog.setLabelText(
                self.tr("Downloaded {done} of {total}").format(
                    done=human_size(done), total=human_size(total)
                )
            )
            # Last: a modal progress dialog processes events in setValue, where the download
            # may finish and close it.
            dialog.setValue(int(1000 * done / total))

    def _close_download_dialog(self) -> None:
        if self.download_dialog is not None:
            self.download_dialog.canceled.disconnect()
            self.download_dialog.close()
            self.download_dialog = None

    @Slot(str)
    def on_download_finished(self, folder: str) -> None:
        self._close_download_dialog()
        self.label.setText(self.tr("Downloaded to {folder}").format(folder=folder))

    @Slot(str)
    def on_download_failed(self, message: str) -> None:
        self._close_download_dialog()
        self.on_load_failed(message)

    @Slot()
    def on_download_cancelled(self) -> None:
        self._close_download_dialog()
        self._set_loading(False)
        self.label.setText(self.tr("Download cancelled; the files already fetched are kept"))
        self.milestone.emit(self.label.text())

    def choose_model_folder(self) -> None:
        """File > Open Model Folder…: load a model from a local folder."""
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Choose a model folder"))
        if folder:
            self.start_loading(folder)

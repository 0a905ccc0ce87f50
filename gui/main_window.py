"""The main window: message list, input box, menus and status bar; owns the session state.

Data flows one way: the input box adds a user turn to the conversation, the window sends a
snapshot (turns + settings) to the worker, and the worker's signals update the list model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.context import ContextWindow, Turn
from core.conversation import Conversation, utc_now
from core.engines import ENGINE_CHOICES, EngineChoice
from core.engines.base import ModelInfo, Reply
from core.models import DownloadPlan
from core.settings import PRESETS, GenerationSettings
from core.transcript import Transcript
from gui.app_settings import AppSettings
from gui.chat_files import ChatFiles
from gui.dialogs import AboutDialog, ModelMissingDialog, human_size
from gui.input_box import InputBox
from gui.message_list import MessageListModel, MessageListView
from gui.worker import ChatWorker, GenerateRequest, WorkerHost

log = logging.getLogger(__name__)

ENGINE_LABELS: dict[EngineChoice, str] = {
    "auto": "Automatic (fast when the model allows)",
    "transformers": "Transformers (reference, fp32)",
    "fast": "Fast (int8)",
}


@dataclass(frozen=True)
class LaunchOptions:
    """What main.py decided from the command line and the remembered settings."""

    data_dir: Path
    model_reference: str
    engine: EngineChoice
    threads: int
    offline: bool


class MainWindow(QMainWindow):
    """Confab's one window."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)
    reply_shown = Signal(object)  # Reply

    def __init__(self, options: LaunchOptions, settings: AppSettings) -> None:
        super().__init__()
        self.options = options
        self.settings = settings
        self.conversation = Conversation()
        self.model_info: ModelInfo | None = None
        self.model_reference = options.model_reference
        self.engine_choice: EngineChoice = options.engine
        self.active_request: int | None = None
        self.last_request = 0
        self.loading = False
        self.download_dialog: QProgressDialog | None = None
        self.missing_dialog: ModelMissingDialog | None = None

        self.generation: GenerationSettings = settings.generation
        self.files = ChatFiles(self)
        self.update_title()
        self._build_widgets()
        self._build_menus()
        self._build_status_bar()

        worker = ChatWorker(options.data_dir, options.engine, options.threads)
        self.host = WorkerHost(worker, self)
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
        worker.context_measured.connect(self.on_context_measured)
        worker.reply_delta.connect(self.on_reply_delta)
        worker.reply_finished.connect(self.on_reply_finished)
        worker.reply_failed.connect(self.on_reply_failed)
        worker.reply_cancelled.connect(self.on_reply_cancelled)

        geometry = settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(900, 700)
        self._update_actions()

    # -- construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.message_model = MessageListModel(self)
        self.message_view = MessageListView()
        self.message_model.set_messages(self.conversation.messages)
        self.message_view.setModel(self.message_model)
        self.input_box = InputBox()
        self.input_box.submitted.connect(self.send_message)
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Send the message (Enter)")
        self.send_button.clicked.connect(self.send_message)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the reply being written (Esc)")
        self.stop_button.clicked.connect(self.stop_reply)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch()
        input_row = QHBoxLayout()
        input_row.addWidget(self.input_box, 1)
        input_row.addLayout(buttons)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.message_view, 1)
        layout.addLayout(input_row)
        self.setCentralWidget(central)
        self.input_box.setFocus()

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        self.file_menu = menu_bar.addMenu("&File")
        self.files.build_menu(self.file_menu)
        self.open_model_action = QAction("Open Model &Folder…", self)
        self.open_model_action.triggered.connect(self.choose_model_folder)
        self.file_menu.addAction(self.open_model_action)
        self.reload_model_action = QAction("&Reload Model", self)
        self.reload_model_action.setToolTip(
            "Load the model again (after a cancelled download or a failed load)"
        )
        self.reload_model_action.triggered.connect(lambda: self.start_loading())
        self.file_menu.addAction(self.reload_model_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        edit_menu = menu_bar.addMenu("&Edit")
        self.copy_action = QAction("&Copy Messages", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selected_messages)
        self.message_view.addAction(self.copy_action)
        self.message_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        edit_menu.addAction(self.copy_action)
        select_all = QAction("Select &All Messages", self)
        select_all.triggered.connect(self.message_view.selectAll)
        edit_menu.addAction(select_all)

        chat_menu = menu_bar.addMenu("&Chat")
        self.stop_action = QAction("&Stop Reply", self)
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.triggered.connect(self.stop_reply)
        chat_menu.addAction(self.stop_action)
        persona_action = QAction("Bot &Persona…", self)
        persona_action.triggered.connect(self.edit_persona)
        chat_menu.addAction(persona_action)
        style_menu = chat_menu.addMenu("Reply &Style")
        style_group = QActionGroup(self)
        self.preset_actions: dict[str, QAction] = {}
        for name in PRESETS:
            action = QAction(name, self, checkable=True)
            action.setChecked(name == self.settings.preset)
            action.triggered.connect(lambda _=False, n=name: self.set_preset(n))
            style_group.addAction(action)
            style_menu.addAction(action)
            self.preset_actions[name] = action
        engine_menu = chat_menu.addMenu("&Engine")
        engine_group = QActionGroup(self)
        for choice in ENGINE_CHOICES:
            action = QAction(ENGINE_LABELS[choice], self, checkable=True)
            action.setChecked(choice == self.engine_choice)
            action.triggered.connect(lambda _=False, c=choice: self.set_engine(c))
            engine_group.addAction(action)
            engine_menu.addAction(action)
        threads_action = QAction("CPU &Threads…", self)
        threads_action.triggered.connect(self.edit_threads)
        chat_menu.addAction(threads_action)

        help_menu = menu_bar.addMenu("&Help")
        about_action = QAction(f"&About {APP_NAME}", self)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.model_label = QLabel("No model")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.hide()
        self.context_label = QLabel("")
        status.addWidget(self.model_label)
        status.addWidget(self.progress_bar)
        status.addPermanentWidget(self.context_label)

    # -- model loading -------------------------------------------------------------------------
    def start_loading(self, reference: str | None = None) -> None:
        """Load ``reference`` (or the current model) in the worker."""
        if reference is not None:
            self.model_reference = reference
        self.model_info = None
        self.loading = True
        self.model_label.setText(f"Loading {self.model_reference}…")
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.host.worker.engine_choice = self.engine_choice
        self.host.worker.threads = self.settings.threads
        self._update_actions()
        self.host.load_requested.emit(self.model_reference)

    @Slot(int, str)
    def on_load_progress(self, percent: int, text: str) -> None:
        self.progress_bar.setValue(percent)
        self.model_label.setText(f"Loading {self.model_reference}: {text}")

    @Slot(object)
    def on_loaded(self, info: ModelInfo) -> None:
        self.model_info = info
        if info.reference:
            self.model_reference = info.reference
            self.settings.model = info.reference  # remembered once it has worked
        self.loading = False
        self.progress_bar.hide()
        self.model_label.setText(f"Ready: {info.model_id} ({info.engine})")
        self.model_label.setToolTip(
            f"{info.path}\n{info.architecture}, {info.parameters / 1e6:.1f} M parameters, "
            f"context {info.context_limit} tokens, loaded in {info.load_s:.1f} s"
        )
        self._update_actions()
        self.model_ready.emit(info)
        if self._awaiting_reply():
            self.start_reply()
        else:
            self._measure_context()

    @Slot(str)
    def on_load_failed(self, message: str) -> None:
        self.loading = False
        self.progress_bar.hide()
        self.model_label.setText("Model error")
        self.model_label.setToolTip(message)
        self._update_actions()
        self.model_failed.emit(message)
        if self.options_headless():
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical, f"{APP_NAME}: the model cannot be used", message, parent=self
        )
        choose = box.addButton("Choose Model Folder…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is choose:
            self.choose_model_folder()

    @Slot(str)
    def on_model_missing(self, repo_id: str) -> None:
        self.loading = False
        self.progress_bar.hide()
        self.model_label.setText(f"{repo_id} is not on this computer")
        self._update_actions()
        if self.options_headless():
            self.model_failed.emit(f"The model {repo_id} is not in the local Hugging Face cache.")
            return
        dialog = ModelMissingDialog(repo_id, self.options.offline, self)
        self.missing_dialog = dialog
        if not self.options.offline:
            self.host.plan_download_requested.emit(repo_id)
        choice = dialog.exec()
        self.missing_dialog = None
        if choice == ModelMissingDialog.DOWNLOAD and dialog.plan is not None:
            self.start_download(dialog.plan)
        elif choice == ModelMissingDialog.CHOOSE_FOLDER:
            self.choose_model_folder()
        elif choice == ModelMissingDialog.QUIT:
            QTimer.singleShot(0, self.close)

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
        dialog = QProgressDialog(f"Downloading {plan.repo_id}…", "Cancel", 0, 1000, self)
        dialog.setWindowTitle(f"{APP_NAME}: downloading")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        self.host.worker.download_cancel.clear()
        dialog.canceled.connect(self.host.worker.download_cancel.set)
        self.download_dialog = dialog
        dialog.show()
        self.loading = True
        self.model_label.setText(f"Downloading {plan.repo_id}…")
        self.host.download_requested.emit(plan)

    @Slot(object, object)
    def on_download_progress(self, done: int, total: int) -> None:
        dialog = self.download_dialog
        if dialog is not None and total:
            dialog.setLabelText(f"Downloaded {human_size(done)} of {human_size(total)}")
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
        self.model_label.setText(f"Downloaded to {folder}")

    @Slot(str)
    def on_download_failed(self, message: str) -> None:
        self._close_download_dialog()
        self.on_load_failed(message)

    @Slot()
    def on_download_cancelled(self) -> None:
        self._close_download_dialog()
        self.loading = False
        self.model_label.setText("Download cancelled; the files already fetched are kept")
        self._update_actions()

    def choose_model_folder(self) -> None:
        """File > Open Model Folder…: load a model from a local folder, and remember it."""
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder")
        if folder:
            self.start_loading(folder)

    # -- conversation --------------------------------------------------------------------------
    @Slot()
    def send_message(self) -> None:
        """Send the input box's text as a user turn (ignored when blank or a reply is running)."""
        text = self.input_box.text()
        if not text.strip():
            return
        if self.active_request is not None:
            self.statusBar().showMessage("Wait for the reply, or press Stop.", 3000)
            return
        self.input_box.clear()
        self.input_box.setFocus()
        self.conversation.add("user", text.strip("\n"))
        self.message_model.message_appended()
        self.message_view.scrollToBottom()
        self.conversation_changed()
        if self.model_info is not None:
            self.start_reply()
        else:
            self.statusBar().showMessage("The bot will answer once the model is loaded.", 5000)

    def start_reply(self) -> None:
        """Send the dialogue so far to the worker."""
        self.last_request += 1
        self.active_request = self.last_request
        self.host.worker.stop_event.clear()
        self.message_model.start_pending()
        self.message_view.scrollToBottom()
        self._update_actions()
        self.host.generate_requested.emit(self._request(self.last_request))

    def _request(self, request_id: int) -> GenerateRequest:
        turns = tuple(Turn(m.role, m.content) for m in self.conversation.dialogue())
        return GenerateRequest(request_id, turns, self.generation, self.conversation.persona)

    def _awaiting_reply(self) -> bool:
        dialogue = self.conversation.dialogue()
        return bool(dialogue) and dialogue[-1].role == "user" and self.active_request is None

    def _measure_context(self) -> None:
        if self.model_info is not None and self.conversation.dialogue():
            self.host.measure_requested.emit(self._request(0))
        elif self.model_info is not None:
            self.context_label.setText(f"context 0/{self.model_info.context_limit} tokens")

    @Slot()
    def stop_reply(self) -> None:
        """Stop the reply being generated (takes effect at the next decoding step)."""
        if self.active_request is not None:
            self.host.stop_reply()
            self.statusBar().showMessage("Stopping…", 2000)

    @Slot(int, str)
    def on_reply_delta(self, request_id: int, delta: str) -> None:
        if request_id == self.active_request:
            at_bottom = self._scrolled_to_bottom()
            self.message_model.append_pending_text(delta)
            if at_bottom:
                self.message_view.scrollToBottom()

    @Slot(int, object)
    def on_reply_finished(self, request_id: int, reply: Reply) -> None:
        if request_id != self.active_request:
            return
        self.active_request = None
        self.conversation.add("assistant", reply.text, reply.meta())
        self.message_model.message_appended()
        self.message_view.scrollToBottom()
        self.statusBar().showMessage(f"Replied in {reply.reply_s:.1f} s", 6000)
        self._update_actions()
        self.conversation_changed()
        self._measure_context()
        self.reply_shown.emit(reply)
        if self._awaiting_reply():
            self.start_reply()

    @Slot(int, str)
    def on_reply_failed(self, request_id: int, message: str) -> None:
        if request_id != self.active_request:
            return
        self.active_request = None
        self.message_model.end_pending()
        self.conversation.add("system", message)
        self.message_model.message_appended()
        self._update_actions()
        self.conversation_changed()

    @Slot(int)
    def on_reply_cancelled(self, request_id: int) -> None:
        if request_id != self.active_request:
            return
        self.active_request = None
        self.message_model.end_pending()
        self.statusBar().showMessage("Reply stopped.", 4000)
        self._update_actions()

    @Slot(object)
    def on_context_measured(self, window: ContextWindow) -> None:
        self.context_label.setText(window.describe())

    def conversation_changed(self) -> None:
        """Called after every change to the conversation: mark it unsaved and autosave it."""
        self.conversation.updated_at = utc_now()
        self.setWindowModified(True)
        self.files.write_autosave()

    def show_transcript(self, transcript: Transcript) -> None:
        """Make ``transcript`` the window's chat: the list, the bot's context, the settings."""
        self.conversation = transcript.conversation
        self.message_model.set_messages(self.conversation.messages)
        self.message_view.scrollToBottom()
        self.generation = transcript.settings
        for name, action in self.preset_actions.items():
            action.setChecked(PRESETS[name] == transcript.settings)
        self.context_label.setText("")
        self._measure_context()

    def ready_to_replace_chat(self) -> bool:
        """Stop a reply in flight before the chat it belongs to is replaced."""
        if self.active_request is not None:
            self.host.stop_reply()
            self.active_request = None
            self.message_model.end_pending()
            self._update_actions()
        return True

    def update_title(self) -> None:
        """``name.confab.json[*] — Confab``; Qt shows ``*`` in place of ``[*]`` when modified."""
        path = self.files.current_path
        name = path.name if path else "Untitled chat"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")

    # -- small actions -------------------------------------------------------------------------
    def copy_selected_messages(self) -> None:
        text = self.message_view.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def edit_persona(self) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self,
            "Bot persona",
            'Lines that describe the bot, e.g. "I love dogs." '
            '(sent as "your persona: …", as BlenderBot was trained):',
            self.conversation.persona,
        )
        if ok and text != self.conversation.persona:
            self.conversation.persona = text
            self.conversation_changed()
            self._measure_context()

    def set_preset(self, name: str) -> None:
        self.settings.preset = name
        if PRESETS[name] != self.generation:
            self.generation = PRESETS[name]
            if self.conversation.messages:
                self.conversation_changed()
        self.statusBar().showMessage(f"Reply style: {name}", 3000)

    def set_engine(self, choice: EngineChoice) -> None:
        if choice == self.engine_choice:
            return
        self.engine_choice = choice
        self.settings.engine = choice
        if not self.loading and self.active_request is None:
            self.start_loading()

    def edit_threads(self) -> None:
        count, ok = QInputDialog.getInt(
            self,
            "CPU threads",
            "Threads used for replies (takes effect on the next load):",
            self.settings.threads,
            1,
            64,
        )
        if ok:
            self.settings.threads = count

    def show_about(self) -> None:
        if self.model_info is not None:
            info = self.model_info
            model = f"Model: {info.model_id} ({info.engine}), {info.path}"
        else:
            model = f"Model: {self.model_reference} (not loaded)"
        AboutDialog(model, self).exec()

    def options_headless(self) -> bool:
        """True when no person is there to answer dialogs (``--self-test``)."""
        return bool(self.property("headless"))

    def _scrolled_to_bottom(self) -> bool:
        bar = self.message_view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _update_actions(self) -> None:
        generating = self.active_request is not None
        self.stop_button.setEnabled(generating)
        self.stop_action.setEnabled(generating)
        self.send_button.setEnabled(not generating)
        self.open_model_action.setEnabled(not generating)
        self.reload_model_action.setEnabled(not generating and not self.loading)

    # -- shutdown ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.files.remove_autosave()  # a clean quit: the chat was saved or discarded
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.host.shutdown(1500)
        event.accept()

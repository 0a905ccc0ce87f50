"""The main window: the sidebar of chats, the message list, the input box, menus, status bar.

The window holds little state of its own. The chats and the reply loop live in the Qt-free
``ChatSession`` and ``ChatLibrary`` (core); the window sends them commands and observes them.
Data flows one way: input box -> session (user turn, written to the chat's file) -> request
to the worker -> worker signals -> session (reply recorded in the chat it belongs to, written)
-> observers update the list model and the sidebar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.context import ContextWindow
from core.conversation import Conversation
from core.engines import EngineChoice
from core.engines.base import ModelInfo, Reply
from core.library import Chat, ChatLibrary
from core.requests import GenerateRequest
from core.search_index import SearchHit
from core.servers import ServerConfig
from core.session import ChatSession
from gui.announcer import Announcer
from gui.app_settings import AppSettings
from gui.chat_files import ChatFiles
from gui.chat_settings_menu import ChatSettingsMenu
from gui.chat_undo import ChatUndo
from gui.context_meter import ContextMeter
from gui.core_texts import core_text
from gui.find_bar import FindBar
from gui.help_menu import HelpMenu
from gui.input_box import InputBox
from gui.input_meter import InputMeter
from gui.input_row import InputRow
from gui.library_start import LibraryStart
from gui.message_actions import MessageActions
from gui.message_list import MessageListModel
from gui.message_view import MessageListView
from gui.model_choices import ModelChoices
from gui.model_setup import ModelSetup
from gui.persona_panel import PersonaPanel
from gui.reply_actions import ReplyActions
from gui.search import SearchPanel
from gui.session_view import SessionView
from gui.sidebar import ChatListModel, Sidebar
from gui.theme import ThemeChoice
from gui.unsent_draft import remember_draft, restore_draft
from gui.view_options import ViewOptions
from gui.welcome_panel import MessageStack, WelcomePanel, waiting_note
from gui.window_geometry import fit_to_screen
from gui.worker import ChatWorker, WorkerHost
from gui.zoom import Zoom

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class LaunchOptions:
    """What main.py decided from the command line and the remembered settings."""

    data_dir: Path
    model_reference: str
    engine: EngineChoice
    threads: int
    offline: bool
    read_only: bool = False  # another Confab owns the data folder: show, never write
    persist: bool = True  # False for --self-test: nothing is written to the library
    server: ServerConfig | None = None  # --server: chat through it (model_reference names it)
    api_key: str = field(default="", repr=False)  # the server's key (CONFAB_API_KEY)
    theme: ThemeChoice | None = None  # --theme: this run only (View > Theme is remembered)


class MainWindow(QMainWindow):
    """Confab's one window."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)
    reply_shown = Signal(object)  # Reply

    def __init__(self, options: LaunchOptions, settings: AppSettings) -> None:
        super().__init__()
        self.options = options
        self.settings = settings
        self.engine_choice: EngineChoice = options.engine
        self.threads = options.threads
        self.search_panel: SearchPanel | None = None
        self.announcer = Announcer(self)

        self.library = ChatLibrary(options.data_dir, read_only=options.read_only,
                                   persist=options.persist)
        self.host = WorkerHost(ChatWorker(options.data_dir), self)
        self.session = ChatSession(self.library, self.request_reply, settings.generation)
        self.session.observers.append(SessionView(self))
        self.model_setup = ModelSetup(
            self,
            self.host,
            options.model_reference,
            options.offline,
            lambda: (self.engine_choice, self.threads),
            self.options_headless,
            lambda: self.settings.device,
            lambda reference: self.model_choices.server_for(reference),
        )
        self.model_choices = ModelChoices(self)
        self.model_setup.fallback = self.model_choices.fall_back
        self.model_setup.model_ready.connect(self.on_model_ready)
        self.model_setup.model_failed.connect(self.model_failed)
        self.model_setup.milestone.connect(self.announcer.announce)
        self.model_failed.connect(self.announcer.error)
        self.model_setup.busy_changed.connect(self.update_actions)
        worker = self.host.worker
        worker.context_measured.connect(self.on_context_measured)
        worker.reply_delta.connect(self.on_reply_delta)
        worker.reply_finished.connect(self.on_reply_finished)
        worker.reply_failed.connect(self.on_reply_failed)
        worker.reply_cancelled.connect(self.on_reply_cancelled)

        self.files = ChatFiles(self)
        self.chat_undo = ChatUndo(self)
        self.library_start = LibraryStart(self)
        self._build_widgets()
        self.view_options = ViewOptions(self, options.theme)
        self._build_menus()
        self._build_status_bar()
        geometry = settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)
        fit_to_screen(self)
        if options.persist and not options.read_only:
            self.library.remove_stale_temporaries()  # this process holds the folder's lock
        self.library_start.load_library()
        self.session.start()
        restore_draft(self)
        self.update_actions()

    # -- construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.chat_list_model = ChatListModel(self.library, self)
        self.sidebar = Sidebar(self.chat_list_model)
        self.sidebar.new_button.clicked.connect(self.files.new_chat)
        self.chat_list = self.sidebar.chat_list
        self.chat_list.chat_activated.connect(self.show_chat)
        self.chat_list.delete_pressed.connect(self.files.delete_chat)
        self.chat_list_model.modelReset.connect(self._select_current_in_sidebar)
        self.message_model = MessageListModel(self)
        self.message_view = MessageListView()
        self.message_view.setModel(self.message_model)
        self.message_view.typed.connect(self.type_into_input)
        self.welcome_panel = WelcomePanel(self.model_setup)
        self.message_stack = MessageStack(self.message_view, self.welcome_panel)
        self.input_box = InputBox()
        self.welcome_panel.prompt_chosen.connect(self.input_box.put_text)
        self.input_meter = InputMeter(self.input_box, lambda: self.model_info)
        self.model_setup.busy_changed.connect(self.input_meter.schedule)
        self.input_box.submitted.connect(self.send_message)
        self.input_box.up_in_empty.connect(self.edit_last_message)
        self.input_box.escape_pressed.connect(self.cancel_edit)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setToolTip(self.tr("Send the message (Enter)"))
        self.send_button.clicked.connect(self.send_message)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the reply being written (Esc)"))
        self.stop_button.clicked.connect(self.stop_reply)
        input_row = InputRow(self.input_box, [self.send_button, self.stop_button])
        self.find_bar = FindBar(self.message_model, self.message_view)
        self.find_bar.closed.connect(self.input_box.setFocus)
        chat_pane = QWidget()
        layout = QVBoxLayout(chat_pane)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.message_stack, 1)
        self.edit_bar_slot = QVBoxLayout()  # the edit bar goes here once the menus exist
        layout.addLayout(self.edit_bar_slot)
        layout.addWidget(self.input_meter)
        layout.addLayout(input_row)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(chat_pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        if not self.splitter.restoreState(self.settings.splitter_state or QByteArray()):
            self.splitter.setSizes([260, 840])
        self.sidebar.setVisible(self.settings.sidebar_visible)
        self.setCentralWidget(self.splitter)
        self.persona_panel = PersonaPanel(self)
        self.persona_panel.persona_applied.connect(self.set_persona)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.persona_panel)
        self.persona_panel.setVisible(self.settings.persona_panel_visible)
        self.input_box.setFocus()

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu(self.tr("&File"))
        self.files.build_menu(file_menu)
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        edit_menu = menu_bar.addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.chat_undo.undo_action)
        edit_menu.addAction(self.chat_undo.redo_action)
        edit_menu.addSeparator()
        self.copy_action = QAction(self.tr("&Copy Messages"), self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selected_messages)
        self.message_view.addAction(self.copy_action)
        edit_menu.addAction(self.copy_action)
        select_all = edit_menu.addAction(self.tr("Select &All Messages"))
        select_all.triggered.connect(self.message_view.selectAll)
        edit_menu.addSeparator()
        self.find_action = edit_menu.addAction(self.tr("&Find in Chat…"))
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.find_bar.open_bar)
        self.search_action = edit_menu.addAction(self.tr("Search All C&hats…"))
        self.search_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.search_action.triggered.connect(self.show_search)

        view_menu = menu_bar.addMenu(self.tr("&View"))
        self.sidebar_action = QAction(self.tr("Show &Sidebar"), self, checkable=True)
        self.sidebar_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.sidebar_action.setChecked(self.settings.sidebar_visible)
        self.sidebar_action.toggled.connect(self.set_sidebar_visible)
        view_menu.addAction(self.sidebar_action)
        persona_toggle = self.persona_panel.toggleViewAction()
        persona_toggle.setText(self.tr("&Persona Panel"))
        persona_toggle.setShortcut(QKeySequence("Ctrl+Shift+P"))
        view_menu.addAction(persona_toggle)
        view_menu.addSeparator()
        self.view_options.build_menu(view_menu)
        view_menu.addSeparator()
        self.zoom = Zoom([self.message_view, self.input_box], self.settings, self)
        self.zoom.add_to(view_menu)

        model_menu = menu_bar.addMenu(self.tr("&Model"))
        self.choose_model_action = model_menu.addAction(self.tr("&Choose Model…"))
        self.choose_model_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.choose_model_action.setToolTip(
            self.tr("BlenderBot models, any hub model, a folder, or a recent one; remove downloads")
        )
        self.choose_model_action.triggered.connect(self.choose_model)
        self.open_model_action = model_menu.addAction(self.tr("Open Model &Folder…"))
        self.open_model_action.triggered.connect(self.model_setup.choose_model_folder)
        self.welcome_panel.use_actions(self.choose_model_action, self.open_model_action)
        self.reload_model_action = model_menu.addAction(self.tr("&Reload Model"))
        self.reload_model_action.setToolTip(
            self.tr("Load the model again (after a cancelled download or a failed load)")
        )
        self.reload_model_action.triggered.connect(lambda: self.model_setup.start_loading())

        chat_menu = menu_bar.addMenu(self.tr("&Chat"))
        self.files.build_chat_menu(chat_menu)
        chat_menu.addSeparator()
        self.stop_action = chat_menu.addAction(self.tr("&Stop Reply"))
        self.stop_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_action.triggered.connect(self.stop_reply)
        self.reply_actions = ReplyActions(self, chat_menu)
        self.message_actions = MessageActions(self, chat_menu)
        self.edit_bar_slot.addWidget(self.message_actions.edit_bar)
        edit_menu.addSeparator()
        edit_menu.addAction(self.message_actions.copy_markdown_action)
        chat_menu.addSeparator()
        self.chat_settings = ChatSettingsMenu(self, chat_menu)
        edit_menu.addSeparator()
        self.preferences_action = edit_menu.addAction(self.tr("&Preferences…"))
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.open_preferences)
        self.sidebar.trash_button.setMenu(self.files.trash_menu)
        files = self.files
        self.chat_list.context_actions = [
            files.rename_action,
            files.pin_action,
            files.duplicate_action,
            files.delete_action,
        ]

        self.help_menu = HelpMenu(self, menu_bar.addMenu(self.tr("&Help")))

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.context_label = ContextMeter()
        # Status labels keep their text as their accessible name, so readers read it.
        self.speed_label = QLabel("")
        self.speed_label.setAccessibleDescription(self.tr("Speed of the last reply"))
        self.speed_label.setToolTip(self.tr("Tokens per second of the last reply"))
        self.model_button = QPushButton(self.tr("Model…"))
        self.model_button.setFlat(True)
        self.model_button.setToolTip(self.tr("Choose another model (Ctrl+Shift+M)"))
        self.model_button.setAccessibleName(self.tr("Choose model"))
        self.model_button.clicked.connect(self.choose_model)
        # Permanent sections: a passing message ("Replied in 1.6 s") never hides the model.
        status.addPermanentWidget(self.model_button)
        status.addPermanentWidget(self.model_setup.label)
        status.addPermanentWidget(self.model_setup.progress_bar)
        self.device_label = QLabel("")
        self.device_label.setAccessibleDescription(self.tr("Device the model runs on"))
        status.addPermanentWidget(self.device_label)
        status.addPermanentWidget(self.speed_label)
        status.addPermanentWidget(self.context_label)
        if self.options.read_only:
            status.addPermanentWidget(
                QLabel(self.tr("Read-only: another Confab uses this data folder"))
            )

    # -- the model -----------------------------------------------------------------------------
    def start_loading(self, reference: str | None = None) -> None:
        """Load ``reference`` (or the current model) in the worker."""
        self.session.model_unloaded()
        self.model_setup.start_loading(reference)

    @property
    def model_info(self) -> ModelInfo | None:
        return self.model_setup.info

    @Slot(object)
    def on_model_ready(self, info: ModelInfo) -> None:
        self.chat_settings.show_engine(self.engine_choice)
        if self.session.current is not None and self.session.current.transcript is not None:
            self.show_persona(self.session.current.transcript.conversation.persona)  # its hint
        device = core_text(info.device_reason or info.device)
        self.device_label.setText(device)
        where = self.tr("Where the model runs: {device}").format(device=device)
        self.device_label.setToolTip(where)
        if self.options.persist:  # what has worked is what the next start uses
            if info.reference:
                self.settings.model = info.reference
                self.settings.add_recent_model(info.reference)
            if self.engine_choice != self.options.engine:  # chosen in this window, not given
                self.settings.engine = self.engine_choice  # on the command line
        self.update_actions()
        self.model_ready.emit(info)
        self.session.model_loaded(info.model_id)
        self.measure_context()

    def choose_model(self) -> None:
        self.model_choices.choose_model()

    def open_preferences(self) -> None:
        self.model_choices.open_preferences()

    @property
    def model_label(self) -> QLabel:
        return self.model_setup.label

    @property
    def missing_dialog(self) -> QDialog | None:
        return self.model_setup.missing_dialog

    @property
    def download_dialog(self) -> QProgressDialog | None:
        return self.model_setup.download_dialog

    @property
    def conversation(self) -> Conversation:
        """The shown chat's conversation."""
        return self.session.transcript.conversation

    def request_reply(self, request: GenerateRequest) -> None:
        self.host.generate(request)
        self.update_actions()

    # -- the chat shown ------------------------------------------------------------------------
    @Slot(object)
    def show_chat(self, chat: Chat) -> None:
        """Switch to ``chat`` (from the sidebar); the input box keeps a draft per chat."""
        if chat is self.session.current:
            return
        self.keep_draft()
        if not self.session.select(chat):
            self._select_current_in_sidebar()

    def keep_draft(self) -> None:
        """Store the input box's text with the chat shown, before another one is. While a
        message is being edited the box holds that message, not the draft, which was kept
        when the edit began."""
        if self.session.current is not None and self.message_actions.editing is None:
            self.session.set_draft(self.session.current, self.input_box.text())

    def current_chat_changed(self, chat: Chat) -> None:
        self.context_label.clear_meter()  # until the new chat is measured
        self.reload_chat(chat)
        self.message_view.scrollToBottom()
        self.input_box.setPlainText(self.library.transcript(chat).draft)
        self.input_box.moveCursor(self.input_box.textCursor().MoveOperation.End)
        self._select_current_in_sidebar()

    def _select_current_in_sidebar(self) -> None:
        if self.session.current is not None:
            self.chat_list.select_chat(self.session.current)

    def update_title(self) -> None:
        chat = self.session.current
        title = (chat.title if chat else "") or self.tr("New chat")
        self.setWindowTitle(f"{title} — {APP_NAME}")

    def reload_chat(self, chat: Chat) -> None:
        """The shown chat changed as a whole (edit, delete, undo): show its messages again,
        keeping the input box as it is."""
        transcript = self.library.transcript(chat)
        pending = self.session.pending_for(chat)
        self.message_model.set_messages(
            transcript.conversation.messages, None if pending is None else pending.text
        )
        self.chat_settings.show_chat_settings(transcript.settings)
        self.show_persona(transcript.conversation.persona)
        self.message_actions.chat_changed()
        self.find_bar.refresh()
        self.update_title()
        self.update_actions()
        self.measure_context()

    def show_persona(self, persona: str) -> None:
        info = self.model_info
        causal = info is not None and "ForConditionalGeneration" not in info.architecture
        self.persona_panel.show_persona(persona, causal)

    @Slot(str)
    def set_persona(self, persona: str) -> None:
        """The persona panel applied a persona to the chat shown."""
        if self.session.current is None or self.session.current.damaged:
            return
        self.session.set_persona(persona)
        self.statusBar().showMessage(self.tr("Persona applied from the next reply on."), 3000)
        self.measure_context()

    def open_persona_panel(self) -> None:
        """Chat > Bot Persona: show the panel with the keyboard in it."""
        self.persona_panel.show()
        self.persona_panel.raise_()
        self.persona_panel.editor.setFocus()

    @Slot(str)
    def type_into_input(self, text: str) -> None:
        """Text typed while the message list has the focus goes to the input box."""
        self.input_box.setFocus()
        self.input_box.moveCursor(self.input_box.textCursor().MoveOperation.End)
        self.input_box.insertPlainText(text)

    @Slot()
    def edit_last_message(self) -> None:
        """Up in the empty input box: edit the last message you sent."""
        self.message_actions.edit_last()

    @Slot()
    def cancel_edit(self) -> None:
        self.message_actions.cancel_edit()

    @Slot()
    def send_message(self) -> None:
        """Send the input box's text as a user turn (ignored when blank or a reply is running);
        while a message is being edited, save the edit instead."""
        if self.message_actions.editing is not None:
            self.message_actions.finish_edit()
            return
        text = self.input_box.text()
        if not text.strip():
            return
        why_not = self.session.send(text)
        if why_not == "busy":
            self.statusBar().showMessage(self.tr("Wait for the reply, or press Stop."), 3000)
            return
        if why_not == "damaged":
            self.statusBar().showMessage(
                self.tr("This chat's file is damaged and cannot change."), 5000
            )
            return
        self.input_box.clear()
        self.input_box.setFocus()
        if not self.session.model_ready:
            self.statusBar().showMessage(waiting_note(self.model_setup), 15000)

    def measure_context(self) -> None:
        chat, info = self.session.current, self.model_info
        if chat is None or info is None or chat.transcript is None:
            return
        turns = self.session.turns(chat.transcript)
        persona = chat.transcript.conversation.persona
        self.host.measure_requested.emit(GenerateRequest(0, turns, persona=persona))

    @Slot()
    def stop_reply(self) -> None:
        """Stop the shown chat's reply (takes effect at the next decoding step)."""
        if self.session.stop():
            self.statusBar().showMessage(self.tr("Stopping…"), 2000)

    @Slot(int, str)
    def on_reply_delta(self, request_id: int, delta: str) -> None:
        self.session.reply_delta(request_id, delta)

    @Slot(int, object)
    def on_reply_finished(self, request_id: int, reply: Reply) -> None:
        self.session.reply_finished(request_id, reply.text, reply.meta())
        self.statusBar().showMessage(
            self.tr("Replied in {seconds} s").format(seconds=f"{reply.reply_s:.1f}"), 6000
        )
        if reply.reply_s > 0:
            self.speed_label.setText(
                self.tr("{rate} tokens/s").format(rate=f"{reply.tokens / reply.reply_s:.1f}")
            )
        self.measure_context()
        self.announcer.reply(reply.text)
        self.reply_shown.emit(reply)

    @Slot(int, str)
    def on_reply_failed(self, request_id: int, message: str) -> None:
        """A reply failed (a slot of the window, so the session is only ever touched on the
        GUI thread: the worker's signal arrives queued)."""
        self.session.reply_failed(request_id, message)
        self.announcer.error(message)

    @Slot(int)
    def on_reply_cancelled(self, request_id: int) -> None:
        self.session.reply_cancelled(request_id)
        self.statusBar().showMessage(self.tr("Reply stopped."), 4000)

    @Slot(object)
    def on_context_measured(self, window: ContextWindow) -> None:
        info = self.model_info
        self.context_label.show_window(window, window.limit if info is None else info.context_limit)
        self.show_what_the_bot_sees(window)

    def show_what_the_bot_sees(self, window: ContextWindow) -> None:
        """Dim the messages outside the bot's next input, from the fitting code's own answer.

        Only a measurement of the shown chat as it is now counts (a switch or a new message
        may have come since it was asked for)."""
        chat = self.session.current
        if chat is None or chat.transcript is None:
            return
        messages = chat.transcript.conversation.messages
        dialogue_rows = [row for row, m in enumerate(messages) if m.role in ("user", "assistant")]
        if window.turns_total != len(dialogue_rows) or not dialogue_rows:
            return
        first_kept = window.turns_total - window.turns_kept
        first_seen = dialogue_rows[min(first_kept, len(dialogue_rows) - 1)]
        partly = dialogue_rows[-1] if window.truncated_newest else -1
        self.message_model.set_seen(
            first_seen, partly, (window.newest_seen, window.newest_tokens)
        )

    def scrolled_to_bottom(self) -> bool:
        """Whether the message list shows its end (a streamed reply then keeps it in view)."""
        bar = self.message_view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    # -- small actions -------------------------------------------------------------------------
    def copy_selected_messages(self) -> None:
        text = self.message_view.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)

    def set_sidebar_visible(self, visible: bool) -> None:
        self.sidebar.setVisible(visible)
        self.settings.sidebar_visible = visible

    def show_search(self) -> None:
        """Edit > Search All Chats (Ctrl+Shift+F)."""
        if self.search_panel is None:
            self.search_panel = SearchPanel(self)
            self.search_panel.hit_chosen.connect(self.open_hit)
        self.search_panel.set_index(self.library_start.index)
        self.search_panel.show()
        self.search_panel.raise_()
        self.search_panel.activateWindow()
        self.search_panel.query.setFocus()
        self.search_panel.query.selectAll()

    @Slot(object)
    def open_hit(self, hit: SearchHit) -> None:
        """Show the chat of a search hit, scrolled to the message, which is selected."""
        chat = self.library.find_path(hit.path)
        if chat is None:
            self.statusBar().showMessage(self.tr("That chat is no longer in the library."), 5000)
            return
        self.show_chat(chat)
        if self.session.current is not chat:
            return
        row = min(hit.message_index, self.message_model.rowCount() - 1)
        index = self.message_model.index(row)
        self.message_view.setCurrentIndex(index)
        self.message_view.scrollTo(index, self.message_view.ScrollHint.PositionAtCenter)
        self.message_view.setFocus()

    @Slot(list)
    def open_handed_files(self, paths: list[str]) -> None:
        """Another Confab started on this data folder and handed its files over."""
        for path in paths:
            self.files.open_path(Path(path))
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def warn_read_only(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            APP_NAME,
            self.tr(
                "Another Confab is using this data folder but does not answer. This window "
                "shows your chats read-only: nothing you do here is saved. Close the other "
                "Confab (or wait for it) and start again to chat as usual."
            ),
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.read_only_box = box
        box.open()

    def show_problem(self, message: str) -> None:
        """A save or read failed: say so where it cannot be missed, and log it."""
        log.warning("%s", message)
        self.statusBar().showMessage(message, 15000)
        self.announcer.error(message)
        if not self.options_headless():
            QMessageBox.warning(self, APP_NAME, message)

    def options_headless(self) -> bool:
        """True when no person is there to answer dialogs (``--self-test``)."""
        return bool(self.property("headless"))

    def update_actions(self) -> None:
        """Enable what applies now: while a reply is written, Stop; otherwise Send and the
        actions on messages."""
        chat = self.session.current
        generating = chat is not None and self.session.pending_for(chat) is not None
        if not generating and self.stop_button.hasFocus():
            self.input_box.setFocus()  # not the next widget in the chain: typing goes on here
        self.stop_button.setEnabled(generating)
        self.stop_action.setEnabled(generating)
        self.send_button.setEnabled(not generating)
        self.message_actions.update_actions(generating)
        self.chat_undo.update_actions()
        self.open_model_action.setEnabled(not self.session.pending)
        self.choose_model_action.setEnabled(not self.session.pending)
        self.model_button.setEnabled(not self.session.pending)
        self.reload_model_action.setEnabled(
            not self.session.pending and not self.model_setup.loading
        )
        self.files.update_actions()

    # -- shutdown ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shut_down()
        event.accept()

    def shut_down(self) -> None:
        """Stop replies, keep the draft, remember the layout, end the worker thread."""
        self.keep_draft()
        remember_draft(self)
        self.session.stop_all()
        if self.library_start.refresher is not None:
            self.library_start.refresher.shutdown()
        if self.options.persist:
            self.settings.geometry = self.saveGeometry()
            self.settings.splitter_state = self.splitter.saveState()
            self.settings.persona_panel_visible = self.persona_panel.isVisible()
            self.settings.sync()
        self.host.shutdown(1500)

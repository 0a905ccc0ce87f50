"""The welcome panel, shown in place of the message list while the chat shown is empty.

Issue 12: a first-time user stared at a blank pane, and after Esc in the model-needed dialog
nothing said what to do. The panel says what the bot is and what it is bad at, what is
happening to the model now (loading, downloading, none, failed) with the way on, and offers
a few starter prompts, which go to the input box rather than being sent.

It follows ``ModelSetup``: its state is read from there whenever the setup reports a
change, so the panel and the status bar never disagree.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QLocale, Qt, Signal, Slot
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.models import SEQ2SEQ_ARCHITECTURES
from core.settings import ModelLimits
from gui.core_texts import core_text
from gui.dialogs import human_size
from gui.model_setup import ModelSetup

PanelState = Literal["no model", "loading", "downloading", "failed", "ready"]
BotKind = Literal["chit-chat", "local", "server"]
READABLE_WIDTH_EM = 38  # about 70 characters a line: long lines are hard to follow
MIN_RATE_S = 1.0  # a download's rate is guessed only after this long


def seconds_left(done: int, total: int, first_done: int, elapsed_s: float) -> float | None:
    """The time a download still needs at the rate since ``first_done`` bytes were
    reported ``elapsed_s`` seconds ago; ``None`` until there is a rate to go by."""
    fetched = done - first_done
    if elapsed_s < MIN_RATE_S or fetched <= 0:
        return None
    return max(0, total - done) * elapsed_s / fetched


def describe_duration(seconds: float) -> str:
    """``75`` -> ``"2 min"``: a rough, readable time left."""
    if seconds < 60:
        return QCoreApplication.translate("WelcomePanel", "{n} s").format(n=max(1, round(seconds)))
    minutes = round(seconds / 60)
    if minutes < 60:
        return QCoreApplication.translate("WelcomePanel", "{n} min").format(n=minutes)
    return QCoreApplication.translate("WelcomePanel", "{h} h {m} min").format(
        h=minutes // 60, m=minutes % 60
    )


def waiting_note(setup: ModelSetup) -> str:
    """What to tell the user who sent a message while no model is ready: that it comes,
    or, when nothing is loading, how to get one (issue 12, problem 1)."""
    if setup.loading:
        return QCoreApplication.translate(
            "WelcomePanel", "The bot will answer once the model is loaded."
        )
    return QCoreApplication.translate(
        "WelcomePanel",
        "No model is loading, so the bot cannot answer yet. Your message is kept: choose a "
        "model (Model > Choose Model…) or open a model folder, and the bot answers it once "
        "the model is loaded.",
    )


class WelcomePanel(QScrollArea):
    """What the bot is, what the model is doing, and starter prompts for an empty chat."""

    prompt_chosen = Signal(str)

    def __init__(self, setup: ModelSetup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setup = setup
        self.state: PanelState = "no model"
        self.failure = ""
        self.download_start: tuple[float, int] | None = None  # when, and bytes done then
        self.setAccessibleName(self.tr("Welcome"))
        self.setAccessibleDescription(
            self.tr("What the bot is, what it is doing now, and prompts to start with")
        )
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The message list's colours, which the panel stands in for.
        self.setBackgroundRole(QPalette.ColorRole.Base)

        self.heading = self._label()
        heading_font = self.heading.font()
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.4)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.about = self._label()
        self.about.setAccessibleName(self.tr("About the bot"))
        self.status = self._label()
        self.status.setAccessibleName(self.tr("What the model is doing"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(self.tr("Model progress"))
        self.choose_button = QPushButton(self.tr("Choose Model…"))
        self.choose_button.setAccessibleName(self.tr("Choose a model"))
        self.choose_button.setAccessibleDescription(
            self.tr("A BlenderBot model, any hub model, a folder, or a recent one")
        )
        self.folder_button = QPushButton(self.tr("Open Model Folder…"))
        self.folder_button.setAccessibleName(self.tr("Open a model folder"))
        self.folder_button.setAccessibleDescription(
            self.tr("Load a model from a folder on this computer")
        )
        model_buttons = QHBoxLayout()
        model_buttons.addWidget(self.choose_button)
        model_buttons.addWidget(self.folder_button)
        model_buttons.addStretch()
        self.model_buttons = QWidget()
        self.model_buttons.setLayout(model_buttons)
        model_buttons.setContentsMargins(0, 0, 0, 0)
        self.prompts_label = self._label()
        self.prompts_label.setText(
            self.tr("To start, pick one of these; it goes to the input box, and Enter sends it:")
        )
        self.prompt_buttons = [QPushButton() for _ in range(4)]
        for button in self.prompt_buttons:
            button.setAccessibleDescription(self.tr("Puts this text in the input box"))
            button.clicked.connect(
                lambda _checked=False, button=button: self.prompt_chosen.emit(button.text())
            )

        content = QWidget()
        content.setMaximumWidth(self.fontMetrics().averageCharWidth() * 2 * READABLE_WIDTH_EM)
        column = QVBoxLayout(content)
        for widget in (self.heading, self.about, self.status, self.progress, self.model_buttons):
            column.addWidget(widget)
        column.addSpacing(self.fontMetrics().lineSpacing())
        column.addWidget(self.prompts_label)
        for button in self.prompt_buttons:
            column.addWidget(button)
        centered = QHBoxLayout()
        centered.addStretch()
        centered.addWidget(content, 100)
        centered.addStretch()
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch()
        outer.addLayout(centered)
        outer.addStretch(2)
        self.setWidget(page)

        setup.busy_changed.connect(self.on_busy_changed)
        setup.model_failed.connect(self.on_model_failed)
        setup.host.worker.load_progress.connect(self.on_load_progress)
        setup.host.worker.download_progress.connect(self.on_download_progress)
        self.on_busy_changed()

    def _label(self) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # model names and errors are not markup
        label.setForegroundRole(QPalette.ColorRole.Text)
        return label

    def use_actions(self, choose_model: QAction, open_folder: QAction) -> None:
        """The model buttons do what the Model menu's items do, and are enabled with them."""
        for button, action in ((self.choose_button, choose_model),
                               (self.folder_button, open_folder)):
            button.clicked.connect(action.trigger)
            action.changed.connect(
                lambda button=button, action=action: button.setEnabled(action.isEnabled())
            )
            button.setEnabled(action.isEnabled())

    # -- following the model -----------------------------------------------------------------
    @Slot()
    def on_busy_changed(self) -> None:
        setup = self.setup
        if setup.loading:
            self.failure = ""
            if setup.download_dialog is not None:
                self.download_start = None
                self._show("downloading", self.tr("Starting the download of {name}…").format(
                    name=self.model_name()
                ))
            else:
                self.on_load_progress(setup.progress_bar.value(), "")
        elif setup.info is not None:
            self._show("ready", self.tr("Ready. Write a message below."))
        elif self.failure:
            self.on_model_failed(self.failure)
        else:
            self._show(
                "no model",
                self.tr(
                    "No model is loaded, and none is loading, so the bot cannot answer yet. "
                    "Choose a model (BlenderBot, any Hugging Face model, or a recent one), or "
                    "open a folder that already holds one; offline, the README's \"Other "
                    "models\" says how to get one. What you write meanwhile is kept and "
                    "answered once a model is loaded."
                ),
            )

    @Slot(str)
    def on_model_failed(self, message: str) -> None:
        self.failure = message
        if self.setup.loading:  # another load (the automatic engine) took over
            return
        self._show(
            "failed",
            self.tr(
                "The model could not be loaded:\n{reason}\n\nChoose another model or open "
                "a model folder, or put the problem right and use Model > Reload Model."
            ).format(reason=message),
        )

    @Slot(int, str)
    def on_load_progress(self, percent: int, step: str) -> None:
        if not self.setup.loading:
            return
        text = self.tr("Loading {name}: {percent} %").format(
            name=self.model_name(), percent=percent
        )
        if step:
            text = self.tr("{status} ({step})").format(status=text, step=core_text(step))
        self._show("loading", text, percent)

    @Slot(object, object)
    def on_download_progress(self, done: int, total: int) -> None:
        if not self.setup.loading or not total:
            return
        now = time.monotonic()
        if self.download_start is None:
            self.download_start = (now, done)
        started, first_done = self.download_start
        left = seconds_left(done, total, first_done, now - started)
        percent = int(100 * done / total)
        if left is None:
            text = self.tr("Downloading {name}: {done} of {total} ({percent} %)…")
        else:
            text = self.tr(
                "Downloading {name}: {done} of {total} ({percent} %), about {left} left"
            )
        self._show(
            "downloading",
            text.format(
                name=self.model_name(),
                done=human_size(done),
                total=human_size(total),
                percent=percent,
                left="" if left is None else describe_duration(left),
            ),
            percent,
        )

    def _show(self, state: PanelState, status: str, percent: int | None = None) -> None:
        self.state = state
        self.status.setText(status)
        self.progress.setVisible(percent is not None)
        if percent is not None:
            self.progress.setValue(percent)
        self.model_buttons.setVisible(state in ("no model", "failed"))
        self._describe_bot()

    # -- what the bot is -----------------------------------------------------------------------
    def model_name(self) -> str:
        info = self.setup.info
        if info is not None:
            return info.model_id
        reference = self.setup.reference
        # A folder's full path would crowd out the rest; its name says which model it is.
        return Path(reference).name if Path(reference).is_absolute() else reference

    def bot_kind(self) -> BotKind:
        info = self.setup.info
        if self.setup.server is not None:
            return "server"
        if info is not None:
            return "chit-chat" if info.architecture in SEQ2SEQ_ARCHITECTURES else "local"
        return "chit-chat" if "blenderbot" in self.setup.reference.lower() else "local"

    def _describe_bot(self) -> None:
        info, kind, name = self.setup.info, self.bot_kind(), self.model_name()
        if info is not None:
            self.heading.setText(self.tr("Chat with {name}").format(name=name))
        else:
            self.heading.setText(self.tr("Welcome to {app}").format(app=APP_NAME))
        limit = QLocale().toString(
            info.context_limit if info is not None else ModelLimits().context_limit
        )
        if kind == "chit-chat":
            about = self.tr(
                "{name} is a small chit-chat model that runs on this computer. It is good "
                "at casual small talk. It sees only the last few turns of the chat (about "
                "{limit} tokens) and forgets what came before, and it makes things up: do not "
                "rely on what it says."
            )
        elif kind == "server":
            about = self.tr(
                "{name} runs on an inference server. How much of the chat it sees depends on "
                "that model, and it can be wrong with confidence: check anything that matters."
            )
        elif info is not None:
            about = self.tr(
                "{name} is a language model that runs on this computer, so the chat stays "
                "here. It sees about the last {limit} tokens of the chat, and it can be wrong "
                "with confidence: check anything that matters."
            )
        else:  # nothing loaded says what the model is: say what every model here is
            about = self.tr(
                "The bot is a language model that runs on this computer, so the chat stays "
                "here. It sees only the most recent part of a long chat, and it can be wrong "
                "with confidence: check anything that matters."
            )
        self.about.setText(about.format(name=name, limit=limit))
        for button, prompt in zip(self.prompt_buttons, self._prompts(kind), strict=True):
            button.setText(prompt)
            button.setAccessibleName(self.tr("Starter prompt: {prompt}").format(prompt=prompt))

    def _prompts(self, kind: BotKind) -> list[str]:
        if kind == "chit-chat":  # small talk is what BlenderBot was trained on
            return [
                self.tr("Hi! How has your day been?"),
                self.tr("What do you like to do at the weekend?"),
                self.tr("I just got a puppy. Any ideas for a name?"),
                self.tr("What is the best book you have read lately?"),
            ]
        return [
            self.tr("Explain how a rainbow forms, in a few sentences."),
            self.tr("Give me three ideas for a quick dinner tonight."),
            self.tr("Help me write a short, friendly note to a neighbour."),
            self.tr("What should I ask before adopting a dog?"),
        ]


class MessageStack(QStackedWidget):
    """The message list, or the welcome panel while the list has no rows."""

    def __init__(self, view: QListView, panel: WelcomePanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.panel = panel
        self.addWidget(panel)
        self.addWidget(view)
        model: QAbstractItemModel = view.model()
        # Every way a chat becomes empty or not: a switch or undo resets, sending inserts,
        # deleting removes.
        model.modelReset.connect(self.update_page)
        model.rowsInserted.connect(self.update_page)
        model.rowsRemoved.connect(self.update_page)
        self.update_page()

    @Slot()
    def update_page(self) -> None:
        empty = self.view.model().rowCount() == 0
        self.setCurrentWidget(self.panel if empty else self.view)

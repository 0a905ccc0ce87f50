"""The Chat menu's settings: the bot's persona, the reply style, the engine and CPU threads.

The persona and the reply style belong to the shown chat (stored in its file, through the
session); the engine and the thread count belong to the app (sent with the next load
request, and remembered in the settings file once a model has loaded with them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu

from core.engines import ENGINE_CHOICES, EngineChoice
from core.settings import (
    BEST_PRESET,
    CREATIVE_PRESET,
    FAST_PRESET,
    PRESETS,
    GenerationSettings,
)
from gui.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from gui.main_window import MainWindow

# Shown translated: QCoreApplication.translate("ChatSettingsMenu", ENGINE_LABELS[choice]).
ENGINE_LABELS: dict[EngineChoice, str] = {
    "auto": QT_TRANSLATE_NOOP("ChatSettingsMenu", "Automatic (fast when the model allows)"),
    "transformers": QT_TRANSLATE_NOOP("ChatSettingsMenu", "Transformers (reference, fp32)"),
    "fast": QT_TRANSLATE_NOOP("ChatSettingsMenu", "Fast (int8)"),
}
# The presets' names (the settings keep the English name); shown translated like the engines.
PRESET_LABELS: dict[str, str] = {
    BEST_PRESET: QT_TRANSLATE_NOOP("ChatSettingsMenu", "Best (model default)"),
    FAST_PRESET: QT_TRANSLATE_NOOP("ChatSettingsMenu", "Fast (greedy, streams)"),
    CREATIVE_PRESET: QT_TRANSLATE_NOOP("ChatSettingsMenu", "Creative (sampling, streams)"),
}


def preset_label(name: str) -> str:
    """A preset's name as the user reads it."""
    return QCoreApplication.translate("ChatSettingsMenu", PRESET_LABELS.get(name, name))


class ChatSettingsMenu:
    """Builds the settings part of the Chat menu and carries out its choices."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        persona_action = menu.addAction(
            QCoreApplication.translate("ChatSettingsMenu", "Bot Person&a…")
        )
        persona_action.triggered.connect(self.edit_persona)
        style_menu = menu.addMenu(QCoreApplication.translate("ChatSettingsMenu", "Reply St&yle"))
        style_group = QActionGroup(window)
        self.preset_actions: dict[str, QAction] = {}
        for name in PRESETS:
            action = QAction(preset_label(name), window, checkable=True)
            action.triggered.connect(lambda _=False, n=name: self.set_preset(n))
            style_group.addAction(action)
            style_menu.addAction(action)
            self.preset_actions[name] = action
        engine_menu = menu.addMenu(QCoreApplication.translate("ChatSettingsMenu", "E&ngine"))
        engine_group = QActionGroup(window)
        self.engine_actions: dict[EngineChoice, QAction] = {}
        for choice in ENGINE_CHOICES:
            label = QCoreApplication.translate("ChatSettingsMenu", ENGINE_LABELS[choice])
            action = QAction(label, window, checkable=True)
            action.setChecked(choice == window.engine_choice)
            action.triggered.connect(lambda _=False, c=choice: self.set_engine(c))
            engine_group.addAction(action)
            engine_menu.addAction(action)
            self.engine_actions[choice] = action
        threads_action = menu.addAction(
            QCoreApplication.translate("ChatSettingsMenu", "CPU T&hreads…")
        )
        threads_action.triggered.connect(self.edit_threads)

    def show_chat_settings(self, settings: GenerationSettings) -> None:
        """Tick the reply style of the chat shown."""
        for name, action in self.preset_actions.items():
            action.setChecked(PRESETS[name] == settings)

    def edit_persona(self) -> None:
        """The persona is edited in the panel beside the chat."""
        self.window.open_persona_panel()

    def set_preset(self, name: str) -> None:
        window = self.window
        window.settings.preset = name
        window.session.set_settings(PRESETS[name])
        window.statusBar().showMessage(
            QCoreApplication.translate("ChatSettingsMenu", "Reply style: {name}").format(
                name=preset_label(name)
            ),
            3000,
        )

    def show_engine(self, choice: EngineChoice) -> None:
        """Tick the engine in use."""
        self.engine_actions[choice].setChecked(True)

    def set_engine(self, choice: EngineChoice) -> None:
        """Load the model with another engine; it is remembered once the model loads with it
        (a choice that fails falls back to Automatic, and the menu shows that)."""
        window = self.window
        if choice == window.engine_choice:
            return
        window.engine_choice = choice
        if not window.model_setup.loading and not window.session.pending:
            window.start_loading()

    def edit_threads(self) -> None:
        window = self.window
        count, ok = QInputDialog.getInt(
            window,
            QCoreApplication.translate("ChatSettingsMenu", "CPU threads"),
            QCoreApplication.translate(
                "ChatSettingsMenu", "Threads used for replies (takes effect on the next load):"
            ),
            window.threads,
            1,
            64,
        )
        if ok:
            window.threads = count
            window.settings.threads = count

"""The persona panel: the shown chat's persona, edited beside the chat (View > Persona Panel).

BlenderBot reads each line as ``your persona: …``, as it was trained; a causal model with a
chat template gets the text as its system prompt. The persona belongs to the chat (stored in
its file); Apply (Alt+A), or leaving the text box, makes the change, which Undo takes back.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.i18n import QT_TRANSLATE_NOOP

# Shown translated: QCoreApplication.translate("PersonaPanel", ...).
SEQ2SEQ_HINT = QT_TRANSLATE_NOOP(
    "PersonaPanel",
    'Lines that describe the bot, e.g. "I love dogs." BlenderBot reads each as '
    '"your persona: …", as it was trained.',
)
CAUSAL_HINT = QT_TRANSLATE_NOOP(
    "PersonaPanel", "The system prompt: what the model is told before the chat."
)


class PersonaEditor(QPlainTextEdit):
    """A plain-text box that reports when the keyboard leaves it, and Ctrl+Enter: Enter
    starts a new line, as in any multi-line box, so Ctrl+Enter is the way to apply."""

    left = Signal()
    submitted = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.left.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        control = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if control and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class PersonaPanel(QDockWidget):
    """A dock beside the messages with the chat's persona."""

    persona_applied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Persona"))
        self.setObjectName("persona-panel")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        body = QWidget()
        self.hint = QLabel(QCoreApplication.translate("PersonaPanel", SEQ2SEQ_HINT))
        self.hint.setWordWrap(True)
        self.editor = PersonaEditor()
        self.editor.setAccessibleName(self.tr("Persona of this chat"))
        self.editor.setAccessibleDescription(
            self.tr(
                "Who the bot should be in this chat; Apply (Ctrl+Enter) uses it from the next "
                "reply on"
            )
        )
        self.editor.setTabChangesFocus(True)
        self.editor.setPlaceholderText(self.tr("No persona: the bot is itself."))
        self.hint.setBuddy(self.editor)
        self.apply_button = QPushButton(self.tr("&Apply"))
        self.apply_button.setToolTip(
            self.tr("Use this persona from the next reply on (Ctrl+Enter in the text)")
        )
        self.revert_button = QPushButton(self.tr("Re&vert"))
        self.revert_button.setToolTip(self.tr("Back to the persona the chat has"))
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(body)
        layout.addWidget(self.hint)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.setWidget(body)
        self.shown_persona = ""
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.revert)
        self.editor.left.connect(self.apply)
        self.editor.submitted.connect(self.apply)
        self.editor.textChanged.connect(self._update_buttons)
        self._update_buttons()

    def show_persona(self, persona: str, causal: bool = False) -> None:
        """Show the chat's persona (another chat was shown, or an undo changed it)."""
        self.shown_persona = persona
        hint = CAUSAL_HINT if causal else SEQ2SEQ_HINT
        if self.editor.toPlainText() != persona:
            self.editor.setPlainText(persona)
        self.hint.setText(QCoreApplication.translate("PersonaPanel", hint))
        self._update_buttons()

    def apply(self) -> None:
        text = self.editor.toPlainText()
        if text != self.shown_persona:
            self.shown_persona = text
            self.persona_applied.emit(text)
        self._update_buttons()

    def revert(self) -> None:
        self.editor.setPlainText(self.shown_persona)

    def _update_buttons(self) -> None:
        changed = self.editor.toPlainText() != self.shown_persona
        self.apply_button.setEnabled(changed)
        self.revert_button.setEnabled(changed)
        self.setWindowTitle(self.tr("Persona (not applied)") if changed else self.tr("Persona"))

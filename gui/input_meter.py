"""A note under the input box when the message typed is past what the model can see.

Issue 12, problem 8: a long paste used to be sent with no warning that the bot sees only its
end. The note says so before sending, from ``core.long_input``'s estimate. The estimate runs
a moment after typing stops rather than on every keystroke, so typing into a long text
stays as quick as typing into a short one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, QTimer, Slot
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from core.engines.base import ModelInfo
from core.long_input import long_input

SETTLE_MS = 250  # how long typing pauses before the note is brought up to date


class InputMeter(QLabel):
    """Shown only while the input box holds more than the loaded model can see."""

    def __init__(
        self,
        input_box: QPlainTextEdit,
        model_info: Callable[[], ModelInfo | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.input_box = input_box
        self.model_info = model_info
        self.setWordWrap(True)
        self.setAccessibleName(self.tr("Long message note"))
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SETTLE_MS)
        self.timer.timeout.connect(self.refresh)
        input_box.textChanged.connect(self.on_text_changed)
        self.hide()

    @Slot()
    def on_text_changed(self) -> None:
        if self.input_box.document().isEmpty():
            self.timer.stop()  # sent or cleared: nothing to wait for
            self.hide()
        else:
            self.timer.start()

    @Slot()
    def schedule(self) -> None:
        """Measure again soon (another model may have a different context)."""
        self.timer.start()

    @Slot()
    def refresh(self) -> None:
        """Show or hide the note for the text in the input box now."""
        info = self.model_info()
        found = (
            None
            if info is None
            else long_input(self.input_box.toPlainText(), info.context_limit, info.architecture)
        )
        if found is None:
            self.hide()
            return
        locale = QLocale()
        self.setText(
            self.tr("Long message: the bot will see only its last ~{seen} of ~{total} tokens.")
            .format(seen=locale.toString(found.seen), total=locale.toString(found.total))
        )
        self.setToolTip(
            self.tr(
                "The model reads at most about {seen} tokens of one message, so it answers "
                "the end of this one. Send the part that matters, or split it."
            ).format(seen=locale.toString(found.seen))
        )
        self.show()

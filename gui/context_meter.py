"""The status bar's context meter: how much of the bot's input the chat fills.

The limit shown is the one the engine's fitting code uses (``ContextWindow.limit``: for a
chat model, the model's context less the room kept for the reply), in an empty chat as in
a long one. The label holds a short form; the whole note is its tooltip and its accessible
description, so a status bar too narrow for it never cuts it mid-sentence.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from core.context import ContextWindow

SHORT_LENGTH = 40  # characters: the meter shares the status bar with the model's name
ELLIPSIS = "…"


def elided_at_word(text: str, length: int = SHORT_LENGTH) -> str:
    """``text`` if it is at most ``length`` characters long, else its first words and "…"
    within that length (a word longer than that is cut)."""
    if len(text) <= length:
        return text
    head = text[: length - len(ELLIPSIS) + 1]
    space = head.rfind(" ")
    head = head[:space] if space > 0 else head[: length - len(ELLIPSIS)]
    return head.rstrip(" ;,.:") + ELLIPSIS


class ContextMeter(QLabel):
    """``context 87/128 tokens; …`` in the status bar, its details in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The shown text is the accessible name (as for the other status labels); the
        # description says what the label is and holds what the short form leaves out.
        self.setAccessibleDescription(self.tr("Context meter"))
        self.full_text = ""

    def clear_meter(self) -> None:
        """No measurement yet (a chat was just switched to, or no model is loaded)."""
        self.full_text = ""
        self.setText("")
        self.setToolTip("")
        self.setAccessibleDescription(self.tr("Context meter"))

    def show_window(self, window: ContextWindow, model_limit: int) -> None:
        """Show the measured input ``window``; ``model_limit`` is the model's whole context."""
        self.full_text = self.describe(window)
        self.setText(elided_at_word(self.full_text))
        details = f"{self.full_text}\n{self.explain_limit(window.limit, model_limit)}"
        self.setToolTip(details)
        self.setAccessibleDescription(self.tr("Context meter: %1").replace("%1", details))

    def describe(self, window: ContextWindow) -> str:
        if window.token_estimate is None:
            text = self.tr("context %1/%2 tokens")
        else:
            text = self.tr("context about %1/%2 tokens")
        text = text.replace("%1", str(window.tokens_used)).replace("%2", str(window.limit))
        dropped = window.turns_dropped
        if dropped == 1:
            text += self.tr("; 1 earlier turn not seen by the bot")
        elif dropped:
            text += self.tr("; %1 earlier turns not seen by the bot").replace("%1", str(dropped))
        if window.truncated_newest:
            text += self.tr("; the newest message is cut to its last part")
        return text

    def explain_limit(self, limit: int, model_limit: int) -> str:
        if limit < model_limit:
            text = self.tr(
                "The bot reads at most %1 tokens of the chat: the model's context holds "
                "%2, and %3 of them are kept for its reply. Older turns that do not fit "
                "are left out."
            )
            return (
                text.replace("%1", str(limit))
                .replace("%2", str(model_limit))
                .replace("%3", str(model_limit - limit))
            )
        text = self.tr(
            "The bot reads at most %1 tokens of the chat, its model's whole context. "
            "Older turns that do not fit are left out."
        )
        return text.replace("%1", str(limit))

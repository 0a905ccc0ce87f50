"""The message list's model: the conversation's messages as rows, with the roles the bubble
delegate (``gui.bubble_delegate``) and screen readers read.

While a reply is being generated, the model holds one extra row at the end: a typing
indicator, or the text streamed so far.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QWidget,
)

from core.conversation import Message
from gui.i18n import QT_TRANSLATE_NOOP

RoleRole = Qt.ItemDataRole.UserRole + 1
TimeRole = Qt.ItemDataRole.UserRole + 2
PendingRole = Qt.ItemDataRole.UserRole + 3
FindRole = Qt.ItemDataRole.UserRole + 4  # the text Find in Chat looks for, on matching rows
SeenRole = Qt.ItemDataRole.UserRole + 5  # "all", "part" or "none": what the bot's next input holds
BoundaryRole = Qt.ItemDataRole.UserRole + 6  # the first row the bot sees, after unseen ones
# A long message is shown folded: its first lines and "Show more". FoldRole holds None for a
# message short enough to show whole, else (the text shown, whether it is unfolded).
FoldRole = Qt.ItemDataRole.UserRole + 7
FOLD_CHARS = 800  # a message longer than this, or with more lines than FOLD_LINES, folds
FOLD_LINES = 16
# Shown translated: QCoreApplication.translate("MessageList", ...).
BOUNDARY_TEXT = QT_TRANSLATE_NOOP("MessageList", "The bot can't see above this line")
TYPING_TEXT = QT_TRANSLATE_NOOP("MessageList", "typing…")
LINE_SEPARATOR = "\u2028"

Index = QModelIndex | QPersistentModelIndex


@dataclass
class PendingReply:
    """The bot reply being generated: empty text means the typing indicator is shown."""

    text: str = ""


def how_made(message: Message) -> str:
    """How a reply was made, from its meta: model, engine, settings, tokens, time, speed."""
    meta = message.meta
    lines = []
    when = message.created_at
    if when is not None:
        lines.append(when.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
    if message.role != "assistant":
        return "\n".join(lines) or QCoreApplication.translate(
            "MessageList", "No time was recorded for this message."
        )
    if meta.get("model"):
        lines.append(
            QCoreApplication.translate("MessageList", "Model: {model}").format(model=meta["model"])
        )
    if meta.get("engine"):
        lines.append(
            QCoreApplication.translate("MessageList", "Engine: {engine}").format(
                engine=meta["engine"]
            )
        )
    settings = meta.get("settings")
    if isinstance(settings, dict):
        shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(settings.items()))
        shown = shown or QCoreApplication.translate("MessageList", "the model defaults")
        lines.append(
            QCoreApplication.translate("MessageList", "Settings: {settings}").format(settings=shown)
        )
    tokens, seconds = meta.get("tokens"), meta.get("reply_s")
    if isinstance(tokens, int) and isinstance(seconds, int | float):
        rate = f"{tokens / seconds:.1f}"
        speed = (
            QCoreApplication.translate("MessageList", ", {rate} tokens/s").format(rate=rate)
            if seconds > 0
            else ""
        )
        lines.append(
            QCoreApplication.translate(
                "MessageList", "{tokens} tokens in {seconds} s{speed}"
            ).format(tokens=tokens, seconds=f"{seconds:.1f}", speed=speed)
        )
    if meta.get("stopped"):
        lines.append(QCoreApplication.translate("MessageList", "Stopped before it ended."))
    if meta.get("continued"):
        lines.append(
            QCoreApplication.translate("MessageList", "Continued {count} time(s).").format(
                count=meta["continued"]
            )
        )
    if meta.get("edited"):
        lines.append(QCoreApplication.translate("MessageList", "Edited by you."))
    if meta.get("host"):
        lines.append(
            QCoreApplication.translate("MessageList", "Server: {model} @ {host}").format(
                model=meta.get("server_model") or "?", host=meta["host"]
            )
        )
    if meta.get("cut"):
        lines.append(
            QCoreApplication.translate(
                "MessageList", "Cut at the length limit: Continue (Ctrl+Shift+Enter) carries it on."
            )
        )
    if meta.get("interrupted"):
        lines.append(
            QCoreApplication.translate("MessageList", "Interrupted: {reason}").format(
                reason=meta["interrupted"]
            )
        )
    reasoning = meta.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        shown = reasoning if len(reasoning) <= 1500 else reasoning[:1500] + "…"
        lines.append(
            QCoreApplication.translate(
                "MessageList", "Reasoning (not part of the answer, never sent back):\n{reasoning}"
            ).format(reasoning=shown)
        )
    if len(lines) <= 1:
        lines.append(
            QCoreApplication.translate("MessageList", "No details were recorded for this reply.")
        )
    return "\n".join(lines)


AUTHORS = {  # shown translated: QCoreApplication.translate("MessageList", ...)
    "user": QT_TRANSLATE_NOOP("MessageList", "You"),
    "assistant": QT_TRANSLATE_NOOP("MessageList", "Bot"),
    "system": QT_TRANSLATE_NOOP("MessageList", "Note"),
}
NAME_TEXT_CHARS = 160  # of the text in a message's accessible name; its description has it all


def accessible_name(message: Message) -> str:
    """What a screen reader says of a message first: who wrote it, when, and how it begins
    ("Bot, 14:02: Paris is the capital…"); its marks (stopped, edited…) come after."""
    who = QCoreApplication.translate("MessageList", AUTHORS.get(message.role, message.role))
    when = message.created_at
    parts = [who] if when is None else [who, when.astimezone().strftime("%H:%M")]
    text = " ".join(message.content.split())
    if len(text) > NAME_TEXT_CHARS:
        text = text[:NAME_TEXT_CHARS].rstrip() + "…"
    marks = mark_of(message)
    return ", ".join(parts) + ": " + text + (f" ({marks})" if marks else "")


@functools.lru_cache(maxsize=256)
def fold_of(text: str) -> str | None:
    """The start of a long ``text``, shown while it is folded; None when ``text`` is short
    enough to show whole."""
    lines = text.splitlines()
    if len(text) <= FOLD_CHARS and len(lines) <= FOLD_LINES:
        return None
    shown: list[str] = []
    size = 0
    for line in lines[:FOLD_LINES]:
        if size + len(line) > FOLD_CHARS:
            # A line that does not fit whole is cut at a word, so the fold never ends
            # mid-word (a long paste may be one single line).
            cut = line[: max(0, FOLD_CHARS - size)].rsplit(" ", 1)[0]
            shown.append(cut + "…")
            break
        shown.append(line)
        size += len(line) + 1
    return "\n".join(shown)


def mark_of(message: Message) -> str:
    """What a message's bubble says of it besides its time: which of its versions is shown
    (‹ 2/3 ›), stopped, or left unanswered."""
    marks = []
    if len(message.versions) > 1:
        marks.append(f"‹ {message.chosen + 1}/{len(message.versions)} ›")
    if message.meta.get("stopped"):
        marks.append(QCoreApplication.translate("MessageList", "stopped"))
    if message.meta.get("cut"):
        marks.append(QCoreApplication.translate("MessageList", "cut at the length limit"))
    if message.meta.get("interrupted"):
        marks.append(QCoreApplication.translate("MessageList", "interrupted"))
    if message.meta.get("reasoning"):
        marks.append(QCoreApplication.translate("MessageList", "reasoning in Message Info"))
    if message.meta.get("edited"):
        marks.append(QCoreApplication.translate("MessageList", "edited"))
    if message.meta.get("no_reply") == "stopped":
        marks.append(QCoreApplication.translate("MessageList", "no reply (stopped)"))
    return " · ".join(marks)


class MessageListModel(QAbstractListModel):
    """Rows are the conversation's messages, plus the pending reply while one is generated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: list[Message] = []
        self._pending: PendingReply | None = None
        self._find_text = ""
        self._match_cache: set[int] | None = None
        self._first_seen = 0  # rows above it are outside the bot's next input
        self._partly_seen = -1  # a row cut to its last tokens in that input
        self._partly_tokens = (0, 0)  # of that row: tokens the bot sees, tokens in all
        self._unfolded: set[int] = set()  # rows of long messages the user asked to see whole

    # -- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return len(self._messages) + (1 if self._pending is not None else 0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if index.row() == len(self._messages):
            assert self._pending is not None
            bot = QCoreApplication.translate("MessageList", AUTHORS["assistant"])
            values: dict[int, object] = {
                Qt.ItemDataRole.DisplayRole: self._pending.text or TYPING_TEXT,
                RoleRole: "assistant",
                TimeRole: "",
                PendingRole: True,
                Qt.ItemDataRole.AccessibleTextRole: (
                    self.tr("{author}, writing: {text}").format(author=bot, text=self._pending.text)
                    if self._pending.text
                    else self.tr("{author} is typing").format(author=bot)
                ),
                Qt.ItemDataRole.AccessibleDescriptionRole: self._pending.text,
            }
            return values.get(role)
        message = self._messages[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return message.content
        if role == RoleRole:
            return message.role
        if role == TimeRole:
            when = message.created_at
            stamp = "" if when is None else when.astimezone().strftime("%H:%M")
            part = self._seen(index.row(), message) == "part"
            partly = self.tr("partly seen by the bot") if part else ""
            return " · ".join(part for part in (stamp, mark_of(message), partly) if part)
        if role == PendingRole:
            return False
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return accessible_name(message)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return message.content
        if role == FindRole:
            return self._find_text if index.row() in self._matches() else ""
        if role == SeenRole:
            return self._seen(index.row(), message)
        if role == BoundaryRole:
            return index.row() == self._first_seen > 0
        if role == FoldRole:
            folded = fold_of(message.content)
            if folded is None:
                return None
            unfolded = index.row() in self._unfolded
            return (message.content if unfolded else folded, unfolded)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [how_made(message)]
            seen = self._seen(index.row(), message)
            if seen == "none":
                lines.append(
                    self.tr("The bot can no longer see this message: it is outside its input.")
                )
            elif seen == "part":
                sees, total = self._partly_tokens
                lines.append(
                    self.tr("The bot sees only the last {sees} of its {total} tokens.").format(
                        sees=sees, total=total
                    )
                    if total
                    else self.tr("The bot sees only the last part of this message.")
                )
            return "\n".join(lines)
        return None

    # -- long messages ---------------------------------------------------------------------------
    def is_foldable(self, row: int) -> bool:
        """Whether ``row`` is a long message, shown folded until the user unfolds it."""
        return 0 <= row < len(self._messages) and fold_of(self._messages[row].content) is not None

    def toggle_fold(self, row: int) -> None:
        """Show the long message at ``row`` whole, or folded again."""
        if not self.is_foldable(row):
            return
        self._unfolded ^= {row}
        # The row's height changes, which only a layout change makes the view measure again.
        self.layoutAboutToBeChanged.emit()
        self.layoutChanged.emit()

    # -- what the bot sees --------------------------------------------------------------------
    def _seen(self, row: int, message: Message) -> str:
        if message.role == "system":
            return "all"  # notes are never sent, so they are not "unseen" either
        if row < self._first_seen:
            return "none"
        return "part" if row == self._partly_seen else "all"

    def set_seen(
        self, first_seen: int, partly_seen: int = -1, partly_tokens: tuple[int, int] = (0, 0)
    ) -> None:
        """Rows before ``first_seen`` are outside the bot's next input; ``partly_seen`` is a
        row of which it sees only the last tokens (-1: none): ``partly_tokens`` of them."""
        self._partly_tokens = partly_tokens
        if (first_seen, partly_seen) == (self._first_seen, self._partly_seen):
            return
        self._first_seen, self._partly_seen = first_seen, partly_seen
        if self._messages:
            # Every row: the boundary's row changes height.
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()

    # -- find in chat --------------------------------------------------------------------------
    def set_find_text(self, text: str) -> None:
        """Mark every occurrence of ``text`` (any case) in the messages; "" clears the marks."""
        if text == self._find_text:
            return
        self._find_text = text
        self._match_cache = None
        if self._messages:
            self.dataChanged.emit(self.index(0), self.index(len(self._messages) - 1), [FindRole])

    def _matches(self) -> set[int]:
        if self._match_cache is None:
            self._match_cache = set(self.matching_rows())
        return self._match_cache

    def matching_rows(self) -> list[int]:
        """The rows whose text holds the find text, in order."""
        needle = self._find_text.casefold()
        if not needle:
            return []
        return [i for i, m in enumerate(self._messages) if needle in m.content.casefold()]

    # -- changes, each made by the model itself between begin* and end* -----------------------
    def set_messages(self, messages: list[Message], pending_text: str | None = None) -> None:
        """Show a copy of ``messages``, and the reply being written when ``pending_text`` is
        not None (the model owns its rows, so nothing changes them behind its back)."""
        self.beginResetModel()
        self._match_cache = None
        self._first_seen, self._partly_seen = 0, -1  # until the new chat is measured
        self._messages = list(messages)
        self._unfolded.clear()
        self._pending = None if pending_text is None else PendingReply(pending_text)
        self.endResetModel()

    def append_message(self, message: Message) -> None:
        """Add ``message`` at the end (before the pending row, if there is one)."""
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._match_cache = None
        self._messages.append(message)
        self.endInsertRows()

    def replace_message(self, message: Message) -> None:
        """``message`` (the same object) changed, e.g. it was marked: redraw its row."""
        row = next((i for i, m in enumerate(self._messages) if m is message), -1)
        if row >= 0:
            self.dataChanged.emit(self.index(row), self.index(row))

    def start_pending(self) -> None:
        """Add the typing indicator row."""
        if self._pending is not None:
            return
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._pending = PendingReply()
        self.endInsertRows()

    def set_pending_text(self, text: str) -> None:
        """Show the reply streamed so far; only that row is updated."""
        if self._pending is None:
            return
        self._pending.text = text
        index = self.index(len(self._messages))
        self.dataChanged.emit(index, index)

    def end_pending(self) -> None:
        """Remove the pending row (stopped or failed reply)."""
        if self._pending is None:
            return
        row = len(self._messages)
        self.beginRemoveRows(QModelIndex(), row, row)
        self._pending = None
        self.endRemoveRows()

"""The text left unsent in the input box at quit is there again at the next start.

Each chat keeps its draft in its file (``ChatSession.set_draft``), but the next start opens
a fresh chat, so the draft was out of sight, and a new chat that had no message yet has no
file at all, so its draft was lost (issue 12, problem 11). At quit the window notes in
settings.ini which chat held a draft, or the text itself for a chat never written; the next
start shows that chat, or puts the text into the fresh chat's input box.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def _owns_data(window: MainWindow) -> bool:
    # A read-only window shares the folder with a running Confab, whose quit decides.
    return window.options.persist and not window.options.read_only


def remember_draft(window: MainWindow) -> None:
    """At quit, after ``keep_draft``: note where the shown chat's draft is, if it has one."""
    if not _owns_data(window):
        return
    chat = window.session.current
    draft = chat.transcript.draft if chat is not None and chat.transcript is not None else ""
    if chat is None or not draft.strip():
        window.settings.unsent_draft = ("", "")
    elif chat.path is not None:
        window.settings.unsent_draft = (str(chat.path), "")  # the file holds the text
    else:
        window.settings.unsent_draft = ("", draft)


def restore_draft(window: MainWindow) -> None:
    """At start, once the library is listed: show the draft left at the last quit."""
    if not _owns_data(window):
        return
    chat_file, text = window.settings.unsent_draft
    if not chat_file and not text:
        return
    window.settings.unsent_draft = ("", "")
    if chat_file:
        chat = window.library.find_path(Path(chat_file))
        if chat is not None:  # gone (deleted elsewhere): its draft went with it
            window.show_chat(chat)
        return
    current = window.session.current
    if current is not None:
        window.session.set_draft(current, text)
        window.input_box.setPlainText(text)
        window.input_box.moveCursor(window.input_box.textCursor().MoveOperation.End)

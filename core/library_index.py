"""The library and its search index in step: list chats from the index at start-up, and index
every chat the library writes, restores or deletes.

The index only caches what the files say. At start-up the sidebar is drawn from the index's
summaries for the files whose size and mtime still match; the others (new, changed, or every
file when the index was missing, damaged or from an older schema) are read by a background
refresh, whose summaries then replace the placeholders. After that, :class:`IndexKeeper`
indexes each change as the library makes it. An index that cannot be used at all leaves the
library working without search.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from core.library import Chat, ChatLibrary, LibraryObserver
from core.search_index import ChatSummary, IndexUnavailable, SearchIndex

log = logging.getLogger(__name__)


def list_from_index(library: ChatLibrary, index: SearchIndex, paths: list[Path]) -> list[Path]:
    """List the chat files ``paths`` (resolved, as ``library.all_paths()`` gives them) from
    what the index knows where it is current; return the files to read again."""
    summaries = {summary.path: summary for summary in index.summaries()}
    stale: list[Path] = []

    def oldest_first(path: Path) -> tuple[float, str]:
        # Times are whole seconds: among chats of the same second, the file named later
        # (names start with the creation time, to the microsecond) was made later.
        summary = summaries.get(path)
        moment = summary.last_message_at or summary.created_at if summary else None
        return (moment.timestamp() if moment else 0.0, path.name)

    for path in sorted(paths, key=oldest_first):
        summary = summaries.get(path)
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if summary is not None and (summary.size, summary.mtime_ns) == (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            list_summary(library, summary)
        else:
            stale.append(path)
            if library.listed(path) is None:  # listed by its name until it has been read
                library.add_listed(path, "", _mtime(stat.st_mtime_ns), None, False)
    return stale


def list_summary(library: ChatLibrary, summary: ChatSummary) -> Chat:
    """List (or update) a chat from what the index says of its file."""
    return library.add_listed(
        summary.path,
        summary.title,
        summary.created_at,
        summary.last_message_at,
        summary.pinned,
        chat_id=summary.chat_id,
        error=summary.error,
    )


def apply_refresh(library: ChatLibrary, summaries: list[ChatSummary]) -> None:
    """Show what a background refresh read: titles of new files, damage, changes."""
    for summary in summaries:
        chat = library.listed(summary.path)
        if chat is not None and chat.transcript is not None and not summary.error:
            continue  # the app has it open: what it holds is newer than the refresh's read
        list_summary(library, summary)


def _mtime(mtime_ns: int) -> datetime:
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC)


class IndexKeeper(LibraryObserver):
    """Indexes each chat the library writes, lists again, or deletes (GUI thread's index)."""

    def __init__(self, library: ChatLibrary, index: SearchIndex) -> None:
        self.library = library
        self.index: SearchIndex | None = index
        library.observers.append(self)

    def chat_added(self, chat: Chat) -> None:
        self.chat_changed(chat)

    def chat_changed(self, chat: Chat) -> None:
        if self.index is None or chat.path is None or chat.transcript is None or chat.damaged:
            return
        try:
            stat = os.stat(chat.path)
        except OSError:
            return
        try:
            if not self.index.is_current(chat.path, stat.st_size, stat.st_mtime_ns):
                self.index.put(chat.path, chat.transcript, stat.st_size, stat.st_mtime_ns)
        except IndexUnavailable as error:
            self._give_up(error)

    def chat_removed(self, chat: Chat) -> None:
        """Deleted to the trash, or an opened file taken off the list: not searched any more."""
        if self.index is None or chat.path is None:
            return
        try:
            self.index.remove(chat.path)
        except IndexUnavailable as error:
            self._give_up(error)

    def _give_up(self, error: IndexUnavailable) -> None:
        """The files stay the truth; without the index only search is gone until restart."""
        log.warning("the search index failed, search is off until Confab restarts: %s", error)
        self.index = None

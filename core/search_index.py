"""The library's search index and chat-summary cache: ``<data-dir>/index.sqlite3``.

The ``.confab.json`` files are the only source of truth; this database is a cache beside
them that can be deleted at any time and is rebuilt from the files by :meth:`SearchIndex.refresh`.
It holds

* ``chats``: one row per chat file (its path, the size and ``st_mtime_ns`` it had when it was
  read, and what the sidebar shows: title, times, pinned, message count, or the error that
  kept it from being read), so the sidebar can be drawn at start-up without reading a file;
* ``messages``: an FTS5 full-text table of every message's text, tokenized with
  ``unicode61 remove_diacritics 2`` so that words match regardless of case and accents.

A message's FTS rowid is ``chat_rowid << 24 | message_index``: a chat's messages are one
rowid range, so re-indexing or removing a chat touches only its own rows (a lookup by an
UNINDEXED column would scan the whole table), and a hit names its chat and message without
storing either again.

A damaged database (not a database, corrupt, failing ``PRAGMA quick_check``) or one from
another schema version (``PRAGMA user_version``) is deleted and rebuilt empty on opening;
:attr:`SearchIndex.reset_reason` says why, and the next :meth:`~SearchIndex.refresh` fills it.
Opening checks the header and the small tables (a full ``quick_check`` reads the whole file:
about 0.3 s for 500,000 messages, too slow for start-up); :meth:`SearchIndex.verify` runs the
full check, for a background thread. Damage found later (by any method) raises
:class:`IndexDamaged` and leaves a marker file beside the database, so that the next
:class:`SearchIndex` opened on it deletes and rebuilds it.

Threads: a :class:`SearchIndex` holds one sqlite connection and must be used only from the
thread that created it (sqlite3 enforces this). The GUI reads with one instance while a
background thread refreshes with another; the database is in WAL mode with a busy timeout,
so readers never wait for the writer and each sees only committed batches.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.conversation import Message
from core.transcript import EXTENSION, Transcript, TranscriptError, load

log = logging.getLogger(__name__)

StrPath = str | os.PathLike[str]  # a Path, a str, or an os.DirEntry from os.scandir

SCHEMA_VERSION = 1
INDEX_FILE_NAME = "index.sqlite3"
MATCH_START = "\x02"  # around each match in a snippet; the GUI turns them into highlighting
MATCH_END = "\x03"
ELLIPSIS = "…"  # where a snippet cuts the message's text
SNIPPET_TOKENS = 12  # words in a snippet, around the match
MIN_PREFIX_CHARS = 2  # the last bare word matches as a prefix from this many characters
MAX_QUERY_TERMS = 64  # words and phrases of a query past this many are ignored
BATCH_FILES = 200  # refresh commits after this many files...
BATCH_BYTES = 32 * 1024 * 1024  # ...or this many bytes of files read...
BATCH_SECONDS = 0.5  # ...or this long since the last commit, whichever comes first
PROGRESS_INTERVAL_S = 0.1  # refresh reports progress at most this often (and at the end)
RANK_WINDOW = 20_000  # a search ranks at most this many matches: those of the newest chats
BUSY_TIMEOUT_S = 10.0  # how long a connection waits for another one's write to finish

MESSAGE_BITS = 24  # a chat's messages have the rowids chat_rowid << 24 | index
MAX_INDEXED_MESSAGES = 1 << MESSAGE_BITS  # far more than a 50 MB transcript can hold

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SIDE_FILES = ("-wal", "-shm", "-journal", ".damaged")
_QUICK_CHECKED = ("chats", "messages_idx", "messages_config")  # small: checked on opening
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

TOKENIZER = "unicode61 remove_diacritics 2"  # words match regardless of case and accents

_SCHEMA = f"""
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,             -- its messages' rowids: id << {MESSAGE_BITS} | index
    path BLOB NOT NULL UNIQUE,          -- absolute path of the file, os.fsencode()d
    size INTEGER NOT NULL,              -- st_size when it was read
    mtime_ns INTEGER NOT NULL,          -- st_mtime_ns when it was read
    chat_id TEXT NOT NULL DEFAULT '',   -- the transcript's "id", if any
    title TEXT NOT NULL DEFAULT '',
    created_us INTEGER NOT NULL,        -- times: microseconds since 1970-01-01 UTC
    last_message_us INTEGER,            -- NULL: the chat has no messages
    pinned INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''      -- not empty: the file could not be read
);
CREATE VIRTUAL TABLE messages USING fts5(
    content,                            -- the message's text, the only indexed column
    role UNINDEXED,
    created_us UNINDEXED,
    tokenize = '{TOKENIZER}',
    prefix = '2 3'                      -- prefix queries of 2 and 3 characters are fast
);
PRAGMA user_version = {SCHEMA_VERSION};
"""

_CHAT_COLUMNS = (
    "path, chat_id, title, created_us, last_message_us, pinned, message_count, size, "
    "mtime_ns, error"
)


class IndexUnavailable(Exception):
    """The index cannot be used (its folder cannot be written, the disk failed, another
    process held it past the busy timeout); the message says why. The app can run without
    search and a fast sidebar: the files are the truth."""


class IndexDamaged(IndexUnavailable):
    """The database turned out to be damaged while in use. It is marked so that the next
    :class:`SearchIndex` opened on it (after this one and any other are closed) rebuilds it."""


@dataclass(frozen=True)
class ChatSummary:
    """What the sidebar shows for one chat file, as it was when the file was last read."""

    path: Path
    chat_id: str  # the transcript's optional "id", else ""
    title: str
    created_at: datetime
    last_message_at: datetime | None  # the last message's time; None when there is none
    pinned: bool
    message_count: int
    size: int
    mtime_ns: int
    error: str = ""  # not empty: the file could not be read (the TranscriptError message)


@dataclass(frozen=True)
class SearchHit:
    """One message that matches a search."""

    path: Path
    chat_title: str
    message_index: int  # index into conversation.messages
    role: str
    created_at: datetime | None  # None: the message has no time (imported without one)
    snippet: str  # a short excerpt with MATCH_START/MATCH_END around each match


# --- queries -----------------------------------------------------------------------------------

_UNSAFE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # controls end FTS5 strings; surrogates
_PART = re.compile(r'"([^"]*)("?)|[^\s"]+')  # a quoted phrase (maybe unclosed) or a bare word
_WORD = re.compile(r"[^\W_]+")  # roughly what unicode61 keeps as a token


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for what the user typed; ``None`` when it has no words.

    Every word and every double-quoted phrase becomes a quoted FTS5 string, so nothing the
    user types is FTS5 syntax (``AND``, ``*``, ``-x``, ``a:b``, ``NEAR(`` are plain words),
    and they are ANDed. A phrase that is still open at the end (an unbalanced quote) runs to
    the end. The last bare word, and an unclosed phrase, match as a prefix when its last word
    has at least :data:`MIN_PREFIX_CHARS` characters, so typing "pizz" finds "pizza".
    """
    terms: list[tuple[str, bool]] = []  # (text, is a bare word)
    unclosed_phrase = False
    for part in _PART.finditer(_UNSAFE.sub(" ", text)):
        quoted = part.group(1)
        term = part.group(0) if quoted is None else quoted
        if not _WORD.search(term):
            continue  # only punctuation or emoji: the tokenizer would drop it anyway
        terms.append((term, quoted is None))
        unclosed_phrase = quoted is not None and not part.group(2)
    if not terms:
        return None
    terms = terms[:MAX_QUERY_TERMS]
    last_bare = max((i for i, (_, bare) in enumerate(terms) if bare), default=-1)
    strings = []
    for i, (term, _) in enumerate(terms):
        prefix = i == last_bare or (unclosed_phrase and i == len(terms) - 1)
        quoted_term = '"' + term.replace('"', '""') + '"'
        if prefix and len(_WORD.findall(term)[-1]) >= MIN_PREFIX_CHARS:
            quoted_term += " *"
        strings.append(quoted_term)
    return " ".join(strings)


# --- times and paths ---------------------------------------------------------------------------


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def _last_time(messages: list[Message]) -> datetime | None:
    """The time of the newest message that has one (imported messages may have none)."""
    moment = next((m.created_at for m in reversed(messages) if m.created_at is not None), None)
    return None if moment is None else _from_us(_to_us(moment))


def _from_us(us: int) -> datetime:
    seconds, micro = divmod(us, 1_000_000)
    try:  # fromtimestamp is much faster; it refuses times before 1970 on Windows
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return _EPOCH + timedelta(microseconds=us)
    return moment.replace(microsecond=micro) if micro else moment


def _key(path: StrPath) -> str:
    """How a chat's path is stored: absolute and normalized, symlinks not resolved."""
    return os.path.abspath(os.fspath(path))


def _blob(key: str) -> bytes:
    """How a path is stored: bytes, so that any file name fits (one that is not valid
    UTF-8 decodes to lone surrogates, which sqlite's text cannot hold)."""
    return os.fsencode(key)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(text: str) -> str:
    """``text`` storable as sqlite text: a lone surrogate (possible in a transcript) becomes
    U+FFFD. The index only searches and shows text; the file keeps the original."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def _display_name(path: str) -> str:
    name = os.path.basename(path)
    return name[: -len(EXTENSION)] if name.lower().endswith(EXTENSION) else name


def _is_damage(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return type(exc) is sqlite3.DatabaseError
    return (code & 0xFF) in _DAMAGE_CODES


# --- the index ---------------------------------------------------------------------------------


class SearchIndex:
    """The index database: chat summaries and full-text search over every message.

    Create one per thread (see the module docstring). Paths are stored absolute and
    normalized (:func:`os.path.abspath`); the summaries and hits return them that way.
    """

    def __init__(self, db_path: StrPath) -> None:
        self.path = Path(_key(db_path))
        self.reset_reason: str | None = None
        self._closed = False
        self._snippet_table = False
        self._guarding = _Guard(self)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnavailable(
                f'The search index cannot be kept in "{self.path.parent}": {exc.strerror or exc}.'
            ) from exc
        if self.path.is_dir():
            raise IndexUnavailable(
                f'The search index "{self.path}" cannot be created: a folder has that name.'
            )
        self._conn = self._open()

    # -- opening and resetting --

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            self._delete_files()  # a stale -wal without its database would be replayed
            self.reset_reason = "missing"
        marked = self._marked_damage()
        conn = self._connect()
        try:
            problem = f"damaged: {marked}" if marked is not None else self._check(conn)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                conn.close()
                raise self._unavailable(exc) from exc
            problem = f"damaged: {exc}"
        if problem is not None:
            log.warning("rebuilding the search index %s (%s)", self.path, problem)
            conn.close()
            self._delete_files()
            self.reset_reason = problem
            conn = self._connect()
        try:
            self._create_schema(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise self._unavailable(exc) from exc
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute("PRAGMA temp_store = MEMORY")  # the snippet table of search()
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from exc
        return conn

    def _check(self, conn: sqlite3.Connection) -> str | None:
        """``None`` if the database is usable (or new and empty), else why it is rebuilt.

        Raises ``sqlite3.DatabaseError`` for a file that is not a database or is corrupt.
        """
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.info("the search index is in journal mode %s, not WAL", mode)
        conn.execute("PRAGMA synchronous = NORMAL")  # a cache: WAL keeps it consistent
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
        if version == 0 and not tables:
            if self.reset_reason is None:
                self.reset_reason = "empty"
            return None
        if version != SCHEMA_VERSION:
            return f"schema {version} -> {SCHEMA_VERSION}"
        if not {"chats", "messages", *_QUICK_CHECKED} <= tables:
            return "damaged: tables are missing"
        for table in _QUICK_CHECKED:
            problem = _quick_check(conn, table)
            if problem is not None:
                return f"damaged: {problem}"
        conn.execute("SELECT rowid FROM messages WHERE messages MATCH 'x' LIMIT 1").fetchall()
        return None

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another instance may have created it while this one waited for the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @property
    def _marker(self) -> Path:
        return Path(str(self.path) + ".damaged")

    def _marked_damage(self) -> str | None:
        """Why an earlier instance found the database damaged, or ``None``."""
        try:
            return self._marker.read_text(encoding="utf-8", errors="replace").strip() or "marked"
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"marked ({exc.strerror or exc})"

    def _mark_damaged(self, problem: str) -> None:
        log.error("the search index %s is damaged: %s", self.path, problem)
        try:
            self._marker.write_text(problem, encoding="utf-8")
        except OSError as exc:
            log.error("could not mark the search index as damaged: %s", exc)

    def _delete_files(self) -> None:
        for suffix in ("", *_SIDE_FILES):
            file = Path(str(self.path) + suffix)
            try:
                file.unlink(missing_ok=True)
            except OSError as exc:
                raise IndexUnavailable(
                    f'The damaged search index "{file}" cannot be deleted: {exc.strerror or exc}.'
                ) from exc

    def _unavailable(self, exc: sqlite3.Error) -> IndexUnavailable:
        return IndexUnavailable(f'The search index "{self.path}" cannot be opened: {exc}.')

    def _guard(self) -> _Guard:
        """Turn sqlite's failures into :class:`IndexDamaged` / :class:`IndexUnavailable`."""
        return self._guarding

    def _failure(self, exc: sqlite3.Error) -> IndexUnavailable | None:
        if isinstance(exc, sqlite3.DatabaseError) and _is_damage(exc):
            self._mark_damaged(str(exc))
            return IndexDamaged(
                f'The search index "{self.path}" is damaged ({exc}); '
                "it is rebuilt when it is next opened."
            )
        if isinstance(exc, sqlite3.OperationalError):
            return IndexUnavailable(f'The search index "{self.path}" cannot be used: {exc}.')
        return None  # a programming error (such as use from another thread): as it is

    def verify(self) -> str | None:
        """The full ``PRAGMA quick_check`` (it reads the whole file: run it on a background
        thread). ``None`` if the database is sound; else what is wrong, and it is marked to be
        rebuilt by the next :class:`SearchIndex` opened on it."""
        try:
            with self._guard():
                problem = _quick_check(self._conn)
        except IndexDamaged as exc:
            return str(exc.__cause__)
        if problem is not None:
            self._mark_damaged(problem)
        return problem

    def close(self) -> None:
        """Close the connection (the last one to close folds the WAL into the database)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._conn.execute("PRAGMA optimize")
        except sqlite3.Error as exc:
            log.debug("PRAGMA optimize failed: %s", exc)
        self._conn.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction: waits (up to the busy timeout) for another writer."""
        return self._transaction("BEGIN IMMEDIATE")

    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read transaction: one consistent snapshot across several queries."""
        return self._transaction("BEGIN")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._guard():
            self._conn.execute(begin)
            try:
                yield self._conn
            except BaseException:
                self._rollback()
                raise
            self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self._conn.in_transaction:  # sqlite may have rolled back already (disk full, …)
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("rollback failed: %s", exc)

    # -- summaries --

    def summaries(self) -> list[ChatSummary]:
        """Every chat in the index, pinned first, then the most recently active first.

        Reads only the database (no chat file), so the sidebar can be shown at once.
        """
        with self._guard():
            rows = self._conn.execute(
                f"SELECT {_CHAT_COLUMNS} FROM chats "
                "ORDER BY pinned DESC, coalesce(last_message_us, created_us) DESC, path"
            ).fetchall()
        folders: dict[str, Path] = {}
        return [_summary(row, folders) for row in rows]

    def summary(self, path: StrPath) -> ChatSummary | None:
        """The stored summary of one chat file, or ``None`` if it is not in the index."""
        with self._guard():
            row = self._conn.execute(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE path = ?", (_blob(_key(path)),)
            ).fetchone()
        return None if row is None else _summary(row, {})

    def stored_stats(self) -> dict[Path, tuple[int, int]]:
        """``{path: (size, mtime_ns)}`` of every indexed file, in one query."""
        with self._guard():
            rows = self._conn.execute("SELECT path, size, mtime_ns FROM chats").fetchall()
        return {Path(os.fsdecode(path)): (size, mtime_ns) for path, size, mtime_ns in rows}

    def is_current(self, path: StrPath, size: int, mtime_ns: int) -> bool:
        """Whether ``path`` is indexed as it is on disk now (same size and mtime_ns).

        ``path`` may be the ``os.DirEntry`` of an ``os.scandir`` loop (saves making a Path).
        """
        with self._guard():
            row = self._conn.execute(
                "SELECT size, mtime_ns FROM chats WHERE path = ?", (_blob(_key(path)),)
            ).fetchone()
        return row is not None and row[0] == size and row[1] == mtime_ns

    # -- writing --

    def put(self, path: StrPath, transcript: Transcript, size: int, mtime_ns: int) -> ChatSummary:
        """Index a chat as read from (or just written to) ``path``, with the file's stat.

        Only the messages that changed since the chat was last indexed are rewritten, so
        indexing a long chat after each new message is cheap.
        """
        with self._write():
            return self._store(_key(path), transcript, size, mtime_ns)

    def put_damaged(self, path: StrPath, error: str, size: int, mtime_ns: int) -> ChatSummary:
        """Record a file that could not be read, with the error; its messages are dropped.

        Its title is the file name (without ``.confab.json``), its ``created_at`` the mtime.
        It is not read again until its size or mtime changes.
        """
        with self._write():
            return self._store_damaged(_key(path), error, size, mtime_ns)

    def remove(self, path: StrPath) -> None:
        """Forget a chat file (no error if it is not indexed)."""
        with self._write():
            self._remove(_key(path))

    def _store(self, key: str, transcript: Transcript, size: int, mtime_ns: int) -> ChatSummary:
        conversation = transcript.conversation
        messages = conversation.messages[:MAX_INDEXED_MESSAGES]
        summary = ChatSummary(
            path=Path(key),
            chat_id=_text(str(getattr(transcript, "chat_id", "") or "")),
            title=_text(conversation.title),
            created_at=_from_us(_to_us(conversation.created_at)),
            last_message_at=_last_time(conversation.messages),
            pinned=bool(getattr(transcript, "pinned", False)),
            message_count=len(conversation.messages),
            size=size,
            mtime_ns=mtime_ns,
        )
        chat = self._upsert(summary)
        self._sync_messages(
            chat,
            [
                (_text(m.content), m.role, None if m.created_at is None else _to_us(m.created_at))
                for m in messages
            ],
        )
        return summary

    def _store_damaged(self, key: str, error: str, size: int, mtime_ns: int) -> ChatSummary:
        summary = ChatSummary(
            path=Path(key),
            chat_id="",
            title=_text(_display_name(key)),
            created_at=_from_us(mtime_ns // 1000),
            last_message_at=None,
            pinned=False,
            message_count=0,
            size=size,
            mtime_ns=mtime_ns,
            error=_text(error or "The file could not be read."),
        )
        chat = self._upsert(summary)
        self._conn.execute("DELETE FROM messages WHERE rowid BETWEEN ? AND ?", _rowid_range(chat))
        return summary

    def _remove(self, key: str) -> None:
        row = self._conn.execute("SELECT id FROM chats WHERE path = ?", (_blob(key),)).fetchone()
        if row is None:
            return
        self._conn.execute("DELETE FROM messages WHERE rowid BETWEEN ? AND ?", _rowid_range(row[0]))
        self._conn.execute("DELETE FROM chats WHERE id = ?", (row[0],))

    def _upsert(self, summary: ChatSummary) -> int:
        key = _blob(str(summary.path))
        values = (
            summary.chat_id,
            summary.title,
            _to_us(summary.created_at),
            None if summary.last_message_at is None else _to_us(summary.last_message_at),
            int(summary.pinned),
            summary.message_count,
            summary.size,
            summary.mtime_ns,
            summary.error,
        )
        row = self._conn.execute("SELECT id FROM chats WHERE path = ?", (key,)).fetchone()
        if row is not None:
            self._conn.execute(
                "UPDATE chats SET chat_id = ?, title = ?, created_us = ?, last_message_us = ?, "
                "pinned = ?, message_count = ?, size = ?, mtime_ns = ?, error = ? WHERE id = ?",
                (*values, row[0]),
            )
            return int(row[0])
        cursor = self._conn.execute(
            f"INSERT INTO chats ({_CHAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, *values),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _sync_messages(self, chat: int, new: list[tuple[str, str, int | None]]) -> None:
        """Make the chat's FTS rows ``new`` ((content, role, created_us) by index), writing
        only the rows that differ: FTS5 must re-tokenize every row it deletes or inserts."""
        first, last = _rowid_range(chat)
        old = {
            rowid - first: (content, role, created)
            for rowid, content, role, created in self._conn.execute(
                "SELECT rowid, content, role, created_us FROM messages WHERE rowid BETWEEN ? AND ?",
                (first, last),
            )
        }
        changed = [i for i, message in enumerate(new) if old.get(i) != message]
        stale = [(first + i,) for i in old if i >= len(new) or old[i] != new[i]]
        if stale:
            self._conn.executemany("DELETE FROM messages WHERE rowid = ?", stale)
        if changed:
            self._conn.executemany(
                "INSERT INTO messages (rowid, content, role, created_us) VALUES (?, ?, ?, ?)",
                ((first + i, *new[i]) for i in changed),
            )

    # -- refreshing from the files --

    def refresh(
        self,
        paths: Iterable[StrPath],
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[ChatSummary]:
        """Bring the index in line with the chat files ``paths`` (the library's complete set).

        Each file is stat'ed; one that is new or whose size or mtime_ns changed is read with
        :func:`core.transcript.load` and re-indexed, or recorded with its error if it cannot
        be read. Rows of files not in ``paths``, or gone from disk, are removed; a row that
        another instance wrote after this refresh began is left as that one wrote it. Files are
        read outside any transaction, oldest mtime first, and written in batches
        (:data:`BATCH_FILES` files, :data:`BATCH_BYTES` bytes or :data:`BATCH_SECONDS`), so
        another instance sees the progress and can write in between, and a kill loses at
        most one batch.

        ``progress(done, total)`` is called on this thread at the start, at most every
        :data:`PROGRESS_INTERVAL_S`, and at the end with ``done == total``. When
        ``should_stop()`` turns true, what was read so far is committed and the summaries of
        the files handled so far are returned. Otherwise returns the summaries of all the
        given files that exist, in the order given.
        """
        keys = list(dict.fromkeys(_key(path) for path in paths))
        total = len(keys)
        if progress:
            progress(0, total)
        with self._guard():
            stored = {
                os.fsdecode(path): (size, mtime_ns)
                for path, size, mtime_ns in self._conn.execute(
                    "SELECT path, size, mtime_ns FROM chats"
                )
            }
        wanted = set(keys)
        pending = [_Pending(key, stored[key]) for key in stored if key not in wanted]
        handled: set[str] = set()
        to_read: list[tuple[int, str, int]] = []  # (mtime_ns, path, size)
        for key in keys:
            try:
                info = os.stat(key)
            except FileNotFoundError:
                if key in stored:
                    pending.append(_Pending(key, stored[key]))  # gone: forget it
                handled.add(key)
                continue
            except OSError as exc:
                error = f'Cannot open "{key}": {exc.strerror or exc}.'
                pending.append(_Pending(key, stored.get(key), error=error))
                handled.add(key)
                continue
            if stored.get(key) == (info.st_size, info.st_mtime_ns):
                handled.add(key)
            else:
                to_read.append((info.st_mtime_ns, key, info.st_size))
        # Oldest first: new chats get rowids in the order of their age, and a search with
        # more than RANK_WINDOW matches ranks those of the chats with the highest rowids.
        to_read.sort()
        done = len(handled)
        pending_bytes = 0
        last_flush = last_progress = time.monotonic()
        for mtime_ns, key, size in to_read:
            if should_stop is not None and should_stop():
                break
            pending.append(_read_file(key, stored.get(key), size, mtime_ns))
            pending_bytes += size
            handled.add(key)
            done += 1
            now = time.monotonic()
            if (
                len(pending) >= BATCH_FILES
                or pending_bytes >= BATCH_BYTES
                or now - last_flush >= BATCH_SECONDS
            ):
                self._write_batch(pending)
                pending_bytes = 0
                last_flush = time.monotonic()
            if progress and now - last_progress >= PROGRESS_INTERVAL_S:
                last_progress = now
                progress(done, total)
        self._write_batch(pending)
        if progress and done == total:
            progress(total, total)
        by_path = {str(summary.path): summary for summary in self.summaries()}
        return [by_path[key] for key in keys if key in handled and key in by_path]

    def _write_batch(self, pending: list[_Pending]) -> None:
        if pending:
            with self._write():
                for item in pending:
                    item.write(self)
            pending.clear()

    # -- searching --

    def search(self, query: str, limit: int = 100) -> list[SearchHit]:
        """The messages matching ``query``, best first (bm25), ties newest first.

        See :func:`fts_query` for what a query means; any text is safe and an empty query
        finds nothing. Each hit's snippet is about :data:`SNIPPET_TOKENS` words around the
        match, with :data:`MATCH_START` and :data:`MATCH_END` around each matched word.
        A query with more than :data:`RANK_WINDOW` matches (a very common word) ranks only
        the matches in the chats indexed last (the newest), so that it stays fast.
        """
        expression = fts_query(query)
        if expression is None or limit <= 0:
            return []
        with self._read() as conn:
            bound = conn.execute(
                "SELECT rowid FROM messages WHERE messages MATCH ? "
                "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (expression, RANK_WINDOW - 1),
            ).fetchone()
            window = "" if bound is None else f" AND rowid >= {int(bound[0])}"
            top: list[tuple[int, str, int]] = conn.execute(
                f"SELECT rowid, role, created_us FROM messages WHERE messages MATCH ?{window} "
                "ORDER BY rank, created_us DESC, rowid DESC LIMIT ?",
                (expression, limit),
            ).fetchall()
            if not top:
                return []
            rowids = [row[0] for row in top]
            contents = _select_in(conn, "SELECT rowid, content FROM messages", "rowid", rowids)
            chat_ids = sorted({rowid >> MESSAGE_BITS for rowid in rowids})
            chats = {
                chat: (path, title)
                for chat, path, title in _select_in(
                    conn, "SELECT id, path, title FROM chats", "id", chat_ids
                )
            }
            snippets = self._snippets(conn, contents, expression)
        hits = []
        folders: dict[str, Path] = {}
        for rowid, role, created in top:
            chat = chats.get(rowid >> MESSAGE_BITS)
            if chat is None:
                continue
            hits.append(
                SearchHit(
                    path=_path(os.fsdecode(chat[0]), folders),
                    chat_title=chat[1],
                    message_index=rowid & (MAX_INDEXED_MESSAGES - 1),
                    role=role,
                    created_at=None if created is None else _from_us(created),
                    snippet=snippets.get(rowid, ""),
                )
            )
        return hits

    def _snippets(
        self, conn: sqlite3.Connection, contents: list[tuple[int, str]], expression: str
    ) -> dict[int, str]:
        """Snippets of the hits, from a small in-memory FTS5 table of just their text: the
        same tokenizer and query, without re-running the query over the whole index."""
        if not self._snippet_table:
            conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.snippets USING fts5("
                f"content, tokenize = '{TOKENIZER}')"
            )
            self._snippet_table = True
        conn.execute("DELETE FROM temp.snippets")
        conn.executemany("INSERT INTO temp.snippets (rowid, content) VALUES (?, ?)", contents)
        rows = conn.execute(
            "SELECT rowid, snippet(snippets, 0, ?, ?, ?, ?) FROM temp.snippets "
            "WHERE snippets MATCH ?",
            (MATCH_START, MATCH_END, ELLIPSIS, SNIPPET_TOKENS, expression),
        ).fetchall()
        return dict(rows)

    def count(self, query: str) -> int:
        """How many messages match ``query`` (all of them, not only the first ``limit``)."""
        expression = fts_query(query)
        if expression is None:
            return 0
        with self._guard():
            row = self._conn.execute(
                "SELECT count(*) FROM messages WHERE messages MATCH ?", (expression,)
            ).fetchone()
        return int(row[0])


# --- helpers -----------------------------------------------------------------------------------


def _quick_check(conn: sqlite3.Connection, table: str | None = None) -> str | None:
    pragma = "PRAGMA quick_check" if table is None else f"PRAGMA quick_check({table})"
    results = [str(row[0]) for row in conn.execute(pragma)]
    return None if results == ["ok"] else "; ".join(results[:3])


def _rowid_range(chat: int) -> tuple[int, int]:
    first = chat << MESSAGE_BITS
    return first, first + MAX_INDEXED_MESSAGES - 1


def _select_in(
    conn: sqlite3.Connection, select: str, column: str, values: list[int]
) -> list[tuple[Any, ...]]:
    """``select … WHERE column IN (values)``, in chunks that stay under sqlite's limit on
    parameters."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows += conn.execute(f"{select} WHERE {column} IN ({marks})", chunk).fetchall()
    return rows


def _path(text: str, folders: dict[str, Path]) -> Path:
    """``Path(text)`` of a stored (absolute, normalized) path, faster for many files in few
    folders: pathlib parses every path it is given."""
    head, _, tail = text.rpartition(os.sep)
    if os.sep not in head or not tail:  # in the root folder or a drive's: the plain way
        return Path(text)
    folder = folders.get(head)
    if folder is None:
        folder = folders[head] = Path(head)
    return folder / tail


def _summary(row: tuple[Any, ...], folders: dict[str, Path]) -> ChatSummary:
    path, chat_id, title, created, last, pinned, count, size, mtime_ns, error = row
    return ChatSummary(
        path=_path(os.fsdecode(path), folders),
        chat_id=chat_id,
        title=title,
        created_at=_from_us(created),
        last_message_at=None if last is None else _from_us(last),
        pinned=bool(pinned),
        message_count=count,
        size=size,
        mtime_ns=mtime_ns,
        error=error,
    )


class _Guard:
    """``with index._guard():`` (a class: a generator context manager costs microseconds,
    and :meth:`SearchIndex.is_current` runs once per file at start-up)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, sqlite3.Error):
            failure = self.index._failure(exc)
            if failure is not None:
                raise failure from exc


@dataclass
class _Pending:
    """A change refresh writes in its next batch: a chat read, a damaged file, or (neither)
    a file to forget. ``expected`` is the row's (size, mtime_ns) when the refresh began
    (``None``: no row): if another instance changed the row since (the GUI indexed the chat
    it just saved, or removed it), that newer state is kept."""

    key: str
    expected: tuple[int, int] | None
    size: int = 0
    mtime_ns: int = 0
    transcript: Transcript | None = None
    error: str = ""

    def write(self, index: SearchIndex) -> None:
        row = index._conn.execute(
            "SELECT size, mtime_ns FROM chats WHERE path = ?", (_blob(self.key),)
        ).fetchone()
        if (None if row is None else (row[0], row[1])) != self.expected:
            return
        if self.transcript is not None:
            index._store(self.key, self.transcript, self.size, self.mtime_ns)
        elif self.error:
            index._store_damaged(self.key, self.error, self.size, self.mtime_ns)
        else:
            index._remove(self.key)


def _read_file(key: str, expected: tuple[int, int] | None, size: int, mtime_ns: int) -> _Pending:
    """Read one chat file for refresh, with the stat taken before reading: if the file
    changes while it is read, the stored stat is older than the file and the next refresh
    reads it again."""
    try:
        transcript = load(key).transcript
    except TranscriptError as exc:
        return _Pending(key, expected, size, mtime_ns, error=str(exc))
    return _Pending(key, expected, size, mtime_ns, transcript=transcript)

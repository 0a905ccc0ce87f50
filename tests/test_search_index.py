"""The library's search index (core/search_index.py) on real transcript files and a real
sqlite database: matching, hostile queries, refresh from the files, damaged and old databases,
persistence, and two instances on two threads."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import core.search_index as search_index
from core.conversation import Conversation, Message
from core.search_index import (
    MATCH_END,
    MATCH_START,
    SCHEMA_VERSION,
    ChatSummary,
    IndexDamaged,
    IndexUnavailable,
    SearchIndex,
    fts_query,
)
from core.transcript import LoadedTranscript, Transcript, load, save

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def chat(*texts: str, title: str = "Chat", start: datetime = T0) -> Transcript:
    """A transcript whose messages alternate user/assistant, one minute apart."""
    messages = [
        Message("user" if i % 2 == 0 else "assistant", text, start + timedelta(minutes=i))
        for i, text in enumerate(texts)
    ]
    updated = start + timedelta(minutes=len(texts) - 1) if texts else start
    return Transcript(Conversation(messages, "", title, start, updated))


def write(path: Path, transcript: Transcript) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save(path, transcript)
    return path


def put(index: SearchIndex, path: Path, transcript: Transcript) -> ChatSummary:
    """Save the chat and index it, as the app does after writing a chat."""
    write(path, transcript)
    info = path.stat()
    return index.put(path, transcript, info.st_size, info.st_mtime_ns)


def texts(hits: list[search_index.SearchHit]) -> list[str]:
    return [hit.snippet.replace(MATCH_START, "").replace(MATCH_END, "") for hit in hits]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "index.sqlite3"


@pytest.fixture
def index(db: Path):
    opened = SearchIndex(db)
    yield opened
    opened.close()


@pytest.fixture
def chats(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "chats"
    folder.mkdir(parents=True)
    return folder


# --- matching ------------------------------------------------------------------------------------


def test_words_match_regardless_of_case_and_accents(index: SearchIndex, chats: Path) -> None:
    put(index, chats / "a.confab.json", chat("Un Café, s'il vous plaît", "CAFÉ NOIR", "tea"))
    put(index, chats / "b.confab.json", chat("I like cafe au lait", "naïve question"))

    assert sorted(texts(index.search("cafe"))) == [
        "CAFÉ NOIR",
        "I like cafe au lait",
        "Un Café, s'il vous plaît",
    ]
    assert len(index.search("CAFÉ")) == 3
    assert len(index.search("Cafè")) == 3  # another accent typed: still the same word
    assert texts(index.search("NAIVE")) == ["naïve question"]
    assert texts(index.search("plait")) == ["Un Café, s'il vous plaît"]


def test_a_quoted_phrase_matches_only_as_a_phrase(index: SearchIndex, chats: Path) -> None:
    put(
        index,
        chats / "a.confab.json",
        chat("Add olive oil to the pan", "The oil of an olive tree", "olive branch", "motor oil"),
    )
    assert texts(index.search('"olive oil"')) == ["Add olive oil to the pan"]
    assert texts(index.search('"oil olive"')) == []
    # Unquoted, every word must be in the message, in any order, not only in the chat.
    assert sorted(texts(index.search("olive oil"))) == [
        "Add olive oil to the pan",
        "The oil of an olive tree",
    ]


def test_all_words_must_match_in_the_same_message(index: SearchIndex, chats: Path) -> None:
    put(index, chats / "a.confab.json", chat("pizza tonight?", "with basil please"))
    assert index.search("pizza basil") == []
    assert len(index.search("pizza tonight")) == 1


def test_the_last_bare_word_matches_as_a_prefix(index: SearchIndex, chats: Path) -> None:
    put(index, chats / "a.confab.json", chat("A pizza margherita, please", "Pizzeria Roma"))
    assert sorted(texts(index.search("pizz"))) == ["A pizza margherita, please", "Pizzeria Roma"]
    assert texts(index.search("margherita pizz")) == ["A pizza margherita, please"]
    assert index.search("pizz margherita") == []  # only the last word is a prefix
    assert texts(index.search('"pizza marg')) == ["A pizza margherita, please"]  # still typing
    assert index.search('"pizz"') == []  # a closed phrase is exact


HOSTILE = [
    '"',
    '""',
    '"""',
    "AND",
    "OR",
    "NOT",
    "pizza AND",
    "AND pizza",
    "*",
    "pizza*",
    "**",
    "NEAR(",
    "NEAR(pizza basil, 2)",
    "-x",
    "a:b",
    "content:pizza",
    "role:user",
    "^pizza",
    "(pizza",
    "pizza)",
    "+",
    "{pizza}",
    "'",
    "pizza' OR '1'='1",
    "🍕",
    "🍕 pizza",
    "\x00",
    "pizza\x00basil",
    "\ud800",
    "\t\n",
    "x" * 10_000,
    "pizza " * 2_000,
    '" AND "',
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: SearchIndex, chats: Path, query: str) -> None:
    put(index, chats / "a.confab.json", chat("pizza with basil", "AND or NOT near x a:b"))
    hits = index.search(query)
    assert isinstance(hits, list)
    expression = fts_query(query)
    if expression is not None:  # what reaches MATCH is only quoted strings
        assert expression.startswith('"')


def test_query_syntax_typed_by_a_user_is_plain_words(index: SearchIndex, chats: Path) -> None:
    put(index, chats / "a.confab.json", chat("pizza with basil", "AND or NOT near x a:b"))
    words = "AND or NOT near x a:b"
    assert texts(index.search("AND")) == [words]
    assert texts(index.search("NOT")) == [words]
    assert texts(index.search("NEAR(")) == [words]
    assert texts(index.search("-x")) == [words]
    assert texts(index.search("a:b")) == [words]
    assert texts(index.search("pizza OR nothing")) == []  # OR is a word here, not "or else"
    assert texts(index.search("🍕 pizza")) == ["pizza with basil"]
    assert texts(index.search("pizza\x00basil")) == ["pizza with basil"]
    for blank in ("", "   ", '"', "*", "🍕", "\ud800"):
        assert index.search(blank) == []


def test_a_snippet_marks_the_match_and_is_short(index: SearchIndex, chats: Path) -> None:
    filler = " ".join(f"word{i}" for i in range(60))
    put(index, chats / "a.confab.json", chat(f"{filler} Café crème {filler}"))
    (hit,) = index.search("cafe")
    assert f"{MATCH_START}Café{MATCH_END}" in hit.snippet
    assert len(hit.snippet.split()) <= 13  # about 12 words around the match
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    (hit,) = index.search('"cafe creme"')
    assert f"{MATCH_START}Café crème{MATCH_END}" in hit.snippet


def test_a_hit_names_its_chat_message_and_role(index: SearchIndex, chats: Path) -> None:
    path = chats / "a.confab.json"
    put(index, path, chat("hello", "the weather is sunny", "sunny indeed", title="Weather"))
    hits = index.search("sunny")
    assert {(hit.message_index, hit.role) for hit in hits} == {(1, "assistant"), (2, "user")}
    hit = next(hit for hit in hits if hit.message_index == 1)
    assert hit.path == path.absolute()
    assert hit.chat_title == "Weather"
    assert hit.created_at == T0 + timedelta(minutes=1)
    assert hit.created_at.tzinfo is not None


def test_all_roles_are_searched(index: SearchIndex, chats: Path) -> None:
    transcript = chat("hello")
    transcript.conversation.messages.append(Message("system", "Model loaded: zebra", T0))
    put(index, chats / "a.confab.json", transcript)
    (hit,) = index.search("zebra")
    assert hit.role == "system"


def test_results_are_best_first_and_ties_newest_first(index: SearchIndex, chats: Path) -> None:
    day = timedelta(days=1)
    # Indexed in the order A, B, C, so that neither rowid order gives newest first.
    put(index, chats / "a.confab.json", chat("apple pie", start=T0 + 2 * day, title="A"))
    put(index, chats / "b.confab.json", chat("apple pie", start=T0, title="B"))
    put(index, chats / "c.confab.json", chat("apple pie", start=T0 + day, title="C"))
    best = "apple apple"
    put(index, chats / "d.confab.json", chat(best, start=T0 - day, title="D"))
    long_one = "apple and a long story about a pie, with many more words in it"
    put(index, chats / "e.confab.json", chat(long_one, start=T0 + 3 * day, title="E"))
    assert [hit.chat_title for hit in index.search("apple")] == ["D", "A", "C", "B", "E"]
    assert len(index.search("apple", limit=2)) == 2
    assert index.search("apple", limit=0) == []


def test_a_very_common_word_ranks_only_the_newest_chats(
    index: SearchIndex, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(6):
        put(index, chats / f"{i}.confab.json", chat("common word", title=str(i)))
    monkeypatch.setattr(search_index, "RANK_WINDOW", 3)
    assert {hit.chat_title for hit in index.search("common")} == {"3", "4", "5"}
    assert index.count("common") == 6


# --- summaries and writing -----------------------------------------------------------------------


def test_put_returns_and_stores_the_summary(index: SearchIndex, chats: Path) -> None:
    path = chats / "a.confab.json"
    transcript = chat("first", "second", "third", title="Three", start=T0)
    setattr(transcript, "chat_id", "c-123")  # noqa: B010 - the library adds these fields
    setattr(transcript, "pinned", True)  # noqa: B010
    summary = put(index, path, transcript)
    info = path.stat()
    assert summary == ChatSummary(
        path=path.absolute(),
        chat_id="c-123",
        title="Three",
        created_at=T0,
        last_message_at=T0 + timedelta(minutes=2),
        pinned=True,
        message_count=3,
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
    )
    assert index.summaries() == [summary]
    assert index.summary(path) == summary
    assert index.is_current(path, info.st_size, info.st_mtime_ns)
    assert not index.is_current(path, info.st_size + 1, info.st_mtime_ns)
    assert not index.is_current(path, info.st_size, info.st_mtime_ns + 1)
    assert not index.is_current(chats / "other.confab.json", info.st_size, info.st_mtime_ns)


def test_a_chat_without_messages_or_new_fields(index: SearchIndex, chats: Path) -> None:
    summary = put(index, chats / "empty.confab.json", chat(title="Empty"))
    assert summary.last_message_at is None
    assert summary.message_count == 0
    assert (summary.chat_id, summary.pinned, summary.error) == ("", False, "")
    assert index.summaries()[0].last_message_at is None


def test_summaries_are_pinned_first_then_most_recent(index: SearchIndex, chats: Path) -> None:
    day = timedelta(days=1)
    put(index, chats / "old.confab.json", chat("x", title="old", start=T0))
    put(index, chats / "new.confab.json", chat("x", title="new", start=T0 + day))
    pinned = chat("x", title="pinned", start=T0 - day)
    setattr(pinned, "pinned", True)  # noqa: B010
    put(index, chats / "pinned.confab.json", pinned)
    assert [s.title for s in index.summaries()] == ["pinned", "new", "old"]


def test_put_again_reindexes_only_what_changed(index: SearchIndex, chats: Path) -> None:
    path = chats / "a.confab.json"
    transcript = chat("pizza tonight", "sure, margherita")
    put(index, path, transcript)
    transcript.conversation.add("user", "with extra basil")
    put(index, path, transcript)
    assert len(index.search("pizza")) == 1
    assert len(index.search("basil")) == 1
    assert index.summary(path).message_count == 3  # type: ignore[union-attr]

    transcript.conversation.messages[0].content = "pasta tonight"  # an edit
    del transcript.conversation.messages[2]  # and a removal
    put(index, path, transcript)
    assert index.search("pizza") == []
    assert index.search("basil") == []
    assert texts(index.search("pasta")) == ["pasta tonight"]
    assert index.count("tonight OR margherita") == 0
    assert index.count("margherita") == 1


def test_put_damaged_and_remove(index: SearchIndex, chats: Path) -> None:
    path = chats / "broken.confab.json"
    put(index, path, chat("findable words"))
    summary = index.put_damaged(path, "Cannot open: broken", 12, 34)
    assert summary.error == "Cannot open: broken"
    assert summary.title == "broken"
    assert summary.message_count == 0
    assert index.search("findable") == []  # its old messages are gone
    assert index.summaries() == [summary]
    assert index.is_current(path, 12, 34)

    index.remove(path)
    assert index.summaries() == []
    index.remove(path)  # again: nothing to do


def test_using_an_instance_from_another_thread_is_refused(index: SearchIndex) -> None:
    errors: list[BaseException] = []

    def use() -> None:
        try:
            index.summaries()
        except sqlite3.ProgrammingError as exc:
            errors.append(exc)

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert len(errors) == 1


# --- refresh -------------------------------------------------------------------------------------


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.confab.json"))


def test_refresh_indexes_a_folder_and_lists_a_damaged_file(index: SearchIndex, chats: Path) -> None:
    write(chats / "a.confab.json", chat("alpha words", title="A"))
    write(chats / "b.confab.json", chat("beta words", title="B"))
    (chats / "c.confab.json").write_text('{"format": "confab-transcript", ', encoding="utf-8")
    calls: list[tuple[int, int]] = []

    summaries = index.refresh(
        files(chats), progress=lambda done, total: calls.append((done, total))
    )

    assert [s.title for s in summaries] == ["A", "B", "c"]
    broken = summaries[2]
    assert "c.confab.json" in broken.error and "not valid JSON" in broken.error
    assert broken.size == (chats / "c.confab.json").stat().st_size
    assert [s.error for s in summaries[:2]] == ["", ""]
    assert len(index.search("words")) == 2
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    assert sorted(s.title for s in index.summaries()) == ["A", "B", "c"]


@pytest.mark.skipif(
    not hasattr(Transcript(), "chat_id"), reason="the transcript has no library fields yet"
)
def test_refresh_reads_the_id_and_pinned_fields_of_a_file(index: SearchIndex, chats: Path) -> None:
    path = chats / "a.confab.json"
    data = {
        "format": "confab-transcript",
        "version": 1,
        "id": "2f1c-chat",
        "pinned": True,
        "title": "From disk",
        "messages": [{"role": "user", "content": "hi", "created_at": "2026-01-01T12:00:00Z"}],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    (summary,) = index.refresh([path])
    assert (summary.chat_id, summary.pinned, summary.title) == ("2f1c-chat", True, "From disk")


def test_refresh_reads_only_changed_files(
    index: SearchIndex, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in "abc":
        write(chats / f"{name}.confab.json", chat(f"{name} text"))
    index.refresh(files(chats))
    read: list[str] = []

    def counting_load(path: str) -> LoadedTranscript:
        read.append(os.path.basename(path))
        return load(path)

    monkeypatch.setattr(search_index, "load", counting_load)
    assert len(index.refresh(files(chats))) == 3
    assert read == []
    write(chats / "b.confab.json", chat("b text changed"))
    index.refresh(files(chats))
    assert read == ["b.confab.json"]


def test_refresh_sees_a_change_of_size_alone(index: SearchIndex, chats: Path) -> None:
    path = write(chats / "a.confab.json", chat("pizza"))
    index.refresh([path])
    before = path.stat()
    write(path, chat("lasagne"))  # longer, then the old mtime put back
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size != before.st_size
    index.refresh([path])
    assert texts(index.search("lasagne")) == ["lasagne"]
    assert index.search("pizza") == []


def test_refresh_sees_a_change_of_mtime_alone(index: SearchIndex, chats: Path) -> None:
    path = write(chats / "a.confab.json", chat("pizza"))
    index.refresh([path])
    before = path.stat()
    write(path, chat("pasta"))  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_size == before.st_size
    index.refresh([path])
    assert texts(index.search("pasta")) == ["pasta"]
    assert index.search("pizza") == []


def test_refresh_adds_new_files_and_forgets_removed_ones(index: SearchIndex, chats: Path) -> None:
    a = write(chats / "a.confab.json", chat("alpha"))
    b = write(chats / "b.confab.json", chat("beta"))
    index.refresh([a, b])
    c = write(chats / "c.confab.json", chat("gamma"))
    b.unlink()

    summaries = index.refresh([a, b, c])  # b is still listed but gone from disk

    assert [s.path for s in summaries] == [a.absolute(), c.absolute()]
    assert index.search("beta") == []
    assert len(index.search("gamma")) == 1
    assert index.refresh([c]) == [index.summary(c)]  # a is no longer in the library
    assert index.search("alpha") == []
    assert [s.path for s in index.summaries()] == [c.absolute()]


def test_a_damaged_file_that_is_fixed_is_read_again(index: SearchIndex, chats: Path) -> None:
    path = chats / "a.confab.json"
    path.write_text("not json", encoding="utf-8")
    (summary,) = index.refresh([path])
    assert summary.error
    write(path, chat("fixed now"))
    (summary,) = index.refresh([path])
    assert summary.error == ""
    assert len(index.search("fixed")) == 1


def test_refresh_commits_in_batches_and_can_stop(
    index: SearchIndex, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "BATCH_FILES", 5)
    paths = [write(chats / f"{i:02}.confab.json", chat(f"chat {i}")) for i in range(12)]
    checks = 0

    def stop_after_seven() -> bool:
        nonlocal checks
        checks += 1
        return checks > 7

    summaries = index.refresh(paths, should_stop=stop_after_seven)
    assert len(summaries) == 7
    assert len(index.summaries()) == 7
    assert len(index.refresh(paths)) == 12


def test_refresh_keeps_what_another_writer_indexed_meanwhile(
    index: SearchIndex, chats: Path
) -> None:
    path = write(chats / "a.confab.json", chat("old text"))
    keep = write(chats / "keep.confab.json", chat("kept"))
    index.refresh([path, keep])
    write(path, chat("changed on disk, the refresh will read it"))

    def gui_saves_meanwhile() -> bool:  # the GUI saves and indexes while refresh runs
        put(index, path, chat("the GUI's newest text"))
        put(index, keep, chat("kept and edited"))
        return False

    index.refresh([path], should_stop=gui_saves_meanwhile)  # keep: not in the list
    info = path.stat()
    assert index.is_current(path, info.st_size, info.st_mtime_ns)
    assert texts(index.search("newest")) == ["the GUI's newest text"]
    assert texts(index.search("edited")) == ["kept and edited"]  # not removed


def test_odd_file_names_and_lone_surrogates_are_indexed(index: SearchIndex, chats: Path) -> None:
    try:  # a name that is not UTF-8 (Linux allows it; it decodes to a lone surrogate)
        odd = write(chats / os.fsdecode(b"caf\xe9.confab.json"), chat("latin-1 name"))
    except (OSError, UnicodeError):
        odd = write(chats / "café.confab.json", chat("latin-1 name"))
    text = write(chats / "text.confab.json", chat("half an emoji \ud83d here", title="\udc80"))
    broken = chats / os.fsdecode(b"broken-\xff.confab.json")
    try:
        broken.write_bytes(b"\xff\xfe not text")
    except (OSError, UnicodeError):
        broken = chats / "broken.confab.json"
        broken.write_bytes(b"\xff\xfe not text")

    summaries = index.refresh([odd, text, broken])

    assert [s.path for s in summaries] == [odd, text, broken]
    assert summaries[1].title == "\ufffd"
    assert summaries[2].error
    assert [hit.path for hit in index.search("latin")] == [odd]
    assert texts(index.search("emoji")) == ["half an emoji \ufffd here"]
    assert index.is_current(odd, odd.stat().st_size, odd.stat().st_mtime_ns)
    assert set(index.summaries()) == set(index.refresh([odd, text, broken]))
    index.remove(odd)
    assert index.search("latin") == []


def test_refresh_ignores_duplicates_and_relative_spelling(
    index: SearchIndex, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(chats / "a.confab.json", chat("alpha"))
    monkeypatch.chdir(chats)
    summaries = index.refresh([path, Path("a.confab.json"), chats / "." / "a.confab.json"])
    assert [s.path for s in summaries] == [path.absolute()]


# --- the database file ---------------------------------------------------------------------------


def test_a_new_index_says_it_was_missing_and_a_good_one_is_kept(db: Path, chats: Path) -> None:
    first = SearchIndex(db)
    assert first.reset_reason == "missing"
    put(first, chats / "a.confab.json", chat("kept words", title="Kept"))
    first.close()

    again = SearchIndex(db)
    try:
        assert again.reset_reason is None
        assert [s.title for s in again.summaries()] == ["Kept"]
        assert texts(again.search("kept")) == ["kept words"]
        assert again.verify() is None
    finally:
        again.close()


def test_a_garbage_file_is_rebuilt(db: Path, chats: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"this is not a database at all\n" * 200)
    index = SearchIndex(db)
    try:
        assert index.reset_reason is not None
        assert index.reset_reason.startswith("damaged: ")
        assert index.summaries() == []
        put(index, chats / "a.confab.json", chat("works again"))
        assert len(index.search("works")) == 1
    finally:
        index.close()


def page_of(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[
                0
            ]
        )


def overwrite_page(db: Path, page: int) -> None:
    size = 4096
    with open(db, "r+b") as stream:
        stream.seek((page - 1) * size)
        stream.write(b"\xa5" * size)


def filled(db: Path, chats: Path, count: int = 40) -> None:
    index = SearchIndex(db)
    for i in range(count):
        put(index, chats / f"{i}.confab.json", chat(f"message number {i} " * 20, title=str(i)))
    index.close()


def test_a_corrupt_chats_table_is_found_on_opening(db: Path, chats: Path) -> None:
    filled(db, chats)
    overwrite_page(db, page_of(db, "chats"))
    index = SearchIndex(db)
    try:
        assert index.reset_reason is not None and index.reset_reason.startswith("damaged: ")
        assert index.summaries() == []
    finally:
        index.close()


def test_damage_found_later_is_marked_and_rebuilt_on_reopening(db: Path, chats: Path) -> None:
    filled(db, chats)
    overwrite_page(db, page_of(db, "messages_content"))
    index = SearchIndex(db)  # the quick check on opening skips the big tables
    try:
        assert index.reset_reason is None
        problem = index.verify()
        assert problem
        with pytest.raises(IndexDamaged):
            index.search("message")
    finally:
        index.close()

    again = SearchIndex(db)
    try:
        assert again.reset_reason is not None and again.reset_reason.startswith("damaged: ")
        assert again.summaries() == []
        again.refresh(files(chats))
        assert len(again.summaries()) == 40
        assert again.verify() is None
    finally:
        again.close()
    third = SearchIndex(db)
    assert third.reset_reason is None  # and it stays rebuilt
    third.close()


@pytest.mark.parametrize("version", [0, SCHEMA_VERSION + 1])
def test_another_schema_version_is_rebuilt(db: Path, chats: Path, version: int) -> None:
    filled(db, chats, count=2)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {version}")
    index = SearchIndex(db)
    try:
        assert index.reset_reason == f"schema {version} -> {SCHEMA_VERSION}"
        assert index.summaries() == []
        assert index.search("message") == []
    finally:
        index.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_unwritable_folder_is_reported_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="cannot be kept in"):
        SearchIndex(blocker / "index.sqlite3")
    (tmp_path / "index.sqlite3").mkdir()
    with pytest.raises(IndexUnavailable, match="a folder has that name"):
        SearchIndex(tmp_path / "index.sqlite3")


def test_the_database_uses_wal_and_the_documented_tables(index: SearchIndex, db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
        assert {"chats", "messages"} <= names
        sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = 'messages'").fetchone()[0]
        assert "remove_diacritics 2" in sql


# --- two instances -------------------------------------------------------------------------------


def test_a_reader_and_a_refreshing_thread_coexist(
    db: Path, chats: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "BATCH_FILES", 10)
    paths = [
        write(chats / f"{i:03}.confab.json", chat(f"shared word {i}", f"reply {i}"))
        for i in range(60)
    ]
    reader = SearchIndex(db)  # the GUI's instance, created first
    halfway = threading.Event()
    carry_on = threading.Event()
    result: list[list[ChatSummary]] = []
    errors: list[BaseException] = []

    def refresh_in_background() -> None:
        calls = 0

        def should_stop() -> bool:
            nonlocal calls
            calls += 1
            if calls == 31:  # three batches are committed: let the reader look
                halfway.set()
                carry_on.wait(10)
            return False

        try:
            writer = SearchIndex(db)
            try:
                result.append(writer.refresh(paths, should_stop=should_stop))
            finally:
                writer.close()
        except Exception as exc:  # noqa: BLE001 - the test thread reports any failure
            errors.append(exc)
            halfway.set()

    thread = threading.Thread(target=refresh_in_background)
    thread.start()
    try:
        assert halfway.wait(10)
        seen = len(reader.summaries())
        assert 10 <= seen < 60  # committed batches are visible before the refresh ends
        assert len(reader.search("shared")) == seen
        put(reader, chats / "gui.confab.json", chat("written by the GUI meanwhile"))
        carry_on.set()
        while thread.is_alive():  # read while the writer writes
            reader.search("reply")
            reader.summaries()
            thread.join(0.01)
    finally:
        carry_on.set()
        thread.join(10)
    try:
        assert errors == []
        assert len(result[0]) == 60
        assert len(reader.summaries()) == 61
        assert len(reader.search("shared")) == 60
        assert len(reader.search("GUI")) == 1
    finally:
        reader.close()

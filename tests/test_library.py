"""The chat library and session without Qt: files, trash, undo, opened files, the reply loop."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from core.conversation import Conversation, Message
from core.library import ChatLibrary, LibraryError
from core.requests import GenerateRequest
from core.session import ChatSession, SessionObserver
from core.settings import GenerationSettings
from core.transcript import Transcript, load, save

DATA = Path(__file__).parent / "data"


def chat_files(library: ChatLibrary) -> list[Path]:
    return sorted(library.chats_dir.glob("*.confab.json"))


class Recorder(SessionObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def message_appended(self, chat, message) -> None:
        self.events.append(("appended", message.content))

    def problem(self, message: str) -> None:
        self.events.append(("problem", message))


@pytest.fixture
def sent() -> list[GenerateRequest]:
    return []


@pytest.fixture
def session(tmp_path: Path, sent: list[GenerateRequest]) -> ChatSession:
    library = ChatLibrary(tmp_path / "data")
    session = ChatSession(library, sent.append, GenerationSettings())
    session.start()
    return session


def test_a_chat_nobody_typed_in_is_not_kept(session: ChatSession) -> None:
    library = session.library
    first = session.current
    assert first is not None and first.path is None
    assert chat_files(library) == []
    session.new_chat()  # still the same empty chat: no pile of empty ones
    assert session.current is first
    session.send("Hello")
    assert len(chat_files(library)) == 1
    empty = session.new_chat()
    assert empty is not first and len(library.chats) == 2
    session.select(first)
    assert empty.chat_id not in library.chats  # switched away from: forgotten, never written
    assert len(chat_files(library)) == 1


def test_every_turn_is_written_at_once(session: ChatSession, sent: list[GenerateRequest]) -> None:
    session.model_loaded("tiny")
    session.send("Hi there")
    chat = session.current
    assert chat is not None and chat.path is not None
    assert [m.content for m in load(chat.path).transcript.conversation.messages] == ["Hi there"]
    request = sent[-1]
    session.reply_finished(request.request_id, "Hello!", {"tokens": 3})
    saved = load(chat.path).transcript
    assert [(m.role, m.content) for m in saved.conversation.messages] == [
        ("user", "Hi there"),
        ("assistant", "Hello!"),
    ]
    assert saved.conversation.messages[1].meta["model"] == "tiny"
    assert saved.chat_id == chat.chat_id


def test_a_reply_lands_in_its_own_chat_after_a_switch(
    session: ChatSession, sent: list[GenerateRequest]
) -> None:
    session.model_loaded("tiny")
    session.send("Question in chat one")
    first = session.current
    assert first is not None and first.busy
    second = session.new_chat()
    session.send("Question in chat two")
    assert session.current is second
    session.reply_finished(sent[0].request_id, "Answer one", {})
    session.reply_finished(sent[1].request_id, "Answer two", {})
    one = [m.content for m in session.library.transcript(first).conversation.messages]
    two = [m.content for m in session.library.transcript(second).conversation.messages]
    assert one == ["Question in chat one", "Answer one"]
    assert two == ["Question in chat two", "Answer two"]
    assert not first.busy and not second.busy


def test_stop_reaches_the_reply_of_a_chat_not_shown(
    session: ChatSession, sent: list[GenerateRequest]
) -> None:
    session.model_loaded("tiny")
    session.send("Write a long story")
    first = session.current
    session.new_chat()
    assert session.stop(first)
    assert sent[0].stop.is_set()
    session.send("Another question")  # the next request has its own, unset, stop event
    assert not sent[1].stop.is_set()


def test_a_message_sent_before_the_model_is_ready_is_answered_when_it_is(
    session: ChatSession, sent: list[GenerateRequest]
) -> None:
    session.send("Are you there?")
    assert sent == []
    session.model_loaded("tiny")
    assert [t.text for t in sent[0].turns] == ["Are you there?"]


def test_rename_pin_and_duplicate_are_written(session: ChatSession) -> None:
    library = session.library
    session.send("Plans for the weekend")
    chat = session.current
    assert chat is not None and chat.path is not None
    library.rename(chat, "  Weekend   plans ")
    library.set_pinned(chat, True)
    saved = load(chat.path).transcript
    assert saved.conversation.title == "Weekend plans" and saved.pinned
    copy = library.duplicate(chat)
    assert copy.path is not None and copy.path != chat.path
    assert load(copy.path).transcript.conversation.title == "Weekend plans (copy)"
    assert library.sorted_chats()[0] is chat  # pinned first, even though the copy is newer
    with pytest.raises(LibraryError):
        library.rename(chat, "   ")


def test_delete_moves_to_the_trash_and_undo_brings_it_back_byte_for_byte(
    session: ChatSession,
) -> None:
    library = session.library
    session.send("Keep me safe")
    chat = session.current
    assert chat is not None and chat.path is not None
    original = chat.path.read_bytes()
    library.delete(chat)
    assert chat_files(library) == [] and chat.chat_id not in library.chats
    assert [e.title for e in library.trash()] == ["Keep me safe"]
    restored = library.undo_delete()
    assert restored is chat and chat.path is not None
    assert chat.path.read_bytes() == original
    assert library.trash() == []
    library.delete(chat)
    library.empty_trash()
    assert library.trash() == [] and library.undo_delete() is None


def test_files_added_while_closed_appear_and_a_damaged_one_is_listed_not_hidden(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    chats = data / "chats"
    chats.mkdir(parents=True)
    shutil.copy(DATA / "handwritten.confab.json", chats / "from-elsewhere.confab.json")
    (chats / "broken.confab.json").write_text('{"format": "confab-transcript", "vers', "utf-8")
    broken_bytes = (chats / "broken.confab.json").read_bytes()
    (chats / ".half-written.confab.json.tmp").write_text("{", "utf-8")
    library = ChatLibrary(data)
    listed = {c.title: c for c in library.scan()}
    assert set(listed) == {"Weekend plans", "broken"}
    broken = listed["broken"]
    assert broken.damaged and "not valid JSON" in broken.error
    session = ChatSession(library, lambda r: None, GenerationSettings())
    recorder = Recorder()
    session.observers.append(recorder)
    session.start()
    assert not session.select(broken)
    assert recorder.events and recorder.events[-1][0] == "problem"
    library.write(broken)  # a damaged file is never written
    assert (chats / "broken.confab.json").read_bytes() == broken_bytes


def test_an_old_version_1_file_is_not_rewritten_until_the_chat_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "chats").mkdir(parents=True)
    path = data / "chats" / "old.confab.json"
    shutil.copy(DATA / "handwritten.confab.json", path)
    before = path.read_bytes()
    library = ChatLibrary(data)
    session = ChatSession(library, lambda r: None, GenerationSettings())
    session.start()
    (chat,) = [c for c in library.scan() if c.path == path.resolve()]
    session.select(chat)
    assert path.read_bytes() == before
    session.send("One more thing")
    saved = load(path).transcript
    assert saved.conversation.messages[-1].content == "One more thing"
    assert saved.chat_id == chat.chat_id


def test_an_opened_file_stays_where_it_is_and_is_remembered(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "trip.confab.json"
    outside.parent.mkdir()
    shutil.copy(DATA / "handwritten.confab.json", outside)
    library = ChatLibrary(tmp_path / "data")
    session = ChatSession(library, lambda r: None, GenerationSettings())
    session.start()
    chat = library.open_file(outside)
    assert chat.external and chat.path == outside.resolve()
    session.select(chat)
    session.send("Saved back in place")
    assert load(outside).transcript.conversation.messages[-1].content == "Saved back in place"
    assert chat_files(library) == []
    again = ChatLibrary(tmp_path / "data")
    assert [c.path for c in again.scan()] == [outside.resolve()]
    library.move_to_library(chat)
    assert not chat.external and chat.path is not None
    assert chat.path.parent == library.chats_dir and outside.is_file()


def test_an_openai_list_becomes_a_new_library_chat(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps([{"role": "user", "content": "Hi"}]), "utf-8")
    before = source.read_bytes()
    library = ChatLibrary(tmp_path / "data")
    chat = library.open_file(source)
    assert not chat.external and chat.path is not None
    assert chat.path.parent == library.chats_dir
    assert source.read_bytes() == before


def test_a_failed_write_says_why_and_keeps_the_message(
    session: ChatSession, tmp_path: Path
) -> None:
    recorder = Recorder()
    session.observers.append(recorder)
    session.send("First")
    chat = session.current
    assert chat is not None and chat.path is not None
    os.chmod(chat.path, 0o444)
    try:
        session.send("Second")
    finally:
        os.chmod(chat.path, 0o644)
    assert any(kind == "problem" and "read-only" in text for kind, text in recorder.events)
    assert [m.content for m in session.transcript.conversation.messages] == ["First", "Second"]
    session.send("Third")  # once writable again, the next change writes everything
    assert [m.content for m in load(chat.path).transcript.conversation.messages] == [
        "First",
        "Second",
        "Third",
    ]


def test_read_only_and_in_memory_libraries_write_nothing(tmp_path: Path) -> None:
    for kwargs in ({"read_only": True}, {"persist": False}):
        data = tmp_path / str(kwargs)
        library = ChatLibrary(data, **kwargs)
        session = ChatSession(library, lambda r: None, GenerationSettings())
        recorder = Recorder()
        session.observers.append(recorder)
        session.start()
        session.send("Hello")
        assert not data.exists() or list(data.rglob("*.json")) == []
        assert session.transcript.conversation.messages[-1].content == "Hello"
        problems = [text for kind, text in recorder.events if kind == "problem"]
        assert bool(problems) == ("read_only" in kwargs)


def test_a_copied_file_with_the_same_id_gets_its_own(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "chats").mkdir(parents=True)
    transcript = Transcript(Conversation([Message("user", "Hi")]), chat_id="a" * 32)
    save(data / "chats" / "one.confab.json", transcript)
    save(data / "chats" / "two.confab.json", transcript)
    library = ChatLibrary(data)
    assert len(library.scan()) == 2


def test_temporaries_left_by_killed_saves_are_swept_at_start_up(tmp_path: Path) -> None:
    library = ChatLibrary(tmp_path)
    stale = [
        library.chats_dir / ".20261201-101010-000001-abcd1234.confab.json.x1y2.tmp",
        tmp_path / ".opened-files.json.q7r8.tmp",
        tmp_path / ".autosave.confab.json.k9.tmp",
    ]
    for path in stale:
        path.write_text("half a transcript", encoding="utf-8")
    kept = [library.chats_dir / "notes.txt", tmp_path / ".settings.ini.tmp"]
    for path in kept:
        path.write_text("not ours", encoding="utf-8")
    assert library.remove_stale_temporaries() == 3
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)

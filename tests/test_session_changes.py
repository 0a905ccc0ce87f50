"""The session's changes without a window: edit branches, delete, continue, undo snapshots,
and the transcript fields that keep branches (older files open unchanged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.conversation import Conversation, Message
from core.library import ChatLibrary
from core.requests import GenerateRequest
from core.session import EDIT, REPLY, SEND, ChatSession, SessionObserver
from core.settings import GenerationSettings
from core.transcript import Transcript, TranscriptError, dumps, loads


class Recorder(SessionObserver):
    def __init__(self) -> None:
        self.changes: list[tuple[str, str, str]] = []

    def chat_edited(self, chat: object, label: str, before: str, after: str) -> None:
        self.changes.append((label, before, after))


def make_session(tmp_path: Path) -> tuple[ChatSession, list[GenerateRequest], Recorder]:
    requests: list[GenerateRequest] = []
    session = ChatSession(ChatLibrary(tmp_path / "data"), requests.append, GenerationSettings())
    recorder = Recorder()
    session.observers.append(recorder)
    session.start()
    session.model_loaded("tiny")
    return session, requests, recorder


def answer(session: ChatSession, requests: list[GenerateRequest], text: str) -> None:
    session.reply_finished(requests[-1].request_id, text, {"tokens": 3, "reply_s": 0.5})


def test_an_edit_branches_and_each_branch_keeps_what_followed(tmp_path: Path) -> None:
    session, requests, recorder = make_session(tmp_path)
    session.send("Hi")
    answer(session, requests, "Hello")
    session.send("Dogs?")
    answer(session, requests, "I love dogs")
    turn = session.transcript.conversation.messages[2]
    assert session.edit(turn, "Cats?") == ""
    assert [t.text for t in requests[-1].turns] == ["Hi", "Hello", "Cats?"]
    answer(session, requests, "Cats are fine")
    conversation = session.transcript.conversation
    assert [m.content for m in conversation.messages] == ["Hi", "Hello", "Cats?", "Cats are fine"]
    assert session.show_version(turn, -1)
    assert [m.content for m in conversation.messages][2:] == ["Dogs?", "I love dogs"]
    text = dumps(session.transcript)
    reopened = loads(text).transcript
    assert dumps(reopened) == text
    reopened.conversation.show_version(reopened.conversation.messages[2], 1)
    assert [m.content for m in reopened.conversation.messages][2:] == ["Cats?", "Cats are fine"]
    assert [label for label, _, _ in recorder.changes].count(EDIT) == 1


def test_every_change_is_reported_with_snapshots_that_restore_it(tmp_path: Path) -> None:
    session, requests, recorder = make_session(tmp_path)
    session.send("One")
    answer(session, requests, "Two")
    chat = session.current
    assert chat is not None and chat.path is not None
    assert [label for label, _, _ in recorder.changes] == [SEND, REPLY]
    before_delete = chat.path.read_bytes()
    session.delete([session.transcript.conversation.messages[0]])
    label, before, after = recorder.changes[-1]
    assert label == "Delete Message" and before != after
    session.transcript.draft = "typing"  # a draft is not a change: it stays through undo
    assert session.restore(chat, before) == ""
    assert session.transcript.draft == "typing"
    session.transcript.draft = ""
    session.library.write(chat)
    assert chat.path.read_bytes() == before_delete
    assert session.restore(chat, after) == ""
    assert [m.content for m in session.transcript.conversation.messages] == ["Two"]


def test_nothing_changes_while_a_reply_is_written(tmp_path: Path) -> None:
    session, _requests, _ = make_session(tmp_path)
    session.send("Hello")
    chat = session.current
    assert chat is not None
    message = session.transcript.conversation.messages[0]
    assert session.delete([message]) == "busy"
    assert session.edit(message, "Bye") == "busy"
    assert session.restore(chat, dumps(Transcript())) == "busy"
    assert session.continue_reply() == "busy"


def test_continue_asks_with_the_reply_so_far_and_adds_to_it(tmp_path: Path) -> None:
    session, requests, recorder = make_session(tmp_path)
    session.send("Tell me a story")
    session.reply_delta(requests[-1].request_id, "Once upon a time")
    session.stop()
    session.reply_cancelled(requests[-1].request_id)
    reply = session.transcript.conversation.messages[-1]
    assert reply.meta["stopped"]
    assert session.continue_reply() == ""
    request = requests[-1]
    assert request.prefix == "Once upon a time"
    assert [t.text for t in request.turns] == ["Tell me a story"]  # the reply is the prefix
    session.reply_finished(request.request_id, " there was a dog.", {"tokens": 5, "reply_s": 1.0})
    assert reply.content == "Once upon a time there was a dog."
    assert "stopped" not in reply.meta and reply.meta["continued"] == 1
    assert recorder.changes[-1][0] == "Continue Reply"
    session.continue_reply()
    session.reply_finished(requests[-1].request_id, ", the end", {"tokens": 2, "reply_s": 0.5})
    assert reply.content == "Once upon a time there was a dog., the end"
    assert reply.meta["tokens"] == 7 and reply.meta["continued"] == 2


def test_delete_turn_takes_the_question_and_its_reply() -> None:
    conversation = Conversation()
    for role, text in [("user", "a"), ("assistant", "b"), ("system", "note"), ("user", "c")]:
        conversation.add(role, text)  # type: ignore[arg-type]
    b = conversation.messages[1]
    assert [m.content for m in conversation.turn_of(b)] == ["a", "b", "note"]
    assert [m.content for m in conversation.turn_of(conversation.messages[3])] == ["c"]
    with pytest.raises(ValueError):
        conversation.index_of(Message("user", "a"))


def test_a_bad_branch_in_a_file_is_refused_with_where_it_is() -> None:
    conversation = Conversation()
    turn = conversation.add("user", "x")
    conversation.add("assistant", "y")
    conversation.edit(turn, "z")
    text = dumps(Transcript(conversation))
    broken = text.replace('"following": [', '"following": [42, ', 1)
    with pytest.raises(TranscriptError, match="version 1, following message 1"):
        loads(broken)
    with pytest.raises(TranscriptError, match="should be a list"):
        loads(text.replace('"following": [', '"following": {"a": [', 1).replace(
            '}\n          ]\n        },', '}\n          ]}\n        },', 1
        ))


def test_turns_and_versions_at_their_edges() -> None:
    conversation = Conversation()
    for role, text in [("system", "note"), ("user", "a"), ("assistant", "b"), ("assistant", "b2"),
                       ("user", "c"), ("user", "d"), ("assistant", "e")]:
        conversation.add(role, text)  # type: ignore[arg-type]
    note, a, b, b2, c, d, e = conversation.messages
    assert conversation.turn_of(note) == [note]  # before any user turn: alone
    assert conversation.turn_of(b2) == [a, b, b2]
    assert conversation.turn_of(c) == [c]  # a turn the next user message follows at once
    assert conversation.turn_of(e) == [d, e]

    assert conversation.show_version(b, 1) is False  # one version: nothing to show
    b.add_version("b again", {})
    assert conversation.show_version(b, 0) is True and b.content == "b"
    conversation.edit(d, "d edited")
    assert conversation.messages[-1] is d and d.content == "d edited"
    assert conversation.show_version(d, 1) is False  # the one shown already
    assert conversation.show_version(d, -5) is True  # clamped to the first
    assert d.content == "d" and conversation.messages[-1] is e
    assert conversation.show_version(d, 9) is True and conversation.messages[-1] is d


def test_why_not_answers_and_request_ids(tmp_path: Path) -> None:
    requests: list[GenerateRequest] = []
    session = ChatSession(ChatLibrary(tmp_path / "data"), requests.append, GenerationSettings())
    first = session.start()
    assert session.new_chat() is first  # an empty new chat is shown again, not another
    assert session.select(first) is True
    assert session.send("  \n") == "empty"
    assert session.regenerate() == "no reply"
    assert session.continue_reply() == "no reply"
    assert session.send("Hi") == ""  # no model yet: it waits
    assert requests == [] and session.waiting == [first]
    assert session.send("Again") == ""  # a second question waits with the first
    session.model_loaded("tiny")
    assert len(requests) == 1 and [t.text for t in requests[0].turns] == ["Hi", "Again"]
    assert session.send("More") == "busy"
    assert session.regenerate() == "busy" and session.continue_reply() == "busy"
    session.reply_finished(requests[0].request_id, "Hello", {})
    session.model_unloaded()
    assert session.regenerate() == "no model" and session.continue_reply() == "no model"
    session.model_loaded("tiny")
    assert session.regenerate() == ""
    assert requests[1].request_id == requests[0].request_id + 1  # ids never repeat
    assert requests[1].avoid == ("Hello",)
    session.reply_finished(requests[1].request_id, "Hi there", {})
    reply = session.transcript.conversation.messages[-1]
    assert session.show_version(reply, -1) is True and reply.content == "Hello"
    assert session.show_version(reply, -1) is False  # the first already

    # A beam search stopped before any text: the turn is marked, and Regenerate answers it.
    session.send("Tell me more")
    session.stop()
    session.reply_cancelled(requests[-1].request_id)
    turn = session.transcript.conversation.messages[-1]
    assert turn.meta["no_reply"] == "stopped"
    assert session.regenerate() == ""
    assert [t.text for t in requests[-1].turns][-1] == "Tell me more" and not requests[-1].avoid
    session.reply_finished(requests[-1].request_id, "Sure", {})
    assert "no_reply" not in turn.meta  # answered after all
    assert session.transcript.conversation.messages[-1].content == "Sure"


def test_a_stopped_regenerate_or_continue_leaves_the_reply_as_it_was(tmp_path: Path) -> None:
    session, requests, _ = make_session(tmp_path)
    session.send("Hi")
    answer(session, requests, "Hello")
    reply = session.transcript.conversation.messages[-1]
    for ask in (session.regenerate, session.continue_reply):
        assert ask() == ""
        session.stop()
        session.reply_cancelled(requests[-1].request_id)  # nothing written yet
        assert (reply.content, reply.versions, reply.meta.get("stopped")) == ("Hello", [], None)
    assert session.pending == {}


def test_the_bubble_and_the_info_say_cut_interrupted_and_reasoning() -> None:
    from gui.message_list import how_made, mark_of

    reply = Message(
        "assistant",
        "Paris is",
        meta={
            "engine": "remote",
            "model": "m",
            "host": "gpu-box:8000",
            "server_model": "m",
            "cut": True,
            "interrupted": "The server closed the connection.",
            "reasoning": "The user asks about France.",
        },
    )
    assert mark_of(reply) == (
        "cut at the length limit · interrupted · reasoning in Message Info"
    )
    info = how_made(reply)
    assert "Server: m @ gpu-box:8000" in info
    assert "Interrupted: The server closed the connection." in info
    assert "Reasoning (not part of the answer" in info and "asks about France" in info
    assert "Paris is" not in info

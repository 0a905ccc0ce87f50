"""A reply that fails after it has written something (a server gone mid-reply) keeps its text
as the reply, marked ``interrupted`` with the error, and the note says what went wrong; one
that fails before writing leaves only the note, as before."""

from __future__ import annotations

from pathlib import Path

from core.library import ChatLibrary
from core.requests import GenerateRequest
from core.session import REPLY, ChatSession, SessionObserver
from core.settings import GenerationSettings
from core.transcript import load

ERROR = "The reply failed: gpu-box:8000 closed the connection before the reply was complete."


class Recorder(SessionObserver):
    def __init__(self) -> None:
        self.labels: list[str] = []

    def chat_edited(self, chat: object, label: str, before: str, after: str) -> None:
        self.labels.append(label)


def make_session(tmp_path: Path) -> tuple[ChatSession, list[GenerateRequest], Recorder]:
    requests: list[GenerateRequest] = []
    session = ChatSession(ChatLibrary(tmp_path / "data"), requests.append, GenerationSettings())
    recorder = Recorder()
    session.observers.append(recorder)
    session.start()
    session.model_loaded("big-model")
    return session, requests, recorder


def test_text_written_before_a_failure_is_kept_as_an_interrupted_reply(tmp_path: Path) -> None:
    session, requests, recorder = make_session(tmp_path)
    session.send("Tell me about Paris")
    request_id = requests[-1].request_id
    session.reply_delta(request_id, " Paris is the capital")
    session.reply_delta(request_id, " of France, and")
    session.reply_failed(request_id, ERROR)
    *_, reply, note = session.transcript.conversation.messages
    assert reply.role == "assistant"
    assert reply.content == "Paris is the capital of France, and"
    assert reply.meta["interrupted"] == ERROR and reply.meta["model"] == "big-model"
    assert note.role == "system" and note.content == ERROR
    assert session.current is not None and session.current.path is not None
    saved = load(session.current.path).transcript.conversation.messages
    assert saved[-2].content == reply.content and saved[-2].meta["interrupted"] == ERROR
    assert recorder.labels[-2:] == [REPLY, REPLY]  # one undo step with the send (they join)
    # The bot sees the interrupted reply next turn, as it sees a stopped one.
    session.send("Go on")
    assert [t.text for t in requests[-1].turns][-2:] == [reply.content, "Go on"]


def test_a_failure_before_any_text_leaves_only_the_note(tmp_path: Path) -> None:
    session, requests, _ = make_session(tmp_path)
    session.send("Hello")
    session.reply_failed(requests[-1].request_id, ERROR)
    roles = [m.role for m in session.transcript.conversation.messages]
    assert roles == ["user", "system"]


def test_a_continue_that_fails_keeps_the_text_it_added(tmp_path: Path) -> None:
    session, requests, _ = make_session(tmp_path)
    session.send("Count")
    session.reply_finished(requests[-1].request_id, "One, two", {"tokens": 2, "reply_s": 0.1})
    assert session.continue_reply() == ""
    request_id = requests[-1].request_id
    session.reply_delta(request_id, ", three")
    session.reply_failed(request_id, ERROR)
    reply = next(m for m in session.transcript.conversation.messages if m.role == "assistant")
    assert reply.content == "One, two, three" and reply.meta["interrupted"] == ERROR

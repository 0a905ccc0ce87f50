"""Stop keeps what was written: a stopped reply stays in the chat, marked "stopped", is
saved, and is seen by the bot next turn; a beam search stopped before it wrote anything
marks the user's turn instead. Closing the window mid-reply keeps the text too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from core.requests import GenerateRequest
from core.settings import GenerationSettings
from core.transcript import load
from gui.message_list import TimeRole
from tests.conftest import WindowFactory
from tests.worker_signals import worker_signal

LONG_GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=120, max_length=120)


def start_reply(qtbot: Any, window: Any, text: str) -> list[str]:
    deltas: list[str] = []
    window.host.worker.reply_delta.connect(lambda request_id, delta: deltas.append(delta))
    window.input_box.setPlainText(text)
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    return deltas


def test_a_stopped_reply_keeps_its_text_and_the_bot_sees_it_next_turn(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    window.session.set_settings(LONG_GREEDY)
    deltas = start_reply(qtbot, window, "Tell me a very long story")
    qtbot.waitUntil(lambda: len(deltas) >= 3, timeout=60_000)
    with worker_signal(qtbot, window.host.worker.reply_cancelled, timeout=60_000):
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.pending, timeout=10_000)
    stopped = window.conversation.messages[-1]
    assert stopped.role == "assistant" and stopped.meta["stopped"] is True
    assert stopped.content and stopped.content in "".join(deltas)
    assert window.message_model.rowCount() == 2
    assert str(window.message_model.index(1).data(TimeRole)).endswith("stopped")
    saved = load(window.session.current.path).transcript.conversation.messages
    assert saved[-1].content == stopped.content and saved[-1].meta["stopped"] is True

    sent: list[GenerateRequest] = []
    window.host.generate_requested.connect(sent.append)
    window.session.set_settings(GenerationSettings(num_beams=1, max_length=5))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Go on")
        window.send_message()
    assert [turn.text for turn in sent[0].turns] == [
        "Tell me a very long story",
        stopped.content,
        "Go on",
    ]


def test_a_beam_search_stopped_before_it_wrote_marks_the_question(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    start_reply(qtbot, window, "Tell me about dogs")  # the model's default: beam 10
    with worker_signal(qtbot, window.host.worker.reply_cancelled, timeout=60_000):
        window.stop_reply()
    qtbot.waitUntil(lambda: not window.session.pending, timeout=10_000)
    (question,) = window.conversation.messages
    assert question.meta["no_reply"] == "stopped"
    assert "no reply (stopped)" in str(window.message_model.index(0).data(TimeRole))
    saved = load(window.session.current.path).transcript.conversation.messages
    assert saved[0].meta["no_reply"] == "stopped"


def test_closing_mid_reply_keeps_the_text_written_so_far(
    qtbot: Any, make_window: WindowFactory, slow_model: Path
) -> None:
    window = make_window(slow_model)
    window.session.set_settings(LONG_GREEDY)
    deltas = start_reply(qtbot, window, "Tell me a very long story")
    qtbot.waitUntil(lambda: len(deltas) >= 3, timeout=60_000)
    path = window.session.current.path
    window.close()
    saved = load(path).transcript.conversation.messages
    assert saved[-1].role == "assistant" and saved[-1].meta["stopped"] is True
    assert saved[-1].content

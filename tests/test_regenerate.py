"""Regenerate gives a different reply and keeps the old one as a version; Alt+Left/Right
browse the versions; the one shown is what the next turn builds on; all survive a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.conversation import Conversation, Message
from core.requests import GenerateRequest
from core.settings import GenerationSettings
from core.transcript import Transcript, TranscriptError, dumps, load, loads
from gui.message_list import TimeRole
from tests.conftest import WindowFactory


def press(qtbot: Any, window: Any, key: Qt.Key, modifiers: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, key, modifiers)


def test_regenerate_keeps_both_replies_and_the_shown_one_is_built_on(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GenerationSettings(num_beams=4, max_length=16))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Hello there, how are you?")
        window.send_message()
    first = window.conversation.messages[-1].content
    sent: list[GenerateRequest] = []
    window.host.generate_requested.connect(sent.append)
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert [t.text for t in sent[0].turns] == ["Hello there, how are you?"]  # without the old
    assert sent[0].avoid == (first,)  # the next beam, not the same reply again
    reply = window.conversation.messages[-1]
    assert len(window.conversation.messages) == 2
    assert reply.versions[0].content == first
    assert reply.content != first and reply.chosen == 1
    assert "‹ 2/2 ›" in str(window.message_model.index(1).data(TimeRole))

    press(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert reply.content == first and reply.chosen == 0
    assert "‹ 1/2 ›" in str(window.message_model.index(1).data(TimeRole))
    path = window.session.current.path
    saved = load(path).transcript.conversation.messages[-1]
    assert saved.content == first and saved.chosen == 0 and len(saved.versions) == 2
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Go on")
        window.send_message()
    assert [t.text for t in sent[-1].turns][:2] == ["Hello there, how are you?", first]
    window.close()

    again = make_window(tiny_model, load=False)
    (chat,) = [c for c in again.library.chats.values() if c.path == path]
    again.show_chat(chat)
    reopened = again.conversation.messages[1]
    assert [v.content for v in reopened.versions] == [v.content for v in reply.versions]


def test_regenerate_without_a_reply_says_why(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.reply_actions.regenerate()
    assert window.statusBar().currentMessage() == "There is no bot reply to regenerate yet."


def test_versions_round_trip_and_bad_ones_are_refused() -> None:
    message = Message("assistant", "first")
    message.add_version("second", {"tokens": 2})
    message.add_version("third", {})
    message.show_version(1)
    text = dumps(Transcript(Conversation([Message("user", "Hi"), message])))
    loaded = loads(text).transcript.conversation.messages[1]
    assert [v.content for v in loaded.versions] == ["first", "second", "third"]
    assert (loaded.chosen, loaded.content, loaded.meta) == (1, "second", {"tokens": 2})
    for bad in ('"versions": [], "chosen": 0', '"versions": [{"content": 1}]',
                '"versions": [{"content": "a"}], "chosen": 3'):
        broken = text.replace('"versions": [', "\"x\": [", 1).replace(
            '"role": "assistant",', '"role": "assistant", ' + bad + ",", 1
        )
        with pytest.raises(TranscriptError, match="message 2"):
            loads(broken)


def test_regenerating_with_greedy_settings_samples_another_reply(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=16))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Do you like music?")
        window.send_message()
    for _ in range(2):
        with qtbot.waitSignal(window.reply_shown, timeout=60_000):
            window.reply_actions.regenerate()
    reply = window.conversation.messages[-1]
    assert len({v.content for v in reply.versions}) == 3  # three different replies


@pytest.mark.parametrize("kind", ["transformers", "int8"])
def test_the_engine_takes_the_next_beam_not_given_before(
    tiny_model: Path, tmp_path: Path, kind: str
) -> None:
    import threading

    from core.context import Turn
    from core.engines.base import Engine
    from core.engines.int8_engine import Int8Engine
    from core.engines.transformers_engine import TransformersEngine
    from core.models import resolve

    folder = resolve(str(tiny_model))
    engine: Engine = (
        TransformersEngine(folder, threads=1)
        if kind == "transformers"
        else Int8Engine(folder, tmp_path, threads=1)
    )
    engine.load(lambda percent, text: None)
    turns = [Turn("user", "Hello there, how are you?")]
    beams = GenerationSettings(num_beams=4, max_length=16)
    given: list[str] = []
    for _ in range(3):
        reply = engine.generate(turns, beams, lambda text: None, threading.Event(), avoid=given)
        assert reply.text not in given
        given.append(reply.text)
    again = engine.generate(turns, beams, lambda text: None, threading.Event())
    assert again.text == given[0]  # without avoid, the model's own best beam, as before

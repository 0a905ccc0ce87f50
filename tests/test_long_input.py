"""Long input (issue 12, problem 8): before sending, the input box says how much of a message
past the model's context the bot will see, and a 20,000-character paste does not slow typing."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from core.long_input import estimate_tokens, long_input, message_budget
from core.settings import CAUSAL_MAX_NEW_TOKENS
from gui.input_meter import SETTLE_MS
from tests.conftest import WindowFactory

BLENDERBOT = "BlenderbotForConditionalGeneration"
PASTE = ("The quick brown fox jumps over the lazy dog. " * 500)[:20_000]


def numbers(text: str) -> list[int]:
    return [int(re.sub(r"\D", "", n)) for n in re.findall(r"~([\d.,\s\u00a0]+\d)", text)]


def test_the_estimate_counts_about_four_ascii_characters_a_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a" * 400) == 100
    assert estimate_tokens("日本語のテキスト") == 8  # each such character costs a token


def test_a_message_that_fits_gets_no_note_and_a_long_one_gets_the_end_it_keeps() -> None:
    assert long_input("Hello there, how are you?", 128, BLENDERBOT) is None
    assert long_input("word " * 90, 128, BLENDERBOT) is None  # 113 tokens of 127
    found = long_input(PASTE, 128, BLENDERBOT)
    assert found is not None
    assert (found.seen, found.total) == (127, 5_000)  # </s> takes the 128th place


def test_each_kind_of_model_keeps_the_room_its_engine_keeps() -> None:
    assert message_budget(128, BLENDERBOT) == 127
    assert message_budget(2048, "LlamaForCausalLM") == 2048 - CAUSAL_MAX_NEW_TOKENS
    assert message_budget(2048, "remote") == 2048 - CAUSAL_MAX_NEW_TOKENS
    assert message_budget(400, "remote") == 300  # a quarter of a small context
    # Tiny or odd limits still leave a message some room, never none or less.
    assert message_budget(1, BLENDERBOT) == 1
    assert message_budget(100, "LlamaForCausalLM") == 16
    assert message_budget(3, "remote") == 3  # a quarter of 3 is 0 tokens kept back
    assert message_budget(7, "remote") == 6


def test_the_estimate_of_a_long_paste_takes_well_under_a_millisecond() -> None:
    for text in (PASTE, PASTE.replace("o", "ö")):
        started = time.perf_counter()
        for _ in range(100):
            long_input(text, 128, BLENDERBOT)
        assert (time.perf_counter() - started) / 100 < 0.001


def test_a_long_paste_shows_how_much_the_bot_will_see_before_sending(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    info = window.model_info
    meter = window.input_meter
    window.input_box.setFocus()
    qtbot.keyClicks(window.input_box, "Hello, how are you today?")
    qtbot.wait(SETTLE_MS + 100)
    assert not meter.isVisible()

    window.input_box.insertPlainText(PASTE)
    qtbot.waitUntil(meter.isVisible, timeout=5_000)
    assert meter.text().startswith("Long message: the bot will see only its last ~")
    expected = long_input(window.input_box.text(), info.context_limit, info.architecture)
    assert expected is not None
    assert numbers(meter.text()) == [expected.seen, expected.total]
    assert not window.conversation.messages  # shown before sending, nothing sent

    window.input_box.clear()
    assert not meter.isVisible()  # at once, not after the pause


def test_typing_into_a_long_paste_is_not_slowed_by_the_estimate(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model)
    meter = window.input_meter
    window.input_box.setFocus()
    window.input_box.insertPlainText(PASTE)
    qtbot.waitUntil(meter.isVisible, timeout=5_000)
    refreshes: list[float] = []
    meter.timer.timeout.connect(lambda: refreshes.append(time.perf_counter()))
    started = time.perf_counter()
    qtbot.keyClicks(window.input_box, "and a few more words", delay=5)
    typed_s = time.perf_counter() - started
    assert refreshes == []  # keystrokes only restart the pause, they never measure
    qtbot.waitUntil(lambda: len(refreshes) == 1, timeout=5_000)
    assert typed_s < 2.0
    started = time.perf_counter()
    meter.refresh()
    assert time.perf_counter() - started < 0.05  # the whole note, text read included


def test_the_note_follows_the_model_loaded(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    window = make_window(tiny_model, load=False)
    window.input_box.setPlainText(PASTE)
    qtbot.wait(SETTLE_MS + 100)
    assert not window.input_meter.isVisible()  # no model: no limit to speak of
    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.start_loading()
    qtbot.waitUntil(window.input_meter.isVisible, timeout=5_000)
    qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    assert window.conversation.messages[0].content == PASTE
    assert not window.input_meter.isVisible()

"""What the bot sees: messages outside its next input are dimmed below a marker, a message
cut to its last tokens is marked as partly seen, and both come from the engine's own
context fitting (checked against ``fit`` on long chats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.conversation import Conversation
from core.transcript import Transcript, save
from gui.message_list import BoundaryRole, SeenRole, TimeRole
from tests.conftest import WindowFactory
from tests.worker_signals import worker_signal

TOPICS = ["dogs", "the sea", "music", "pizza", "the weather", "books", "the mountains"]


def long_chat(data: Path, newest: str) -> None:
    conversation = Conversation()
    conversation.add("system", "A note that is never sent to the bot")
    for topic in TOPICS:
        conversation.add("user", f"Tell me what you think about {topic}, in a few words.")
        conversation.add("assistant", f"I think {topic} are lovely, and I talk about it a lot.")
    conversation.add("user", newest)
    (data / "chats").mkdir(parents=True, exist_ok=True)
    save(data / "chats" / "long.confab.json", Transcript(conversation))


def shown_with_measurement(qtbot: Any, make_window: WindowFactory, model: Path, data: Path) -> Any:
    window = make_window(model, data_dir=data)
    (chat,) = [c for c in window.library.chats.values() if c.path is not None]
    with worker_signal(qtbot, window.host.worker.context_measured, timeout=30_000):
        window.show_chat(chat)
    qtbot.waitUntil(lambda: window.message_model.index(0).data(SeenRole) is not None)
    qtbot.waitUntil(lambda: "context" in window.context_label.text(), timeout=10_000)
    return window


def expected_first_seen(window: Any) -> tuple[int, Any]:
    """The first message row inside the bot's input, by the engine's own fitting."""
    messages = window.conversation.messages
    dialogue = [row for row, m in enumerate(messages) if m.role in ("user", "assistant")]
    fitted = window.host.worker.engine.fit(window.session.turns(window.session.transcript))
    return dialogue[fitted.turns_total - fitted.turns_kept], fitted


def test_messages_the_bot_cannot_see_are_dimmed_below_a_marker(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    long_chat(data, "And what about cats?")
    window = shown_with_measurement(qtbot, make_window, tiny_model, data)
    first_seen, fitted = expected_first_seen(window)
    assert fitted.turns_dropped > 0 and not fitted.truncated_newest
    model = window.message_model
    qtbot.waitUntil(lambda: model.index(first_seen).data(BoundaryRole) is True, timeout=10_000)
    seen = [model.index(row).data(SeenRole) for row in range(model.rowCount())]
    assert seen[0] == "all"  # the note: never sent, so never "unseen" either
    assert seen[1:first_seen] == ["none"] * (first_seen - 1)
    assert seen[first_seen:] == ["all"] * (model.rowCount() - first_seen)
    assert [r for r in range(model.rowCount()) if model.index(r).data(BoundaryRole)] == [first_seen]
    assert "can no longer see" in model.index(1).data(3)  # the tooltip
    view = window.message_view
    plain = view.sizeHintForIndex(model.index(first_seen + 1)).height()
    marked = view.sizeHintForIndex(model.index(first_seen)).height()
    assert marked > plain  # room for the line and its caption


def test_a_newest_message_too_long_for_the_input_is_partly_seen(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    long_chat(data, "Tell me everything about the sea and the river. " * 40)
    window = shown_with_measurement(qtbot, make_window, tiny_model, data)
    first_seen, fitted = expected_first_seen(window)
    assert fitted.truncated_newest
    model = window.message_model
    newest = model.rowCount() - 1
    qtbot.waitUntil(lambda: model.index(newest).data(SeenRole) == "part", timeout=10_000)
    assert first_seen == newest
    assert "partly seen by the bot" in model.index(newest).data(TimeRole)
    # The counts are the fitting code's: all of the input but its </s> is the message's end.
    assert fitted.newest_seen == len(fitted.input_ids) - 1 < fitted.newest_tokens
    tip = f"sees only the last {fitted.newest_seen} of its {fitted.newest_tokens} tokens"
    assert tip in model.index(newest).data(3)
    assert model.index(newest - 1).data(SeenRole) == "none"

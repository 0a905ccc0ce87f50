"""Context fitting: BlenderBot's turn format and its 128-token window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.context import ContextWindow, Turn, fit_context, format_persona, join_turns

EOS = 2


@pytest.fixture(scope="module")
def tokenizer(tiny_model: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model), local_files_only=True)


def encoder(tokenizer: Any) -> Any:
    return lambda text: tokenizer(text, add_special_tokens=False)["input_ids"]


def test_turns_are_formatted_as_blenderbot_was_trained() -> None:
    turns = [Turn("user", "Hi"), Turn("assistant", "Hello!"), Turn("user", "How are you?")]
    assert join_turns(turns) == " Hi  Hello!   How are you?"


def test_persona_lines_lead_the_context() -> None:
    assert format_persona("I love dogs.\n\nyour persona: I live by the sea.") == (
        "your persona: I love dogs.\nyour persona: I live by the sea."
    )
    assert join_turns([Turn("user", "Hi")], "I love dogs.") == "your persona: I love dogs.   Hi"


def test_input_ends_with_eos_and_matches_the_tokenizer(tokenizer: Any) -> None:
    turns = [Turn("user", "Hello there"), Turn("assistant", "I love dogs"), Turn("user", "Why?")]
    window = fit_context(turns, encoder(tokenizer), 128, tokenizer.eos_token_id)
    expected = tokenizer(" Hello there  I love dogs   Why?", add_special_tokens=False)["input_ids"]
    assert window.input_ids == [*expected, tokenizer.eos_token_id]
    assert window.turns_kept == 3 and window.turns_dropped == 0


def test_a_single_overlong_message_keeps_its_last_tokens(tokenizer: Any) -> None:
    text = "I love dogs and cats. " * 60 + "THE END"
    window = fit_context([Turn("user", text)], encoder(tokenizer), 128, EOS)
    full = encoder(tokenizer)(" " + text)
    assert window.tokens_used == 128
    assert window.input_ids[:-1] == full[-127:]
    assert window.truncated_newest
    assert "newest message is cut" in window.describe()


def test_meter_text_counts_tokens_and_unseen_turns() -> None:
    window = ContextWindow(list(range(87)), 128, turns_total=5, turns_kept=3)
    assert window.describe() == "context 87/128 tokens; 2 earlier turns not seen by the bot"


def test_persona_is_kept_when_it_fits_with_the_newest_turn(tokenizer: Any) -> None:
    turns = [Turn("user", "dogs " * 30), Turn("assistant", "cats " * 30), Turn("user", "Hi")]
    window = fit_context(turns, encoder(tokenizer), 128, EOS, persona="I love dogs.")
    assert window.persona_kept
    assert window.tokens_used <= 128
    text = tokenizer.decode(window.input_ids).strip()
    assert text.startswith("your persona: I love dogs.") and text.endswith("Hi</s>")


words = st.sampled_from(["hello", "dogs", "I", "love", "pizza", "?", "ünï", "🙂", "<b>", "the"])
messages = st.lists(words, min_size=1, max_size=70).map(" ".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(messages, min_size=1, max_size=30), limit=st.integers(16, 128))
def test_fitting_never_exceeds_the_limit_and_keeps_the_newest_turns_in_order(
    tokenizer: Any, texts: list[str], limit: int
) -> None:
    turns = [Turn("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)]
    encode = encoder(tokenizer)
    window = fit_context(turns, encode, limit, EOS)
    assert window.tokens_used <= limit
    assert window.input_ids[-1] == EOS
    assert 1 <= window.turns_kept <= len(turns)
    if window.truncated_newest:
        assert (
            window.input_ids[:-1]
            == encode(" " * (turns[-1].role == "user") + turns[-1].text)[-(limit - 1) :]
        )
    else:
        # Exactly the newest kept turns, in order, as one formatted input...
        assert window.input_ids[:-1] == encode(join_turns(turns[-window.turns_kept :]))
        # ...and one more turn would not have fitted.
        if window.turns_kept < len(turns):
            assert len(encode(join_turns(turns[-window.turns_kept - 1 :]))) > limit - 1


def test_fifty_long_turns_never_overflow_the_model(tiny_model: Path) -> None:
    import threading

    from core.engines.transformers_engine import TransformersEngine
    from core.models import resolve
    from core.settings import GenerationSettings

    engine = TransformersEngine(resolve(str(tiny_model)), threads=1)
    engine.load(lambda percent, text: None)
    turns = [
        Turn(
            "user" if i % 2 == 0 else "assistant", f"message {i}: " + "I love dogs and pizza. " * 20
        )
        for i in range(50)
    ]
    reply = engine.generate(
        turns, GenerationSettings(num_beams=1), lambda d: None, threading.Event()
    )
    assert reply.context.tokens_used <= 128
    assert reply.context.turns_dropped >= 49

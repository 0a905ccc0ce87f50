"""Context fitting: BlenderBot's turn format and its 128-token window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.context import (
    ContextWindow,
    Turn,
    fit_context,
    format_persona,
    format_turn,
    join_turns,
)

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
    # It fits with as many turns as fit without it: none is given up for it.
    assert window.turns_kept == fit_context(turns, encoder(tokenizer), 128, EOS).turns_kept == 2
    assert window.tokens_used <= 128
    text = tokenizer.decode(window.input_ids).strip()
    assert text.startswith("your persona: I love dogs.") and text.endswith("Hi</s>")


def test_an_empty_conversation_is_only_the_end_token() -> None:
    def never(text: str) -> list[int]:
        raise AssertionError(f"nothing should be encoded, not {text!r}")

    assert fit_context([], never, 128, EOS) == ContextWindow([EOS], 128, 0, 0, False, True)
    # A persona is not sent without a turn to answer.
    without = fit_context([], never, 128, EOS, persona="I love dogs.")
    assert without == ContextWindow([EOS], 128, 0, 0, False, False)
    assert fit_context([], never, 128, None).input_ids == []


def test_the_smallest_window_holds_one_token_and_the_end_token(tokenizer: Any) -> None:
    encode = encoder(tokenizer)
    window = fit_context([Turn("user", "Hello there")], encode, 2, EOS)
    assert window.input_ids == [encode(" Hello there")[-1], EOS]
    assert window.truncated_newest
    with pytest.raises(ValueError, match="too small"):
        fit_context([Turn("user", "Hello there")], encode, 1, EOS)


def test_a_newest_turn_that_fits_is_not_marked_as_cut(tokenizer: Any) -> None:
    encode = encoder(tokenizer)
    window = fit_context([Turn("user", "Hello there")], encode, 128, EOS)
    assert window == ContextWindow([*encode(" Hello there"), EOS], 128, 1, 1, False, True)
    assert "cut" not in window.describe()


PERSONA = "I love dogs. I live by the sea. I play the guitar in a band on the weekends."
SHORT_TURNS = [Turn("user", "Hi"), Turn("assistant", "Hello!"), Turn("user", "How are you?")]


def persona_limit(tokenizer: Any, turns_with_persona: int) -> int:
    """A limit that holds all of SHORT_TURNS without the persona, and the persona with only
    the newest ``turns_with_persona`` of them."""
    encode = encoder(tokenizer)
    kept = SHORT_TURNS[-turns_with_persona:]
    longest = max(len(encode(join_turns(SHORT_TURNS))), len(encode(join_turns(kept, PERSONA))))
    one_more = SHORT_TURNS[-turns_with_persona - 1 :]
    assert len(encode(join_turns(one_more, PERSONA))) > longest  # so the limit decides
    return longest + 1


@pytest.mark.parametrize("turns_with_persona", [1, 2])
def test_older_turns_make_room_for_the_persona(tokenizer: Any, turns_with_persona: int) -> None:
    encode = encoder(tokenizer)
    limit = persona_limit(tokenizer, turns_with_persona)
    window = fit_context(SHORT_TURNS, encode, limit, EOS, persona=PERSONA)
    assert window.persona_kept
    assert window.turns_kept == turns_with_persona
    kept = SHORT_TURNS[-turns_with_persona:]
    assert window.input_ids == [*encode(join_turns(kept, PERSONA)), EOS]
    assert window.tokens_used <= limit


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
    # Only a newest turn too long for the window on its own is cut.
    assert window.truncated_newest == (len(encode(format_turn(turns[-1]))) > limit - 1)
    if window.truncated_newest:
        assert (
            window.input_ids[:-1]
            == encode(" " * (turns[-1].role == "user") + turns[-1].text)[-(limit - 1) :]
        )
    else:
        assert window.persona_kept  # there is no persona to lose
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

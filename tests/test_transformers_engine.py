"""The reference engine on tiny real models: replies, streaming, stop, weights in RAM."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines.base import GenerationCancelled
from core.engines.transformers_engine import TransformersEngine
from core.models import resolve
from core.settings import GenerationSettings

TURNS = [Turn("user", "Hello there, how are you?")]
# Replies forced to 99 decoding steps (max_length counts the decoder start token).
LONG_GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=100, max_length=100)
LONG_BEAM = GenerationSettings(num_beams=4, min_length=100, max_length=100)
LONG_STEPS = 99


def loaded(model: Path) -> TransformersEngine:
    engine = TransformersEngine(resolve(str(model)), threads=1)
    steps: list[int] = []
    info = engine.load(lambda percent, text: steps.append(percent))
    assert steps == sorted(steps) and steps[-1] == 100
    assert info.context_limit == 128
    return engine


@pytest.fixture(scope="module")
def engine(tiny_model: Path) -> TransformersEngine:
    return loaded(tiny_model)


@pytest.fixture(scope="module")
def slow_engine(slow_model: Path) -> TransformersEngine:
    return loaded(slow_model)


@contextmanager
def decoding_steps(engine: TransformersEngine, on_step: Any = None) -> Iterator[list[int]]:
    """Count the model's forward passes (one per decoding step; the encoder runs apart).

    ``on_step(count)`` runs on the generating thread after each step.
    """
    steps: list[int] = []

    def hook(*_: Any) -> None:
        steps.append(len(steps) + 1)
        if on_step is not None:
            on_step(len(steps))

    handle = engine._model.register_forward_hook(hook)
    try:
        yield steps
    finally:
        handle.remove()


@contextmanager
def stopped_from_another_thread_at(
    engine: TransformersEngine, step: int, stop: threading.Event
) -> Iterator[list[int]]:
    """Count decoding steps; during step ``step`` another thread sets ``stop``, as the
    window's Stop button does, while that step waits (at most 30 s) until it has."""
    reached = threading.Event()

    def stopper() -> None:
        reached.wait(30)
        stop.set()

    def on_step(count: int) -> None:
        if count == step:
            reached.set()
            assert stop.wait(30), "the stopping thread never set stop"

    thread = threading.Thread(target=stopper)
    thread.start()
    try:
        with decoding_steps(engine, on_step) as steps:
            yield steps
    finally:
        reached.set()
        thread.join()


def test_the_default_reply_uses_the_models_generation_config(engine: TransformersEngine) -> None:
    reply = engine.generate(TURNS, GenerationSettings(), lambda d: None, threading.Event())
    assert reply.text
    # generation_config.json: min_length 20, max_length 60 (decoder start token included).
    assert 19 <= reply.tokens <= 59
    assert reply.first_token_s is None  # beam search does not stream


def test_greedy_replies_stream_and_the_pieces_make_the_reply(engine: TransformersEngine) -> None:
    pieces: list[str] = []
    reply = engine.generate(
        TURNS, GenerationSettings(num_beams=1), pieces.append, threading.Event()
    )
    assert len(pieces) > 1
    assert "".join(pieces).strip() == reply.text
    assert reply.first_token_s is not None and reply.first_token_s <= reply.reply_s


def test_stop_ends_a_beam_search(engine: TransformersEngine) -> None:
    stop = threading.Event()
    stop.set()
    with decoding_steps(engine) as steps, pytest.raises(GenerationCancelled):
        engine.generate(TURNS, GenerationSettings(), lambda d: None, stop)
    assert len(steps) == 1  # checked after every step: the first one is the last


@pytest.mark.parametrize("settings", [LONG_GREEDY, LONG_BEAM], ids=["greedy", "beam-4"])
def test_the_whole_long_reply_takes_all_its_steps(
    slow_engine: TransformersEngine, settings: GenerationSettings
) -> None:
    """What the stop tests below measure against."""
    pieces: list[str] = []
    with decoding_steps(slow_engine) as steps:
        reply = slow_engine.generate(TURNS, settings, pieces.append, threading.Event())
    assert len(steps) == LONG_STEPS
    assert reply.text
    streaming = settings.num_beams == 1
    assert (len(pieces) > LONG_STEPS // 2) if streaming else not pieces


@pytest.mark.parametrize("settings", [LONG_GREEDY, LONG_BEAM], ids=["greedy", "beam-4"])
def test_stop_from_another_thread_ends_a_reply_within_a_step(
    slow_engine: TransformersEngine, settings: GenerationSettings
) -> None:
    stop = threading.Event()
    pieces: list[str] = []
    with (
        stopped_from_another_thread_at(slow_engine, 5, stop) as steps,
        pytest.raises(GenerationCancelled),
    ):
        slow_engine.generate(TURNS, settings, pieces.append, stop)
    assert len(steps) == 5  # stop was set during step 5; no step ran after it
    assert len(pieces) <= 5 < LONG_STEPS


def test_stop_during_streaming_ends_within_a_step(engine: TransformersEngine) -> None:
    stop = threading.Event()
    pieces: list[str] = []

    def on_text(delta: str) -> None:
        pieces.append(delta)
        stop.set()

    with pytest.raises(GenerationCancelled):
        engine.generate(TURNS, GenerationSettings(num_beams=1), on_text, stop)
    assert len(pieces) <= 2


def test_safetensors_weights_are_copied_into_memory(tiny_safetensors_model: Path) -> None:
    engine = loaded(tiny_safetensors_model)
    model = engine._model
    assert all(p.untyped_storage().filename is None for p in model.parameters())
    reply = engine.generate(
        TURNS, GenerationSettings(num_beams=1), lambda d: None, threading.Event()
    )
    assert reply.text


def test_the_same_weights_give_the_same_reply_from_bin_and_safetensors(
    engine: TransformersEngine, tiny_safetensors_model: Path
) -> None:
    other = loaded(tiny_safetensors_model)
    settings = GenerationSettings(num_beams=1)
    first = engine.generate(TURNS, settings, lambda d: None, threading.Event())
    second = other.generate(TURNS, settings, lambda d: None, threading.Event())
    assert first.text == second.text

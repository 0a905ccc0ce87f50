"""The reference engine on tiny real models: replies, streaming, stop, weights in RAM."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.context import Turn
from core.engines.base import GenerationCancelled
from core.engines.transformers_engine import TransformersEngine
from core.models import resolve
from core.settings import GenerationSettings

TURNS = [Turn("user", "Hello there, how are you?")]


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
    with pytest.raises(GenerationCancelled):
        engine.generate(TURNS, GenerationSettings(), lambda d: None, stop)


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

"""The fast engine (CTranslate2) on tiny real models, checked against the transformers engine.

Tiny random models write gibberish, so replies are compared token id by token id.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines import create_engine
from core.engines.base import EngineError, GenerationCancelled
from core.engines.ctranslate2_engine import (
    PARTIAL_MARKER,
    CTranslate2Engine,
    Quantization,
    TextStream,
    conversion_dir,
    input_ngrams,
)
from core.engines.transformers_engine import TransformersEngine
from core.models import ModelFolder, resolve
from core.settings import GenerationSettings
from tests.conftest import WindowFactory

CONVERSATIONS = [
    [Turn("user", "Hello there, how are you doing today?")],
    [
        Turn("user", "I love dogs and cats. Do you have any pets at home?"),
        Turn("assistant", "My dog is called Max."),
        Turn("user", "What is your favorite food?"),
    ],
    [Turn("user", "Where are you from? I grew up in a small town near the sea.")],
    [Turn("user", "<b>bold</b> & ünïcödé ✓ 你好 🙂 Do you like music?")],
]
GREEDY = GenerationSettings(num_beams=1, do_sample=False)
FIXED_GREEDY = GenerationSettings(num_beams=1, do_sample=False, min_length=40, max_length=40)


def load(engine: CTranslate2Engine | TransformersEngine) -> list[tuple[int, str]]:
    steps: list[tuple[int, str]] = []
    info = engine.load(lambda percent, text: steps.append((percent, text)))
    assert [p for p, _ in steps] == sorted(p for p, _ in steps) and steps[-1][0] == 100
    assert info.context_limit == 128
    return steps


def fast_engine(model: Path, data_dir: Path, quantization: Quantization) -> CTranslate2Engine:
    engine = CTranslate2Engine(resolve(str(model)), data_dir, threads=1, quantization=quantization)
    load(engine)
    return engine


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fast-data")


@pytest.fixture(scope="module")
def reference(tiny_model: Path) -> TransformersEngine:
    engine = TransformersEngine(resolve(str(tiny_model)), threads=1)
    load(engine)
    return engine


@pytest.fixture(scope="module")
def fast32(tiny_model: Path, data_dir: Path) -> CTranslate2Engine:
    return fast_engine(tiny_model, data_dir, "float32")


@pytest.fixture(scope="module")
def fast8(tiny_model: Path, data_dir: Path) -> CTranslate2Engine:
    return fast_engine(tiny_model, data_dir, "int8")


def reference_ids(
    engine: TransformersEngine, input_ids: Sequence[int], settings: GenerationSettings
) -> list[int]:
    """transformers' reply ids for this input, without the decoder start token."""
    import torch

    ids = torch.tensor([list(input_ids)])
    with torch.inference_mode():
        output = engine._model.generate(
            input_ids=ids, attention_mask=torch.ones_like(ids), **settings.overrides()
        )
    return [int(t) for t in output[0, 1:].tolist()]


def ngrams(ids: Sequence[int], n: int = 3) -> list[tuple[int, ...]]:
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def generated(ids: list[int], eos: int = 2) -> list[int]:
    """The tokens the model chose, without the final ``</s>``."""
    return ids[:-1] if ids and ids[-1] == eos else ids


@pytest.mark.parametrize("settings", [GREEDY, FIXED_GREEDY], ids=["model-lengths", "fixed-40"])
def test_float32_greedy_replies_match_transformers_token_for_token(
    reference: TransformersEngine, fast32: CTranslate2Engine, settings: GenerationSettings
) -> None:
    for turns in CONVERSATIONS:
        window = fast32.fit(turns)
        assert window.input_ids == reference.fit(turns).input_ids
        expected = reference_ids(reference, window.input_ids, settings)
        assert fast32.token_ids(window.input_ids, settings) == expected
        reply = fast32.generate(turns, settings, lambda d: None, threading.Event())
        assert (
            reply.text
            == reference.generate(turns, settings, lambda d: None, threading.Event()).text
        )


def test_int8_greedy_replies_agree_with_transformers_on_most_tokens(
    reference: TransformersEngine, fast8: CTranslate2Engine
) -> None:
    same = total = 0
    for turns in CONVERSATIONS:
        input_ids = fast8.fit(turns).input_ids
        expected = reference_ids(reference, input_ids, FIXED_GREEDY)
        got = fast8.token_ids(input_ids, FIXED_GREEDY)
        assert len(got) == len(expected) == 39  # max_length 40 counts the start token
        same += sum(a == b for a, b in zip(got, expected, strict=True))
        total += len(expected)
    assert same / total >= 0.9


@pytest.mark.parametrize("quantization", ["float32", "int8"])
def test_beam_search_keeps_the_models_rules(
    tiny_model: Path, data_dir: Path, quantization: Quantization
) -> None:
    engine = fast_engine(tiny_model, data_dir, quantization)
    for turns in CONVERSATIONS:
        input_ids = engine.fit(turns).input_ids
        ids = engine.token_ids(input_ids, GenerationSettings())  # beam 10, lengths 20..60
        assert ids[-1] == 2 and 2 not in ids[:-1]
        assert 20 <= len(ids) <= 59  # the start token counts towards min and max length
        assert len(set(ngrams(ids))) == len(ngrams(ids))
        assert not set(ngrams(generated(ids))) & set(ngrams(input_ids))
        fixed = engine.token_ids(input_ids, GenerationSettings(min_length=30, max_length=30))
        assert len(fixed) == 29 and fixed[-1] == 2  # forced </s> in the last position


def test_the_input_no_repeat_rule_is_emulated(fast32: CTranslate2Engine) -> None:
    # An input made of the model's own free-running reply: without the rule it repeats it.
    free = GenerationSettings(num_beams=1, no_repeat_ngram_size=0, encoder_no_repeat_ngram_size=0)
    echo = [*fast32.token_ids(fast32.fit(CONVERSATIONS[0]).input_ids, free)[:40], 2]
    assert set(ngrams(generated(fast32.token_ids(echo, free)))) & set(ngrams(echo))
    for settings in (
        free.with_changes(encoder_no_repeat_ngram_size=3),
        GenerationSettings(num_beams=1),
        GenerationSettings(num_beams=4),
    ):
        ids = generated(fast32.token_ids(echo, settings))
        assert not set(ngrams(ids)) & set(ngrams(echo)), settings


def test_input_ngrams_are_distinct_and_ordered() -> None:
    assert input_ngrams([5, 6, 7, 5, 6, 7, 2], 3) == [(5, 6, 7), (6, 7, 5), (7, 5, 6), (6, 7, 2)]
    assert input_ngrams([5, 6], 3) == [] and input_ngrams([5, 6], 0) == []


def test_a_conversion_is_made_once_and_reused(tiny_model: Path, tmp_path: Path) -> None:
    first = CTranslate2Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    texts = [text for _, text in load(first)]
    assert any("converting" in text for text in texts)
    target = first.converted_path
    assert target.parent == tmp_path / "models" and target.name.endswith("-int8")
    weights = (target / "model.bin").stat().st_mtime_ns

    second = CTranslate2Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    texts = [text for _, text in load(second)]
    assert not any("converting" in text for text in texts)
    assert second.converted_path == target
    assert (target / "model.bin").stat().st_mtime_ns == weights
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_half_finished_conversion_is_never_used(tiny_model: Path, tmp_path: Path) -> None:
    folder = resolve(str(tiny_model))
    target = conversion_dir(folder, tmp_path, "int8")
    target.parent.mkdir(parents=True)
    # A conversion killed half-way: its temporary folder, and a target damaged by hand.
    abandoned = target.parent / f".{target.name}{PARTIAL_MARKER}999999999-x"
    abandoned.mkdir()
    (abandoned / "model.bin").write_bytes(b"half")
    target.mkdir()
    (target / "model.bin").write_bytes(b"half")

    engine = CTranslate2Engine(folder, tmp_path, threads=1)
    texts = [text for _, text in load(engine)]
    assert any("converting" in text for text in texts)
    assert not abandoned.exists()
    assert (target / "model.bin").stat().st_size > 1000
    reply = engine.generate(CONVERSATIONS[0], GREEDY, lambda d: None, threading.Event())
    assert reply.tokens > 0


def test_a_damaged_conversion_is_made_again(tiny_model: Path, tmp_path: Path) -> None:
    load(CTranslate2Engine(resolve(str(tiny_model)), tmp_path, threads=1))
    engine = CTranslate2Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    (engine.converted_path / "model.bin").write_bytes(b"not a model")
    texts = [text for _, text in load(engine)]
    assert any("converting" in text for text in texts)
    assert engine.generate(CONVERSATIONS[0], GREEDY, lambda d: None, threading.Event()).tokens


def test_changed_source_files_get_a_new_conversion(tiny_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    before = conversion_dir(resolve(str(copy)), tmp_path, "int8")
    config = copy / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 10**9))
    assert conversion_dir(resolve(str(copy)), tmp_path, "int8") != before
    assert conversion_dir(resolve(str(copy)), tmp_path, "float32") != before


def test_streamed_pieces_make_the_final_text(fast8: CTranslate2Engine) -> None:
    for turns in CONVERSATIONS:
        pieces: list[str] = []
        reply = fast8.generate(turns, GREEDY, pieces.append, threading.Event())
        assert len(pieces) > 1
        assert "".join(pieces) == reply.text
        assert reply.first_token_s is not None and reply.first_token_s <= reply.reply_s
        assert reply.engine == "ctranslate2-int8"


def test_beam_search_replies_do_not_stream(fast8: CTranslate2Engine) -> None:
    pieces: list[str] = []
    reply = fast8.generate(CONVERSATIONS[1], GenerationSettings(), pieces.append, threading.Event())
    assert reply.text and not pieces and reply.first_token_s is None
    assert 19 <= reply.tokens <= 58


def test_text_ending_in_half_a_character_is_held_back() -> None:
    decoded = {1: "caf", 2: "caf\ufffd", 3: "café ", 4: "café au"}
    pieces: list[str] = []
    stream = TextStream(lambda ids: decoded[len(ids)], pieces.append)
    for count in range(1, 5):
        stream.update(list(range(count)))
    stream.finish("café au lait")
    assert pieces == ["caf", "é ", "au", " lait"]


def test_sampling_follows_the_length_rules(fast8: CTranslate2Engine) -> None:
    settings = GenerationSettings(num_beams=1, do_sample=True, temperature=0.8, top_p=0.9)
    input_ids = fast8.fit(CONVERSATIONS[0]).input_ids
    for _ in range(3):
        ids = fast8.token_ids(input_ids, settings)
        assert 20 <= len(ids) <= 59 and ids[-1] == 2
        assert len(set(ngrams(ids))) == len(ngrams(ids))


def test_stop_during_streaming_ends_within_a_token(fast8: CTranslate2Engine) -> None:
    stop = threading.Event()
    pieces: list[str] = []

    def on_text(delta: str) -> None:
        pieces.append(delta)
        stop.set()

    with pytest.raises(GenerationCancelled):
        fast8.generate(CONVERSATIONS[0], GREEDY, on_text, stop)
    assert len(pieces) == 1


def test_stop_ends_a_beam_search_at_once(slow_model: Path, data_dir: Path) -> None:
    engine = fast_engine(slow_model, data_dir, "int8")
    stop = threading.Event()
    stop.set()
    with pytest.raises(GenerationCancelled):
        engine.generate(CONVERSATIONS[0], GenerationSettings(), lambda d: None, stop)

    stop.clear()
    long_beam = GenerationSettings(num_beams=10, min_length=120, max_length=120)
    timer = threading.Timer(0.01, stop.set)  # the search takes ~0.15 s here
    timer.start()
    started = time.perf_counter()
    with pytest.raises(GenerationCancelled):
        engine.generate(CONVERSATIONS[0], long_beam, lambda d: None, stop)
    assert time.perf_counter() - started < 0.5
    timer.join()


def test_a_50_turn_conversation_never_fails(fast8: CTranslate2Engine) -> None:
    turns: list[Turn] = []
    for number in range(25):
        text = f"Message {number}: tell me about dogs, music and the sea. " * (1 + number % 7)
        turns.append(Turn("user", text))
        settings = GREEDY if number % 2 else GenerationSettings()
        reply = fast8.generate(turns, settings, lambda d: None, threading.Event())
        window = reply.context
        assert window.tokens_used <= 128 and window.input_ids[-1] == 2
        assert window.truncated_newest == (len(fast8.encode(" " + text)) > 127)
        turns.append(Turn("assistant", reply.text))
    assert len(turns) == 50


def test_create_engine_picks_the_fast_engine_for_blenderbot(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = resolve(str(tiny_model))
    assert isinstance(create_engine("fast", folder, tmp_path, 1), CTranslate2Engine)
    assert isinstance(create_engine("auto", folder, tmp_path, 1), CTranslate2Engine)
    assert isinstance(create_engine("transformers", folder, tmp_path, 1), TransformersEngine)

    causal = ModelFolder("tiny-gpt", tmp_path, "GPT2ForCausalLM", {})
    assert isinstance(create_engine("auto", causal, tmp_path, 1), TransformersEngine)
    with pytest.raises(EngineError, match="BlenderBot models only"):
        create_engine("fast", causal, tmp_path, 1)

    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # as if its library failed to load
    assert isinstance(create_engine("auto", folder, tmp_path, 1), TransformersEngine)
    with pytest.raises(EngineError, match="CTranslate2 cannot be loaded"):
        create_engine("fast", folder, tmp_path, 1)


def test_the_window_chats_with_the_fast_engine(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    """Pick the fast engine, type a message, press Enter, see the reply."""
    from PySide6.QtCore import Qt

    window = make_window(tiny_model, engine="fast")
    assert window.model_info.engine == "ctranslate2-int8"
    with qtbot.waitSignal(window.reply_shown, timeout=60_000) as shown:
        window.input_box.setPlainText("Hello there, how are you?")
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    assert shown.args[0].text
    assert window.conversation.messages[-1].content == shown.args[0].text

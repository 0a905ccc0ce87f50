"""The fast engine (int8 layers in transformers) on tiny real models, against the reference.

Tiny random models write gibberish, so replies are compared token id by token id.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines import create_engine
from core.engines.base import EngineError, GenerationCancelled
from core.engines.int8_engine import Int8Engine, Quantization
from core.engines.int8_format import PARTIAL_MARKER, WEIGHTS_FILE, conversion_dir
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
BEAM = GenerationSettings()  # the model's own: beam 10, lengths 20..60, no-repeat 3-grams
SETTINGS = {
    "greedy": GREEDY,
    "greedy-fixed-40": FIXED_GREEDY,
    "beam-10": BEAM,
    "beam-4-fixed-30": GenerationSettings(num_beams=4, min_length=30, max_length=30),
    "sampled-seed-7": GenerationSettings(
        num_beams=1, do_sample=True, temperature=0.7, top_k=20, top_p=0.9, seed=7
    ),
    "beam-3-sampled-seed-11": GenerationSettings(num_beams=3, do_sample=True, seed=11),
    "beam-4-penalties": GenerationSettings(
        num_beams=4, length_penalty=1.5, repetition_penalty=1.3, no_repeat_ngram_size=2
    ),
    "greedy-repetition-penalty": GenerationSettings(
        num_beams=1, do_sample=False, repetition_penalty=1.5, min_length=5, max_length=25
    ),
    "greedy-no-repeat-1": GenerationSettings(
        num_beams=1, do_sample=False, no_repeat_ngram_size=1, encoder_no_repeat_ngram_size=1
    ),
    "beam-3-no-rules": GenerationSettings(
        num_beams=3, no_repeat_ngram_size=0, encoder_no_repeat_ngram_size=0, min_length=0
    ),
    "sampled-top-k-0": GenerationSettings(
        num_beams=1, do_sample=True, top_k=0, temperature=1.3, seed=3
    ),
    # So small a top-p keeps only the tokens it must (1 alone, 2 under beam search); the
    # temperature makes the second one likely enough to be drawn.
    "sampled-top-p-tiny": GenerationSettings(
        num_beams=1, do_sample=True, top_p=0.01, temperature=4.0, seed=5
    ),
    "beam-3-sampled-top-p-tiny": GenerationSettings(
        num_beams=3, do_sample=True, top_p=0.01, temperature=4.0, seed=5
    ),
}


def load(engine: Int8Engine | TransformersEngine) -> list[tuple[int, str]]:
    steps: list[tuple[int, str]] = []
    info = engine.load(lambda percent, text: steps.append((percent, text)))
    assert [p for p, _ in steps] == sorted(p for p, _ in steps) and steps[-1][0] == 100
    assert info.context_limit == 128
    return steps


def fast_engine(model: Path, data_dir: Path, quantization: Quantization) -> Int8Engine:
    engine = Int8Engine(resolve(str(model)), data_dir, threads=1, quantization=quantization)
    load(engine)
    return engine


def converted(steps: list[tuple[int, str]]) -> bool:
    return any("Preparing the fast engine" in text for _, text in steps)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fast-data")


@pytest.fixture(scope="module")
def reference(tiny_model: Path) -> TransformersEngine:
    engine = TransformersEngine(resolve(str(tiny_model)), threads=1)
    load(engine)
    return engine


@pytest.fixture(scope="module")
def fast32(tiny_model: Path, data_dir: Path) -> Int8Engine:
    return fast_engine(tiny_model, data_dir, "float32")


@pytest.fixture(scope="module")
def fast8(tiny_model: Path, data_dir: Path) -> Int8Engine:
    return fast_engine(tiny_model, data_dir, "int8")


def ngrams(ids: Sequence[int], n: int = 3) -> list[tuple[int, ...]]:
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def generated(ids: list[int], eos: int = 2) -> list[int]:
    """The tokens the model chose, without the final ``</s>``."""
    return ids[:-1] if ids and ids[-1] == eos else ids


@pytest.mark.parametrize("name", list(SETTINGS))
def test_float32_replies_match_transformers_token_for_token(
    reference: TransformersEngine, fast32: Int8Engine, name: str
) -> None:
    """The engine's own cache (one copy of the input, preallocated) changes no token."""
    settings = SETTINGS[name]
    for turns in CONVERSATIONS:
        window = fast32.fit(turns)
        assert window.input_ids == reference.fit(turns).input_ids
        expected = reference.token_ids(window.input_ids, settings)
        assert fast32.token_ids(window.input_ids, settings) == expected
        reply = fast32.generate(turns, settings, lambda d: None, threading.Event())
        assert (
            reply.text
            == reference.generate(turns, settings, lambda d: None, threading.Event()).text
        )


def test_every_beam_of_a_regenerate_comes_back_as_transformers_returns_them(
    reference: TransformersEngine, fast32: Int8Engine
) -> None:
    """Regenerate under beam search asks for every beam, best first."""
    import torch

    ids = torch.tensor([fast32.fit(CONVERSATIONS[1]).input_ids])
    with torch.inference_mode():
        expected = reference._model.generate(ids, num_beams=5, num_return_sequences=5)
        got = fast32._model.generate(ids, num_beams=5, num_return_sequences=5)
    assert got.shape[0] == 5 and torch.equal(got, expected)


def edited_model(
    tiny_model: Path, folder: Path, bias: dict[int, float] | None = None, **generation: Any
) -> Path:
    """A copy of ``tiny_model`` with generation settings added to its
    ``generation_config.json`` and ``bias`` added to its logits' bias (token -> value)."""
    import torch
    from transformers import BlenderbotForConditionalGeneration

    model = BlenderbotForConditionalGeneration.from_pretrained(tiny_model)
    with torch.no_grad():
        for token, value in (bias or {}).items():
            model.final_logits_bias[0, token] += value
    shutil.copytree(tiny_model, folder)
    (folder / "pytorch_model.bin").unlink()
    model.save_pretrained(folder)
    path = folder / "generation_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **generation}))
    return folder


@pytest.mark.parametrize(
    ("name", "bias", "generation"),
    [
        # </s> as likely as can be (8): every reply and beam ends as soon as min_length
        # allows; less likely (7): some beams end early, some at max_length
        ("eager-end", {2: 8.0}, {}),
        ("eager-end-early-stopping", {2: 7.0}, {"early_stopping": True}),
        ("eager-end-never-stop-early", {2: 7.0}, {"early_stopping": "never"}),
        (
            "own-settings",
            None,
            {
                "max_new_tokens": 12,
                "min_new_tokens": 8,
                "suppress_tokens": [7, 8],
                "begin_suppress_tokens": [9, 10],
                "forced_bos_token_id": 11,
            },
        ),
    ],
)
def test_models_own_settings_and_early_ends_match_transformers(
    tiny_model: Path,
    tmp_path: Path,
    name: str,
    bias: dict[int, float] | None,
    generation: dict[str, Any],
) -> None:
    folder = edited_model(tiny_model, tmp_path / name, bias, **generation)
    reference = TransformersEngine(resolve(str(folder)), threads=1)
    load(reference)
    fast = fast_engine(folder, tmp_path / "data", "float32")
    lengths = set()
    for settings in (GREEDY, BEAM, GenerationSettings(num_beams=4, min_length=10)):
        for turns in CONVERSATIONS[:2]:
            ids = fast.fit(turns).input_ids
            expected = reference.token_ids(ids, settings)
            assert fast.token_ids(ids, settings) == expected, settings
            lengths.add(len(expected))
    if name.startswith("eager-end"):  # the replies did end early, on </s>
        assert min(lengths) < 30
        # every beam returned, shorter ones filled out as transformers fills them
        import torch

        model_input = torch.tensor([fast.fit(CONVERSATIONS[0]).input_ids])
        with torch.inference_mode():
            beams = reference._model.generate(model_input, num_beams=4, num_return_sequences=4)
            got = fast._model.generate(model_input, num_beams=4, num_return_sequences=4)
        assert torch.equal(got, beams)
    else:  # max_new_tokens and min_new_tokens count after the decoder's start
        assert lengths <= set(range(8, 13))


def test_a_prefix_without_the_decoders_start_gets_it_as_with_transformers(
    reference: TransformersEngine, fast32: Int8Engine
) -> None:
    import torch

    ids = torch.tensor([fast32.fit(CONVERSATIONS[0]).input_ids])
    prefix = torch.tensor([[40, 41, 42]])
    with torch.inference_mode():
        expected = reference._model.generate(ids, decoder_input_ids=prefix, max_length=20)
        got = fast32._model.generate(ids, decoder_input_ids=prefix, max_length=20)
    assert got[0, :4].tolist() == [1, 40, 41, 42] and torch.equal(got, expected)


def test_a_reply_with_no_room_fails_as_transformers_fails(
    reference: TransformersEngine, fast32: Int8Engine
) -> None:
    settings = GenerationSettings(max_length=1)
    ids = fast32.fit(CONVERSATIONS[0]).input_ids
    for engine in (reference, fast32):
        with pytest.raises(ValueError, match="Input length of decoder_input_ids is 1"):
            engine.token_ids(ids, settings)


def test_int8_greedy_replies_agree_with_transformers_on_most_tokens(
    reference: TransformersEngine, fast8: Int8Engine
) -> None:
    same = total = 0
    for turns in CONVERSATIONS:
        input_ids = fast8.fit(turns).input_ids
        expected = reference.token_ids(input_ids, FIXED_GREEDY)
        got = fast8.token_ids(input_ids, FIXED_GREEDY)
        assert len(got) == len(expected) == 39  # max_length 40 counts the start token
        same += sum(a == b for a, b in zip(got, expected, strict=True))
        total += len(expected)
    assert same / total >= 0.9


def test_the_int8_model_holds_no_float_weights_in_its_layers(fast8: Int8Engine) -> None:
    from core.engines.int8_layers import Int8Embedding, Int8Linear

    runtime = fast8._model
    net, config = runtime.net, runtime.config
    assert isinstance(net.embed, Int8Embedding)  # one int8 table for both token embeddings
    layers = runtime.layers
    assert all(isinstance(layer, Int8Linear) for layer in layers)
    # per layer: self-attention's q, k, v as one fused layer (1), its output (1) and the
    # feed-forward (2); per decoder layer the cross-attention (4); the vocabulary projection
    attention_layers = config.encoder_layers + config.decoder_layers
    expected = 4 * attention_layers + 4 * config.decoder_layers + 1
    assert len(layers) == len({id(layer) for layer in layers}) == expected
    fused = [layer for layer in layers if layer.out_features == 3 * layer.in_features]
    assert len(fused) == attention_layers
    assert all(layer._packed is not None for layer in layers)
    # Only a decoding step's rows (beams) share a quantization scale; an input's tokens don't.
    decoder = net.decoder_layers[0]

    def layer_of(forward: Any) -> Int8Linear:
        layer: Int8Linear = forward.__self__
        return layer

    assert layer_of(decoder.fc1).rows_alike and decoder.attention.fused is not None
    assert layer_of(decoder.attention.fused).rows_alike and layer_of(net.output).rows_alike
    assert not layer_of(decoder.cross.projection(1)).rows_alike
    assert layer_of(decoder.cross.projection(0)).rows_alike
    assert not layer_of(net.encoder_layers[0].fc1).rows_alike


@pytest.mark.parametrize("quantization", ["float32", "int8"])
def test_beam_search_keeps_the_models_rules(
    tiny_model: Path, data_dir: Path, quantization: Quantization
) -> None:
    engine = fast_engine(tiny_model, data_dir, quantization)
    for turns in CONVERSATIONS:
        input_ids = engine.fit(turns).input_ids
        ids = engine.token_ids(input_ids, BEAM)
        assert ids[-1] == 2 and 2 not in ids[:-1]
        assert 20 <= len(ids) <= 59  # the start token counts towards min and max length
        assert len(set(ngrams(ids))) == len(ngrams(ids))
        assert not set(ngrams(generated(ids))) & set(ngrams(input_ids))
        fixed = engine.token_ids(input_ids, GenerationSettings(min_length=30, max_length=30))
        assert len(fixed) == 29 and fixed[-1] == 2  # forced </s> in the last position


def test_the_input_no_repeat_rule_holds(fast8: Int8Engine) -> None:
    # An input made of the model's own free-running reply: without the rule it repeats it.
    free = GenerationSettings(num_beams=1, no_repeat_ngram_size=0, encoder_no_repeat_ngram_size=0)
    echo = [*fast8.token_ids(fast8.fit(CONVERSATIONS[0]).input_ids, free)[:40], 2]
    assert set(ngrams(generated(fast8.token_ids(echo, free)))) & set(ngrams(echo))
    for settings in (
        free.with_changes(encoder_no_repeat_ngram_size=3),
        GenerationSettings(num_beams=1),
        GenerationSettings(num_beams=4),
    ):
        ids = generated(fast8.token_ids(echo, settings))
        assert not set(ngrams(ids)) & set(ngrams(echo)), settings


def test_int8_layers_compute_what_float_layers_do() -> None:
    import torch

    from core.engines.int8_layers import Int8Linear

    torch.manual_seed(0)
    linear = torch.nn.Linear(96, 40)
    inputs = torch.randn(3, 5, 96)
    expected = linear(inputs).detach()
    for packed in (True, False):
        layer = Int8Linear.from_linear(linear)
        if packed:
            assert layer.pack()  # FBGEMM is in torch's x86 builds
        got = layer(inputs)
        assert got.shape == expected.shape
        error = (got - expected).abs().max() / expected.abs().max()
        assert error < 0.02, (packed, float(error))


@pytest.mark.parametrize("rows_alike", [True, False])
def test_products_that_would_saturate_16_bit_sums_stay_exact(rows_alike: bool) -> None:
    """Inputs near the top of their range times weights at +127: two such 8-bit products
    exceed 16 bits, which AVX2's ``vpmaddubsw`` clips (FBGEMM without AVX-512 VNNI). 7-bit
    inputs there keep them exact (``int8_layers.REDUCE_RANGE``); on a CPU with VNNI this
    passes either way."""
    import torch

    from core.engines.int8_layers import REDUCE_RANGE, Int8Linear, saturates_without_vnni

    has_vnni = torch.cpu.get_capabilities()["avx512_vnni"]
    assert saturates_without_vnni() is REDUCE_RANGE is (not has_vnni)
    linear = torch.nn.Linear(256, 4, bias=False)
    with torch.no_grad():
        linear.weight.fill_(1.0)
    inputs = torch.rand(3, 256, generator=torch.Generator().manual_seed(0)) * 0.1 + 0.9
    expected = linear(inputs).detach()
    layer = Int8Linear.from_linear(linear)
    assert layer.pack()
    layer.rows_alike = rows_alike
    error = float(((layer(inputs) - expected).abs() / expected.abs()).max())
    assert error < 0.02


def test_tokens_of_different_magnitudes_are_quantized_each_on_its_own() -> None:
    import torch

    from core.engines.int8_layers import Int8Linear

    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 32)
    inputs = torch.randn(2, 64) * torch.tensor([[0.01], [100.0]])  # a quiet and a loud token
    expected = linear(inputs).detach() - linear.bias.detach()
    layer = Int8Linear.from_linear(linear)
    assert layer.pack()

    def quiet_row_error() -> float:
        got = layer(inputs).detach() - linear.bias.detach()
        return float((got[0] - expected[0]).norm() / expected[0].norm())

    assert quiet_row_error() < 0.02
    layer.rows_alike = True  # one scale for both rows: the quiet one is mostly lost
    assert quiet_row_error() > 0.1


def test_a_conversion_is_made_once_and_reused(tiny_model: Path, tmp_path: Path) -> None:
    first = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    assert converted(load(first))
    target = first.converted_path
    assert target.parent == tmp_path / "models" and target.name.endswith("-torch-int8")
    weights = (target / WEIGHTS_FILE).stat().st_mtime_ns

    second = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    assert not converted(load(second))
    assert second.converted_path == target
    assert (target / WEIGHTS_FILE).stat().st_mtime_ns == weights
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    turns = CONVERSATIONS[0]
    settings = FIXED_GREEDY
    assert first.generate(turns, settings, lambda d: None, threading.Event()).text == (
        second.generate(turns, settings, lambda d: None, threading.Event()).text
    )


def test_a_half_finished_conversion_is_never_used(tiny_model: Path, tmp_path: Path) -> None:
    folder = resolve(str(tiny_model))
    target = conversion_dir(folder, tmp_path)
    target.parent.mkdir(parents=True)
    # A conversion killed half-way: its temporary folder, and a target damaged by hand.
    abandoned = target.parent / f".{target.name}{PARTIAL_MARKER}999999999-x"
    abandoned.mkdir()
    (abandoned / WEIGHTS_FILE).write_bytes(b"half")
    target.mkdir()
    (target / WEIGHTS_FILE).write_bytes(b"half")

    engine = Int8Engine(folder, tmp_path, threads=1)
    assert converted(load(engine))
    assert not abandoned.exists()
    assert (target / WEIGHTS_FILE).stat().st_size > 1000
    reply = engine.generate(CONVERSATIONS[0], GREEDY, lambda d: None, threading.Event())
    assert reply.tokens > 0


LAYER = "model.decoder.layers.0.fc1"


def damage_tensors(weights: Path, damage: str) -> None:
    """Rewrite the int8 file with one layer's tensors wrong in the way ``damage`` names."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(weights))
    if damage == "scale-too-short":
        tensors[f"{LAYER}.weight_scale"] = tensors[f"{LAYER}.weight_scale"][:-1].clone()
    elif damage == "bias-missing":
        del tensors[f"{LAYER}.bias"]
    elif damage == "layer-missing":
        del tensors[f"{LAYER}.weight_int8"], tensors[f"{LAYER}.weight_scale"]
    elif damage == "extra-layer":
        tensors["model.decoder.layers.0.fc3.weight_int8"] = torch.zeros((4, 4), dtype=torch.int8)
        tensors["model.decoder.layers.0.fc3.weight_scale"] = torch.ones(4)
    save_file(tensors, str(weights))


@pytest.fixture
def early_loads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ``EarlyLayers`` the engine starts in the test (reading and packing threads)."""
    import core.engines.int8_engine as int8_engine

    started: list[Any] = []
    start = int8_engine.start_early_layers

    def recorded(target: Path) -> Any:
        started.append(start(target))
        return started[-1]

    monkeypatch.setattr(int8_engine, "start_early_layers", recorded)
    return started


def ended(early: Any) -> bool:
    """Its reading thread and its packing threads have all ended."""
    return not early._thread.is_alive() and (early.packing is None or not early.packing.running())


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "truncated",
        "no-metadata",
        "header-not-an-object",
        "metadata-without-parameters",
        "scale-too-short",
        "bias-missing",
        "layer-missing",
        "extra-layer",
    ],
)
def test_a_damaged_conversion_is_made_again(
    tiny_model: Path, tmp_path: Path, damage: str, early_loads: list[Any]
) -> None:
    first = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    load(first)
    first.wait_until_packed()
    engine = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    weights = engine.converted_path / WEIGHTS_FILE
    if damage == "garbage":
        weights.write_bytes(b"not a model")
    elif damage == "truncated":
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    elif damage == "no-metadata":
        (engine.converted_path / "confab.json").write_text("{", encoding="utf-8")
    elif damage == "header-not-an-object":  # valid JSON, but a list
        header = b"[1, 2]"
        weights.write_bytes(len(header).to_bytes(8, "little") + header)
    elif damage == "metadata-without-parameters":
        metadata = engine.converted_path / "confab.json"
        values = json.loads(metadata.read_text(encoding="utf-8"))
        del values["parameters"]
        metadata.write_text(json.dumps(values), encoding="utf-8")
    else:
        damage_tensors(weights, damage)
    assert converted(load(engine))
    assert engine.generate(CONVERSATIONS[0], GREEDY, lambda d: None, threading.Event()).tokens
    # The damaged file's reading (and any packing) ended with it; the new file's packing too.
    assert len(early_loads) >= 2 and all(ended(early) for early in early_loads)


def test_a_load_that_fails_after_the_layers_began_leaves_no_thread(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, early_loads: list[Any]
) -> None:
    """The tokenizer fails while the layers are being read and packed: both stop, and the
    engine keeps no half-loaded model."""
    import transformers

    first = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    load(first)
    first.wait_until_packed()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("tokenizer.json is damaged")

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", broken)
    engine = Int8Engine(resolve(str(tiny_model)), tmp_path, threads=1)
    with pytest.raises(EngineError, match=r"tokenizer\.json is damaged"):
        engine.load(lambda percent, text: None)
    assert len(early_loads) == 2 and ended(early_loads[1])
    assert engine._model is None and engine._packing is None


def test_changed_source_files_get_a_new_conversion(tiny_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    before = conversion_dir(resolve(str(copy)), tmp_path)
    config = copy / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 10**9))
    assert conversion_dir(resolve(str(copy)), tmp_path) != before


def test_streamed_pieces_make_the_final_text(fast8: Int8Engine) -> None:
    for turns in CONVERSATIONS:
        pieces: list[str] = []
        reply = fast8.generate(turns, GREEDY, pieces.append, threading.Event())
        assert len(pieces) > 1
        assert "".join(pieces) == reply.text
        assert reply.first_token_s is not None and reply.first_token_s <= reply.reply_s
        assert reply.engine == "int8"


def test_beam_search_replies_do_not_stream(fast8: Int8Engine) -> None:
    pieces: list[str] = []
    reply = fast8.generate(CONVERSATIONS[1], BEAM, pieces.append, threading.Event())
    assert reply.text and not pieces and reply.first_token_s is None
    assert 19 <= reply.tokens <= 58


def test_sampling_follows_the_length_rules(fast8: Int8Engine) -> None:
    settings = GenerationSettings(num_beams=1, do_sample=True, temperature=0.8, top_p=0.9)
    input_ids = fast8.fit(CONVERSATIONS[0]).input_ids
    for _ in range(3):
        ids = fast8.token_ids(input_ids, settings)
        assert 20 <= len(ids) <= 59 and ids[-1] == 2
        assert len(set(ngrams(ids))) == len(ngrams(ids))


def test_stop_during_streaming_ends_within_a_step(fast8: Int8Engine) -> None:
    stop = threading.Event()
    pieces: list[str] = []

    def on_text(delta: str) -> None:
        pieces.append(delta)
        stop.set()

    with pytest.raises(GenerationCancelled):
        fast8.generate(CONVERSATIONS[0], GREEDY, on_text, stop)
    assert len(pieces) <= 2  # transformers streams a step's token before checking stop


def test_stop_ends_a_beam_search_within_a_step(slow_model: Path, data_dir: Path) -> None:
    engine = fast_engine(slow_model, data_dir, "int8")
    stop = threading.Event()
    stop.set()
    with pytest.raises(GenerationCancelled):
        engine.generate(CONVERSATIONS[0], BEAM, lambda d: None, stop)

    stop.clear()
    long_beam = GenerationSettings(num_beams=10, min_length=120, max_length=120)
    started = time.perf_counter()
    engine.generate(CONVERSATIONS[0], long_beam, lambda d: None, stop)
    whole = time.perf_counter() - started
    timer = threading.Timer(whole / 10, stop.set)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(GenerationCancelled):
        engine.generate(CONVERSATIONS[0], long_beam, lambda d: None, stop)
    assert time.perf_counter() - started < whole / 2
    timer.join()


def test_a_50_turn_conversation_never_fails(fast8: Int8Engine) -> None:
    turns: list[Turn] = []
    for number in range(25):
        text = f"Message {number}: tell me about dogs, music and the sea. " * (1 + number % 7)
        turns.append(Turn("user", text))
        settings = GREEDY if number % 2 else BEAM
        reply = fast8.generate(turns, settings, lambda d: None, threading.Event())
        window = reply.context
        assert window.tokens_used <= 128 and window.input_ids[-1] == 2
        assert window.truncated_newest == (len(fast8.encode(" " + text)) > 127)
        turns.append(Turn("assistant", reply.text))
    assert len(turns) == 50


def test_create_engine_picks_the_fast_engine_for_blenderbot(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = resolve(str(tiny_model))
    assert isinstance(create_engine("fast", folder, tmp_path, 1), Int8Engine)
    assert isinstance(create_engine("auto", folder, tmp_path, 1), Int8Engine)
    reference = create_engine("transformers", folder, tmp_path, 1)
    assert type(reference) is TransformersEngine

    causal = ModelFolder("tiny-gpt", tmp_path, "GPT2ForCausalLM", {})
    assert type(create_engine("auto", causal, tmp_path, 1)) is TransformersEngine
    with pytest.raises(EngineError, match="BlenderBot models only"):
        create_engine("fast", causal, tmp_path, 1)


def test_the_window_chats_with_the_fast_engine(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    """Pick the fast engine, type a message, press Enter, see the reply."""
    from PySide6.QtCore import Qt

    window = make_window(tiny_model, engine="fast")
    assert window.model_info.engine == "int8"
    with qtbot.waitSignal(window.reply_shown, timeout=60_000) as shown:
        window.input_box.setPlainText("Hello there, how are you?")
        qtbot.keyClick(window.input_box, Qt.Key.Key_Return)
    assert shown.args[0].text
    assert window.conversation.messages[-1].content == shown.args[0].text


def test_conversions_it_replaces_are_removed(tiny_model: Path, tmp_path: Path) -> None:
    folder = resolve(str(tiny_model))
    target = conversion_dir(folder, tmp_path)
    stem = target.name.rsplit("-", 3)[0]
    models = tmp_path / "models"
    older = models / f"{stem}-0123456789ab-torch-int8"  # other source files or format
    unrelated = models / "other-model-0123456789ab-torch-int8"
    not_ours = models / f"{stem}-fedcba987654-torch-int8"  # no metadata file: not made by Confab
    for path in (older, unrelated, not_ours):
        path.mkdir(parents=True)
        (path / "model.bin").write_bytes(b"x")
    for path in (older, unrelated):
        (path / "confab.json").write_text("{}", encoding="utf-8")

    load(Int8Engine(folder, tmp_path, threads=1))
    assert sorted(p.name for p in models.iterdir()) == sorted(
        [target.name, unrelated.name, not_ours.name]
    )

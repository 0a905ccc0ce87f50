"""The fast engine's own network, cache and search, on a tiny real model, against transformers.

The replies themselves are compared with transformers' in ``test_int8_engine`` (float32
token for token, int8 on most tokens); these tests show that the network computes what
transformers' encoder and decoder compute, that the cache's slots hold what a reorder of
every row would, that beam search moves only the rows it must, and that the engine's
process never imports transformers' model or generation code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import torch

from core.context import Turn
from core.engines.blenderbot_net import BlenderbotNet, Shape
from core.engines.int8_engine import Int8Engine
from core.engines.step_cache import LayerCache, StepCache
from core.models import resolve
from core.settings import GenerationSettings

TURNS = [Turn("user", "I love dogs and cats. Do you have any pets at home?")]
BEAM = GenerationSettings(num_beams=6, min_length=24, max_length=24)


@pytest.fixture(scope="module")
def engine(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Int8Engine:
    engine = Int8Engine(
        resolve(str(tiny_model)), tmp_path_factory.mktemp("net"), 1, quantization="float32"
    )
    engine.load(lambda percent, text: None)
    return engine


def net_of(engine: Int8Engine) -> BlenderbotNet:
    net = engine._model.net
    assert isinstance(net, BlenderbotNet)
    return net


def input_ids(engine: Int8Engine) -> torch.Tensor:
    return torch.tensor([engine.fit(TURNS).input_ids])


def test_the_encoder_computes_what_transformers_encoder_does(engine: Int8Engine) -> None:
    model = engine._model.source  # transformers' own model, whose weights the net reads
    ids = input_ids(engine)
    with torch.inference_mode():
        expected = model.get_encoder()(input_ids=ids).last_hidden_state
        got = net_of(engine).encode(ids)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5)


def test_decoding_steps_compute_what_transformers_decoder_does(engine: Int8Engine) -> None:
    """A prefix of four tokens in one row, then four steps of six beams with shuffled
    parents: the same logits as transformers' model with every row reordered."""
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    model, net = engine._model.source, net_of(engine)
    ids = input_ids(engine)
    generator = torch.Generator().manual_seed(3)
    beams = 6
    theirs = EncoderDecoderCache(DynamicCache(), DynamicCache())
    ours = net.new_cache(beams, 16)
    with torch.inference_mode():
        encoder = model.get_encoder()(input_ids=ids).last_hidden_state
        prefix = torch.tensor([[1, 40, 41, 42]])
        expected = model(
            encoder_outputs=(encoder.expand(beams, -1, -1),),
            decoder_input_ids=prefix.expand(beams, -1),
            past_key_values=theirs,
            use_cache=True,
        ).logits[:, -1]
        got = net.decode(prefix, net.encode(ids), ours)
        assert got.shape == (1, expected.shape[-1])
        assert torch.allclose(got.expand(beams, -1), expected, atol=1e-4)
        step = torch.randint(4, 100, (beams, 1), generator=generator)
        for number in range(4):
            parents = torch.randint(0, beams, (beams,), generator=generator)
            theirs.reorder_cache(parents)  # type: ignore[arg-type]
            ours.reorder([int(p) for p in parents])
            expected = model(
                encoder_outputs=(encoder.expand(beams, -1, -1),),
                decoder_input_ids=step,
                past_key_values=theirs,
                use_cache=True,
            ).logits[:, -1]
            got = net.decode(step, encoder, ours)
            assert torch.allclose(got, expected, atol=1e-4), number
            step = torch.randint(4, 100, (beams, 1), generator=generator)
    assert ours.slot_of_beam is not None  # the test did shuffle the slots


def test_positions_past_the_table_fail_as_transformers_does(engine: Int8Engine) -> None:
    net = net_of(engine)
    with pytest.raises(IndexError, match="index out of range"):
        net.encode(torch.ones((1, net.shape.positions + 1), dtype=torch.long))
    cache = net.new_cache(1, 4)
    encoder = net.encode(input_ids(engine))
    net.decode(torch.ones((1, net.shape.positions), dtype=torch.long), encoder, cache)
    with pytest.raises(IndexError, match="index out of range"):
        net.decode(torch.ones((1, 1), dtype=torch.long), encoder, cache)


def test_a_beam_reply_decodes_once_a_step_and_moves_only_the_rows_it_must(
    engine: Int8Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = {"steps": 0, "rows copied": 0}
    decode, copy_rows = BlenderbotNet.decode, LayerCache.copy_rows

    def counted_decode(self: BlenderbotNet, *args: Any) -> torch.Tensor:
        counts["steps"] += 1
        return decode(self, *args)

    def counted_copy(self: LayerCache, sources: list[int], targets: list[int]) -> None:
        counts["rows copied"] += len(targets)
        copy_rows(self, sources, targets)

    monkeypatch.setattr(BlenderbotNet, "decode", counted_decode)
    monkeypatch.setattr(LayerCache, "copy_rows", counted_copy)
    engine.generate(TURNS, BEAM, lambda d: None, threading.Event())
    assert counts["steps"] == 23  # every step of the 24 tokens but the start token
    layers, beams, steps = 4, 6, 23
    assert 0 < counts["rows copied"] < layers * beams * steps / 2


def physical(cache: StepCache) -> torch.Tensor:
    """The first layer's keys in beam order."""
    keys, _ = cache.layers[0].float_views()
    _, slot_of_beam = cache.slot_order()
    return keys if slot_of_beam is None else keys.index_select(0, slot_of_beam)


@pytest.mark.parametrize("seed", range(4))
def test_slots_hold_what_reordering_every_row_would(seed: int) -> None:
    """Random parents, and a reply past the planned capacity."""
    generator = torch.Generator().manual_seed(seed)
    beams = 5
    slotted = StepCache(1, beams, 3)
    every_row: list[torch.Tensor] = []  # each step's keys, every row reordered
    for _ in range(9):
        keys = torch.randn(beams, 2, 1, 4, generator=generator)
        every_row.append(keys)
        beam_of_slot, _ = slotted.slot_order()
        in_slots = keys if beam_of_slot is None else keys.index_select(0, beam_of_slot)
        slotted.layers[0].append(in_slots, in_slots)
        parents = torch.randint(0, beams, (beams,), generator=generator)
        every_row = [step.index_select(0, parents) for step in every_row]
        slotted.reorder([int(p) for p in parents])
        assert torch.equal(physical(slotted), torch.cat(every_row, dim=2))
    assert slotted.layers[0].keys is not None and slotted.layers[0].keys.shape[2] > 3  # grew


def test_one_row_of_a_first_call_goes_to_every_row() -> None:
    cache = StepCache(1, 3, 4)
    keys = torch.randn(1, 2, 2, 4)
    cache.layers[0].append(keys, keys)
    stored, _ = cache.layers[0].float_views()
    assert stored.shape == (3, 2, 2, 4)
    assert all(torch.equal(stored[row], keys[0]) for row in range(3))


def test_the_first_call_decodes_one_row_and_its_first_reorder_copies_nothing(
    engine: Int8Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = net_of(engine)
    cache = net.new_cache(4, 8)
    logits = net.decode(torch.tensor([[1, 40]]), net.encode(input_ids(engine)), cache)
    assert logits.shape[0] == 1 and cache.rows_alike
    copied: list[list[int]] = []
    monkeypatch.setattr(LayerCache, "copy_rows", lambda self, s, t: copied.append(t))
    cache.reorder([0, 0, 0, 0])
    assert not copied and cache.slot_of_beam is None and not cache.rows_alike
    cache.reorder([0, 0, 1, 1])  # now the rows differ: two are copied
    assert len(copied) == len(cache.layers)
    with pytest.raises(ValueError, match="3 beams for a cache of 4 rows"):
        cache.reorder([0, 1, 2])


def test_a_beam_with_one_child_each_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = StepCache(1, 3, 4)
    cache.layers[0].append(torch.randn(3, 1, 1, 2), torch.randn(3, 1, 1, 2))
    copied: list[list[int]] = []
    monkeypatch.setattr(LayerCache, "copy_rows", lambda self, s, t: copied.append(t))
    cache.reorder([2, 0, 1])
    assert cache.slot_of_beam == [2, 0, 1] and not copied
    cache.reorder([0, 0, 2])  # beam 1 ends; beam 0 has two children
    assert cache.slot_of_beam is not None and cache.slot_of_beam[0] == 2
    assert sorted(cache.slot_of_beam) == [0, 1, 2] and len(copied) == 1


def test_bfloat16_keys_and_values_are_widened_for_the_attention() -> None:
    cache = StepCache(1, 3, 6, torch.bfloat16)
    keys, values = torch.randn(3, 2, 1, 4), torch.randn(3, 2, 1, 4)
    layer = cache.layers[0]
    layer.append(keys, values)
    wide_keys, wide_values = layer.append(keys * 2, values * 2)
    assert layer.keys is not None and layer.keys.dtype == torch.bfloat16  # half the memory
    assert wide_keys.dtype == wide_values.dtype == torch.float32
    assert wide_keys.shape == (3, 2, 2, 4)
    assert torch.equal(wide_keys[:, :, 1:], (keys * 2).to(torch.bfloat16).float())
    assert torch.allclose(wide_values[:, :, :1], values, rtol=1e-2)


def test_a_reply_within_its_capacity_never_reallocates_and_a_longer_one_grows() -> None:
    """The buffers are sized once for the reply (reallocations added ~100 MB to the peak)."""
    layer = StepCache(1, 2, 4).layers[0]
    steps = [torch.randn(2, 1, 1, 3) for _ in range(6)]
    layer.append(steps[0], steps[0])
    assert layer.keys is not None
    first = layer.keys.data_ptr()
    for step in steps[1:4]:
        layer.append(step, step)
        assert layer.keys.data_ptr() == first and layer.keys.shape[2] == 4
    for step in steps[4:]:  # past the capacity: it grows, and keeps what it held
        keys, _ = layer.append(step, step)
    assert layer.keys.data_ptr() != first
    assert torch.equal(keys, torch.cat(steps, dim=2))


def test_bfloat16_keys_are_widened_right_after_the_buffers_grow() -> None:
    cache = StepCache(2, 2, 2, torch.bfloat16)  # two layers share the float32 scratch
    steps = [torch.randn(2, 1, 1, 3) for _ in range(5)]
    for step in steps:
        for layer in cache.layers:
            keys, values = layer.append(step, step)
            assert keys.shape[2] == values.shape[2] == layer.length
    expected = torch.cat(steps, dim=2).to(torch.bfloat16).float()
    assert torch.equal(keys, expected) and torch.equal(values, expected)


def test_big_replies_keep_keys_in_bfloat16_and_still_agree_with_transformers(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The threshold is lowered so that the tiny model's replies count as big."""
    import core.engines.int8_engine as int8_engine
    from core.engines.transformers_engine import TransformersEngine

    reference = TransformersEngine(resolve(str(tiny_model)), threads=1)
    reference.load(lambda percent, text: None)
    fast = Int8Engine(resolve(str(tiny_model)), tmp_path, 1)
    fast.load(lambda percent, text: None)
    kept: list[Any] = []
    append = LayerCache.append

    def recorded(self: LayerCache, *args: Any) -> Any:
        result = append(self, *args)
        kept.append(None if self.keys is None else self.keys.dtype)
        return result

    monkeypatch.setattr(LayerCache, "append", recorded)
    greedy = GenerationSettings(num_beams=1, do_sample=False, min_length=30, max_length=30)
    ids = fast.fit(TURNS).input_ids
    float32 = fast.token_ids(ids, greedy)
    assert torch.float32 in kept and torch.bfloat16 not in kept
    kept.clear()
    monkeypatch.setattr(int8_engine, "KV_FLOAT32_MAX", 0)
    bfloat16 = fast.token_ids(ids, greedy)
    assert torch.bfloat16 in kept and torch.float32 not in kept
    expected = reference.token_ids(ids, greedy)
    assert sum(a == b for a, b in zip(bfloat16, expected, strict=True)) >= 0.9 * len(expected)
    assert sum(a == b for a, b in zip(bfloat16, float32, strict=True)) >= 0.9 * len(float32)
    beam = fast.generate(TURNS, BEAM, lambda d: None, threading.Event())
    assert beam.text


def test_a_model_the_network_cannot_run_is_refused_before_any_conversion(
    tiny_model: Path, tmp_path: Path
) -> None:
    import shutil

    from core.engines.base import EngineError

    folder = shutil.copytree(tiny_model, tmp_path / "tanh-gelu")
    path = folder / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "activation_function": "gelu_new"}))
    engine = Int8Engine(resolve(str(folder)), tmp_path / "data", 1)
    with pytest.raises(EngineError, match=r"cannot run.*gelu_new.*transformers engine"):
        engine.load(lambda percent, text: None)
    assert not engine.converted_path.exists() and engine._model is None


def test_the_shape_refuses_what_the_network_cannot_run(tiny_model: Path) -> None:
    config = json.loads((tiny_model / "config.json").read_text())
    assert Shape.from_config(config).embed_scale == config["d_model"] ** 0.5
    assert Shape.from_config({**config, "scale_embedding": False}).embed_scale == 1.0
    with pytest.raises(ValueError, match="activation"):
        Shape.from_config({**config, "activation_function": "gelu_new"})


def test_settings_the_search_does_not_run_are_refused_with_their_name(
    engine: Int8Engine,
) -> None:
    from core.engines.blenderbot_search import UnsupportedSetting, prepared_config

    config = engine._model.generation_config
    assert prepared_config(config, {"num_beams": 3}).num_beams == 3
    with pytest.raises(UnsupportedSetting, match="typical_p"):
        prepared_config(config, {"typical_p": 0.5, "do_sample": True})
    with pytest.raises(UnsupportedSetting, match="unknown generation settings: colour"):
        prepared_config(config, {"colour": "blue"})
    with pytest.raises(UnsupportedSetting, match="several replies only from beam search"):
        prepared_config(config, {"num_beams": 1, "do_sample": True, "num_return_sequences": 2})


LOAD_AND_REPLY = """
import sys, threading
from pathlib import Path
from core.context import Turn
from core.engines.int8_engine import Int8Engine
from core.models import resolve
from core.settings import GenerationSettings
engine = Int8Engine(resolve(sys.argv[1]), Path(sys.argv[2]), 1)
engine.load(lambda percent, text: None)
for settings in (GenerationSettings(), GenerationSettings(num_beams=1, do_sample=False)):
    assert engine.generate([Turn("user", "Hi there")], settings, lambda d: None,
                           threading.Event()).tokens
heavy = ("transformers.generation.utils", "transformers.modeling_utils",
         "transformers.activations", "torch._dynamo", "torch.distributed.tensor")
print([name for name in heavy if name in sys.modules])
"""


def test_the_fast_engine_never_imports_transformers_model_or_generation_code(
    tiny_model: Path, tmp_path: Path
) -> None:
    """In a fresh process (the suite has imported them): load from a conversion, reply."""
    Int8Engine(resolve(str(tiny_model)), tmp_path, 1).load(lambda p, t: None)  # converts
    root = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_REPLY, str(tiny_model), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_model_whose_own_settings_the_search_cannot_run_is_refused_at_load(
    tiny_model: Path, tmp_path: Path
) -> None:
    """Before every reply would fail: the engine names the setting and the way out."""
    import shutil

    from core.engines.base import EngineError

    folder = shutil.copytree(tiny_model, tmp_path / "typical")
    path = folder / "generation_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "typical_p": 0.5}))
    for quantization in ("int8", "float32"):
        engine = Int8Engine(resolve(str(folder)), tmp_path / "data", 1, quantization=quantization)
        with pytest.raises(EngineError, match=r"typical_p.*transformers engine"):
            engine.load(lambda percent, text: None)


@pytest.mark.parametrize("early_stopping", [False, True, "never"])
@pytest.mark.parametrize("length_penalty", [0.65, 1.0, -1.0])
def test_the_early_stop_check_is_transformers_own(
    early_stopping: bool | str, length_penalty: float
) -> None:
    """Whether an open beam may still beat the finished ones, on random scores: the port
    against ``GenerationMixin._check_early_stop_heuristic`` itself."""
    from transformers.generation.utils import GenerationMixin

    from core.engines.blenderbot_search import early_stop_unsatisfied

    generator = torch.Generator().manual_seed(7)
    for _ in range(50):
        running = -torch.rand((1, 4), generator=generator) * 30
        scores = -torch.rand((1, 4), generator=generator) * 3
        finished = torch.rand((1, 4), generator=generator) > 0.5
        improvable = torch.rand((1, 1), generator=generator) > 0.2
        cur_len = int(torch.randint(2, 40, (1,), generator=generator))
        arguments = (improvable, running, scores, finished, cur_len, 60, 1)
        expected = GenerationMixin._check_early_stop_heuristic(
            *arguments, early_stopping=early_stopping, length_penalty=length_penalty
        )
        got = early_stop_unsatisfied(*arguments, early_stopping, length_penalty)
        assert torch.equal(got, expected)

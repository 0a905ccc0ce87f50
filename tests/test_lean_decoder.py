"""The fast engine's own decoding step and its beam cache, on a tiny real model.

The replies themselves are compared with transformers' in ``test_int8_engine`` (float32
token for token, int8 on most tokens); these tests show that the lean step is the one that
runs, that it computes what transformers' decoder computes, and that the cache's slots hold
what a reorder of every row would.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import torch

from core.context import Turn
from core.engines.int8_engine import Int8Engine
from core.engines.lean_decoder import LeanDecoder
from core.engines.reply_cache import PreallocatedLayer, ReplyCache, reply_cache
from core.models import resolve
from core.settings import GenerationSettings

TURNS = [Turn("user", "I love dogs and cats. Do you have any pets at home?")]
BEAM = GenerationSettings(num_beams=6, min_length=24, max_length=24)


@pytest.fixture(scope="module")
def engine(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Int8Engine:
    engine = Int8Engine(
        resolve(str(tiny_model)), tmp_path_factory.mktemp("lean"), 1, quantization="float32"
    )
    engine.load(lambda percent, text: None)
    return engine


def lean_of(engine: Int8Engine) -> LeanDecoder:
    lean = engine._model.get_decoder().__dict__["forward"]
    assert isinstance(lean, LeanDecoder)
    return lean


def test_a_beam_reply_takes_the_lean_step_and_moves_only_the_rows_it_must(
    engine: Int8Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = {"steps": 0, "whole reorders": 0, "rows copied": 0}
    step, copy_rows = LeanDecoder.step, PreallocatedLayer.copy_rows

    def counted_step(self: LeanDecoder, *args: Any) -> torch.Tensor:
        counts["steps"] += 1
        return step(self, *args)

    def counted_copy(self: PreallocatedLayer, sources: list[int], targets: list[int]) -> None:
        counts["rows copied"] += len(targets)
        copy_rows(self, sources, targets)

    def counted_reorder(self: PreallocatedLayer, beam_idx: torch.Tensor) -> None:
        counts["whole reorders"] += 1

    monkeypatch.setattr(LeanDecoder, "step", counted_step)
    monkeypatch.setattr(PreallocatedLayer, "copy_rows", counted_copy)
    monkeypatch.setattr(PreallocatedLayer, "reorder_cache", counted_reorder)
    engine.generate(TURNS, BEAM, lambda d: None, threading.Event())
    assert counts["steps"] == 23  # every step of the 24 tokens but the start token
    assert counts["whole reorders"] == 0
    layers, beams, steps = 4, 6, 23
    assert 0 < counts["rows copied"] < layers * beams * steps / 2


def encoder_states(engine: Int8Engine, rows: int) -> Any:
    ids = torch.tensor([engine.fit(TURNS).input_ids])
    with torch.inference_mode():
        states = engine._model.get_encoder()(input_ids=ids).last_hidden_state
    return states.expand(rows, -1, -1).contiguous()


def test_the_lean_step_computes_what_transformers_decoder_does(engine: Int8Engine) -> None:
    """Four steps of six beams with shuffled parents: the same hidden states, both ways."""
    lean = lean_of(engine)
    encoder = encoder_states(engine, 6)
    generator = torch.Generator().manual_seed(3)
    theirs, ours = reply_cache(16), reply_cache(16)
    ids = torch.full((6, 1), 1)
    with torch.inference_mode():
        for step in range(4):
            expected = lean.original(
                input_ids=ids, encoder_hidden_states=encoder, past_key_values=theirs, use_cache=True
            ).last_hidden_state
            got = lean(input_ids=ids, encoder_hidden_states=encoder, past_key_values=ours)
            assert torch.allclose(got.last_hidden_state, expected, atol=1e-5), step
            parents = torch.randint(0, 6, (6,), generator=generator)
            theirs.rows_in_beam_order()
            theirs.self_attention_cache.reorder_cache(parents)  # type: ignore[arg-type]  # transformers' way: every row
            ours.reorder_cache(parents)
            ids = torch.randint(4, 100, (6, 1), generator=generator)
    assert ours.slot_of_beam is not None  # the test did shuffle the slots


def test_steps_outside_the_lean_case_go_through_transformers(engine: Int8Engine) -> None:
    lean = lean_of(engine)
    encoder = encoder_states(engine, 2)
    one = torch.full((2, 1), 1)
    step = {"input_ids": one, "encoder_hidden_states": encoder, "past_key_values": reply_cache(8)}
    assert lean.takes({**arguments(), **step})
    padded = torch.ones(encoder.shape[:2], dtype=torch.long)
    padded[:, -1] = 0
    for unlike in (
        {"input_ids": torch.full((2, 3), 1)},  # a continuation's prefix
        {"encoder_attention_mask": padded},
        {"attention_mask": torch.ones(2, 1)},
        {"past_key_values": None},
        {"output_attentions": True},
    ):
        assert not lean.takes({**arguments(), **step, **unlike}), unlike


def arguments() -> dict[str, Any]:
    names = ("attention_mask", "encoder_attention_mask", "inputs_embeds", "use_cache")
    return dict.fromkeys(names)


def keys_of(cache: ReplyCache) -> Any:
    return cache.self_attention_cache.layers[0].keys  # type: ignore[union-attr]


def physical_keys(cache: ReplyCache) -> Any:
    keys = keys_of(cache)
    _, slot_of_beam = cache.slot_order()
    return keys if slot_of_beam is None else keys.index_select(0, slot_of_beam)


@pytest.mark.parametrize("seed", range(4))
def test_slots_hold_what_reordering_every_row_would(seed: int) -> None:
    """Random parents, a reply past the planned capacity, and a return to beam order."""
    generator = torch.Generator().manual_seed(seed)
    beams = 5
    every_row, slotted = reply_cache(3), reply_cache(3)
    for step in range(9):
        keys = torch.randn(beams, 2, 1, 4, generator=generator)
        values = torch.randn(beams, 2, 1, 4, generator=generator)
        every_row.self_attention_cache.update(keys, values, 0)
        beam_of_slot, _ = slotted.slot_order()
        if beam_of_slot is not None:
            keys, values = keys.index_select(0, beam_of_slot), values.index_select(0, beam_of_slot)
        slotted.self_attention_cache.update(keys, values, 0)
        parents = torch.randint(0, beams, (beams,), generator=generator)
        every_row.self_attention_cache.reorder_cache(parents)  # type: ignore[arg-type]
        slotted.reorder_cache(parents)
        assert torch.equal(physical_keys(slotted), keys_of(every_row))
        if step == 5:
            slotted.rows_in_beam_order()
            assert slotted.slot_of_beam is None
            assert torch.equal(
                keys_of(slotted),
                keys_of(every_row),
            )


def test_a_beam_with_one_child_each_copies_nothing() -> None:
    cache = reply_cache(4)
    cache.self_attention_cache.update(torch.randn(3, 1, 1, 2), torch.randn(3, 1, 1, 2), 0)
    cache.reorder_cache(torch.tensor([2, 0, 1]))
    assert cache.slot_of_beam == [2, 0, 1]
    cache.reorder_cache(torch.tensor([0, 0, 2]))  # beam 1 ends; beam 0 has two children
    assert cache.slot_of_beam is not None and cache.slot_of_beam[0] == 2
    assert sorted(cache.slot_of_beam) == [0, 1, 2]


def test_bfloat16_keys_and_values_are_widened_for_the_attention() -> None:
    cache = reply_cache(6, torch.bfloat16)
    keys, values = torch.randn(3, 2, 1, 4), torch.randn(3, 2, 1, 4)
    cache.self_attention_cache.update(keys, values, 0)
    cache.self_attention_cache.update(keys * 2, values * 2, 0)
    layer: Any = cache.self_attention_cache.layers[0]
    assert layer.key_buffer.dtype == torch.bfloat16  # half the memory of float32
    wide_keys, wide_values = layer.float_views()
    assert wide_keys.dtype == wide_values.dtype == torch.float32
    assert wide_keys.shape == (3, 2, 2, 4)
    assert torch.equal(wide_keys[:, :, 1:], (keys * 2).to(torch.bfloat16).float())
    assert torch.allclose(wide_values[:, :, :1], values, rtol=1e-2)


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
    update = PreallocatedLayer.update

    def recorded(self: PreallocatedLayer, *args: Any, **kwargs: Any) -> Any:
        kept.append(self.key_buffer.dtype if self.is_initialized else None)
        return update(self, *args, **kwargs)

    monkeypatch.setattr(PreallocatedLayer, "update", recorded)
    greedy = GenerationSettings(num_beams=1, do_sample=False, min_length=30, max_length=30)
    input_ids = fast.fit(TURNS).input_ids
    float32 = fast.token_ids(input_ids, greedy)
    assert torch.float32 in kept and torch.bfloat16 not in kept
    kept.clear()
    monkeypatch.setattr(int8_engine, "KV_FLOAT32_MAX", 0)
    bfloat16 = fast.token_ids(input_ids, greedy)
    assert torch.bfloat16 in kept and torch.float32 not in kept
    expected = reference.token_ids(input_ids, greedy)
    assert sum(a == b for a, b in zip(bfloat16, expected, strict=True)) >= 0.9 * len(expected)
    assert sum(a == b for a, b in zip(bfloat16, float32, strict=True)) >= 0.9 * len(float32)
    beam = fast.generate(TURNS, BEAM, lambda d: None, threading.Event())
    assert beam.text

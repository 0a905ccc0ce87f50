"""Generation settings: round trips (old transcripts included), presets, causal defaults,
validation against a model's limits, and the remembered reply style."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from core import transcript as transcript_module
from core.settings import (
    CAUSAL_MAX_NEW_TOKENS,
    CAUSAL_REPETITION_PENALTY,
    CUSTOM_PRESET,
    DEFAULT_PRESET,
    PRESETS,
    GenerationSettings,
    ModelLimits,
    causal_defaults,
    model_defaults,
    validate,
)

DATA = Path(__file__).parent / "data"
BLENDERBOT = ModelLimits(128, is_seq2seq=True)
CAUSAL = ModelLimits(2048, is_seq2seq=False)
BLENDERBOT_DEFAULTS = {"num_beams": 10, "min_length": 20, "max_length": 60}
EVERYTHING = GenerationSettings(
    num_beams=4,
    do_sample=True,
    temperature=0.7,
    top_p=0.95,
    min_length=5,
    max_length=40,
    length_penalty=0.65,
    no_repeat_ngram_size=3,
    encoder_no_repeat_ngram_size=3,
    top_k=40,
    repetition_penalty=1.2,
    seed=1234,
    max_new_tokens=100,
)


# -- round trips --------------------------------------------------------------------------------
def test_every_field_round_trips_through_overrides_and_json() -> None:
    data = json.loads(json.dumps(EVERYTHING.overrides()))
    assert GenerationSettings.from_dict(data) == EVERYTHING
    assert set(data) >= {"top_k", "repetition_penalty", "seed", "max_new_tokens"}


def test_none_means_the_model_default_and_is_not_stored() -> None:
    assert GenerationSettings().overrides() == {}
    assert GenerationSettings(top_k=0, seed=0).overrides() == {"top_k": 0, "seed": 0}


def test_values_of_the_wrong_type_are_ignored() -> None:
    settings = GenerationSettings.from_dict(
        {
            "top_k": "5",
            "repetition_penalty": 2,  # an int is a float here
            "seed": -3,
            "max_new_tokens": True,
            "temperature": "hot",
            "unknown": 1,
        }
    )
    assert settings == GenerationSettings(repetition_penalty=2.0)
    assert isinstance(settings.repetition_penalty, float)


def test_an_old_transcript_opens_with_its_settings_unchanged() -> None:
    text = (DATA / "handwritten.confab.json").read_text("utf-8")
    stored = json.loads(text)["model"]["settings"]
    loaded = transcript_module.loads(text).transcript
    assert loaded.settings == GenerationSettings(
        num_beams=1, do_sample=True, temperature=0.8, top_p=0.9
    )
    assert loaded.settings.top_k is None and loaded.settings.seed is None
    # Saved again, it stores exactly what it stored before: no new keys.
    assert transcript_module.to_json_dict(loaded)["model"]["settings"] == stored


def test_a_transcript_keeps_the_new_settings() -> None:
    text = (DATA / "handwritten.confab.json").read_text("utf-8")
    loaded = transcript_module.loads(text).transcript
    loaded.settings = EVERYTHING
    again = transcript_module.loads(transcript_module.dumps(loaded)).transcript
    assert again.settings == EVERYTHING


# -- presets ------------------------------------------------------------------------------------
def test_the_presets_keep_their_names_and_meanings() -> None:
    assert list(PRESETS) == [
        "Best (model default)",
        "Fast (greedy, streams)",
        "Creative (sampling, streams)",
    ]
    assert DEFAULT_PRESET == "Best (model default)" and CUSTOM_PRESET not in PRESETS
    assert PRESETS["Best (model default)"].overrides() == {}
    assert PRESETS["Fast (greedy, streams)"].overrides() == {"num_beams": 1, "do_sample": False}
    creative = PRESETS["Creative (sampling, streams)"]
    assert creative.do_sample is True and creative.num_beams == 1
    for settings in PRESETS.values():
        assert validate(settings, BLENDERBOT, BLENDERBOT_DEFAULTS) == {}
        assert validate(settings, CAUSAL, model_defaults({}, False)) == {}


# -- causal defaults ----------------------------------------------------------------------------
def test_causal_models_get_defaults_where_their_config_has_none() -> None:
    assert causal_defaults() == {
        "repetition_penalty": CAUSAL_REPETITION_PENALTY,
        "max_new_tokens": CAUSAL_MAX_NEW_TOKENS,
    }
    assert 1.0 < CAUSAL_REPETITION_PENALTY <= 1.3
    merged = model_defaults({"eos_token_id": 2}, is_seq2seq=False)
    assert merged == {"eos_token_id": 2, **causal_defaults()}
    own = model_defaults({"repetition_penalty": 1.05, "max_new_tokens": 64}, is_seq2seq=False)
    assert own == {"repetition_penalty": 1.05, "max_new_tokens": 64}  # the model's own win


def test_seq2seq_models_get_no_causal_defaults() -> None:
    assert model_defaults(BLENDERBOT_DEFAULTS, is_seq2seq=True) == BLENDERBOT_DEFAULTS


def test_model_limits_come_from_the_architecture() -> None:
    assert ModelLimits.of(128, "BlenderbotForConditionalGeneration") == BLENDERBOT
    assert ModelLimits.of(2048, "llama (GGUF)") == CAUSAL
    assert ModelLimits() == BLENDERBOT


# -- validation ---------------------------------------------------------------------------------
def problems(limits: ModelLimits = BLENDERBOT, **values: object) -> dict[str, str]:
    defaults = BLENDERBOT_DEFAULTS if limits.is_seq2seq else model_defaults({}, False)
    return validate(GenerationSettings(**values), limits, defaults)  # type: ignore[arg-type]


def test_good_settings_have_no_problems() -> None:
    assert problems() == {}
    assert validate(EVERYTHING, BLENDERBOT, BLENDERBOT_DEFAULTS) == {}
    assert validate(EVERYTHING, CAUSAL, model_defaults({}, False)) == {}


@pytest.mark.parametrize("length", [129, 500])
def test_max_length_never_exceeds_the_position_limit(length: int) -> None:
    found = problems(max_length=length)
    assert set(found) == {"max_length"} and "128" in found["max_length"]
    assert problems(max_length=128) == {}
    assert "2048" in problems(CAUSAL, max_length=4096)["max_length"]


def test_max_length_is_at_least_one() -> None:
    assert "max_length" in problems(max_length=0)


def test_min_length_may_not_exceed_max_length() -> None:
    found = problems(min_length=50, max_length=40)
    assert set(found) == {"min_length"} and "40" in found["min_length"]
    assert problems(min_length=40, max_length=40) == {}
    # against the model's own maximum (60 for BlenderBot)
    assert "60" in problems(min_length=61)["min_length"]
    assert problems(min_length=59) == {}


def test_a_maximum_below_the_models_minimum_is_explained() -> None:
    found = problems(max_length=10)  # BlenderBot's min_length is 20
    assert set(found) == {"max_length"} and "20" in found["max_length"]


def test_a_causal_models_lengths_count_new_tokens() -> None:
    assert "max_new_tokens" in problems(CAUSAL, max_new_tokens=5000)
    assert "max_new_tokens" in problems(CAUSAL, max_new_tokens=0)
    assert problems(CAUSAL, max_new_tokens=512) == {}
    assert "min_length" in problems(CAUSAL, min_length=300)  # above the 256 default
    assert problems(CAUSAL, min_length=300, max_new_tokens=400) == {}
    assert problems(max_new_tokens=5000) == {}  # BlenderBot does not use it


def test_temperature_must_be_above_zero_when_sampling() -> None:
    found = problems(do_sample=True, temperature=0.0)
    assert set(found) == {"temperature"} and "sampling" in found["temperature"]
    assert problems(do_sample=False, temperature=0.0) == {}  # greedy ignores it
    assert "temperature" in problems(temperature=-0.5)
    assert "temperature" in problems(temperature=math.nan)
    assert problems(do_sample=True, temperature=0.01) == {}


@pytest.mark.parametrize("top_p", [0.0, -0.1, 1.01])
def test_top_p_is_a_share(top_p: float) -> None:
    assert set(problems(top_p=top_p)) == {"top_p"}
    assert problems(top_p=1.0) == {} and problems(top_p=0.05) == {}


def test_top_k_is_not_negative() -> None:
    assert set(problems(top_k=-1)) == {"top_k"}
    assert problems(top_k=0) == {} and problems(top_k=50) == {}


def test_a_repetition_penalty_below_one_is_explained() -> None:
    found = problems(repetition_penalty=0.9)
    assert set(found) == {"repetition_penalty"}
    assert "1.0" in found["repetition_penalty"] and "repeat" in found["repetition_penalty"]
    assert problems(repetition_penalty=1.0) == {} and problems(repetition_penalty=1.3) == {}


@pytest.mark.parametrize("beams", [0, 17, 100])
def test_beams_are_1_to_16(beams: int) -> None:
    assert set(problems(num_beams=beams)) == {"num_beams"}
    assert problems(num_beams=1) == {} and problems(num_beams=16) == {}


@pytest.mark.parametrize("size", [1, 11, -1])
def test_no_repeat_ngram_sizes_are_reasonable(size: int) -> None:
    assert set(problems(no_repeat_ngram_size=size)) == {"no_repeat_ngram_size"}
    assert set(problems(encoder_no_repeat_ngram_size=size)) == {"encoder_no_repeat_ngram_size"}
    for good in (0, 2, 3, 10):
        assert problems(no_repeat_ngram_size=good) == {}


def test_a_seed_is_not_negative() -> None:
    assert set(problems(seed=-1)) == {"seed"}
    assert problems(seed=0) == {} and problems(seed=2**32) == {}


def test_every_problem_is_reported_at_once() -> None:
    found = problems(num_beams=0, top_p=2.0, top_k=-1, repetition_penalty=0.5, seed=-2)
    assert set(found) == {"num_beams", "top_p", "top_k", "repetition_penalty", "seed"}
    assert all(text.strip() for text in found.values())


# -- the remembered reply style -----------------------------------------------------------------
def test_the_app_remembers_a_user_preset_or_custom_settings(tmp_path: Path) -> None:
    from gui.app_settings import AppSettings

    settings = AppSettings(tmp_path)
    assert settings.preset == DEFAULT_PRESET and settings.generation == GenerationSettings()
    settings.preset = "Fast (greedy, streams)"
    assert settings.generation == PRESETS["Fast (greedy, streams)"]
    settings.user_presets = {"Mine": {"top_k": 5, "seed": 3}}
    settings.preset = "Mine"
    settings.custom_generation = EVERYTHING
    settings.sync()
    again = AppSettings(tmp_path)
    assert again.preset == "Mine"
    assert again.generation == GenerationSettings(top_k=5, seed=3)
    again.preset = CUSTOM_PRESET
    assert AppSettings(tmp_path).generation == EVERYTHING


def test_an_unknown_or_damaged_style_falls_back_to_the_default(tmp_path: Path) -> None:
    from gui.app_settings import AppSettings

    settings = AppSettings(tmp_path)
    settings.preset = "Deleted preset"
    assert settings.preset == DEFAULT_PRESET and settings.generation == GenerationSettings()
    settings.preset = CUSTOM_PRESET
    settings._store.setValue("generation/custom", "{not json")
    assert settings.generation == GenerationSettings()

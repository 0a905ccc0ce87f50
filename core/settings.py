"""Generation settings as data: what the user may change, the presets they pick from, and
whether a set of values makes sense for a model.

``None`` in a field means "the model's own default" (its ``generation_config.json``), so the
default preset reproduces exactly what the model was tuned with (beam 10 for BlenderBot).

Causal chat models often ship a generation config that says nothing about repetition or
reply length; left at transformers' defaults a small one (SmolLM2) loops on one sentence
until the token limit. ``causal_defaults`` are the values the engine uses for such a model
where its generation config gives none (``model_defaults`` merges them); seq2seq models
(BlenderBot) never get them, so their replies stay exactly what the model config makes.

``validate`` explains every value that cannot work with a model (``ModelLimits``), field by
field, in words for the user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings; ``None`` leaves a value to the model's generation config.

    ``seed`` seeds torch's random generator before each reply (sampling gives the same reply
    for the same input). ``max_new_tokens`` is for causal models only: the reply's length
    in tokens (``max_length`` is its older name there; seq2seq models ignore it).
    """

    num_beams: int | None = None
    do_sample: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    encoder_no_repeat_ngram_size: int | None = None
    top_k: int | None = None
    repetition_penalty: float | None = None
    seed: int | None = None
    max_new_tokens: int | None = None

    def overrides(self) -> dict[str, Any]:
        """The fields that are set: generate()'s keyword arguments, and what a transcript keeps."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationSettings:
        """Build from a dict, ignoring unknown keys and values of the wrong type."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if value is None:
                continue
            if f.name == "do_sample":
                if isinstance(value, bool):
                    kwargs[f.name] = value
            elif f.name in FLOAT_FIELDS:
                if isinstance(value, int | float) and not isinstance(value, bool):
                    kwargs[f.name] = float(value)
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                kwargs[f.name] = value
        return cls(**kwargs)

    def merged_over(self, defaults: Mapping[str, Any]) -> dict[str, Any]:
        """The effective settings: model defaults with these overrides applied."""
        merged = {f.name: defaults.get(f.name) for f in fields(self)}
        merged.update(self.overrides())
        return merged

    def with_changes(self, **changes: Any) -> GenerationSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)


FLOAT_FIELDS = frozenset({"temperature", "top_p", "length_penalty", "repetition_penalty"})
"""The fields that hold floats; ``do_sample`` holds a bool, every other field an int."""

BEST_PRESET = "Best (model default)"
FAST_PRESET = "Fast (greedy, streams)"
CREATIVE_PRESET = "Creative (sampling, streams)"
CUSTOM_PRESET = "Custom"  # settings that match no preset (never a key of PRESETS)

PRESETS: dict[str, GenerationSettings] = {
    BEST_PRESET: GenerationSettings(),  # the model's own generation config
    FAST_PRESET: GenerationSettings(num_beams=1, do_sample=False),  # greedy
    CREATIVE_PRESET: GenerationSettings(num_beams=1, do_sample=True, temperature=0.8, top_p=0.9),
}
DEFAULT_PRESET = BEST_PRESET


def streams(effective: Mapping[str, Any]) -> bool:
    """Whether a reply with these effective settings can be streamed token by token."""
    return (effective.get("num_beams") or 1) == 1


# -- model-dependent defaults -------------------------------------------------------------------
CAUSAL_MAX_NEW_TOKENS = 256
CAUSAL_REPETITION_PENALTY = 1.15


def causal_defaults() -> dict[str, Any]:
    """Defaults for a causal model whose generation config gives none of these values.

    A repetition penalty of 1.15 keeps small chat models (SmolLM2) from repeating one
    sentence until the token limit, as they do at transformers' 1.0; 256 new tokens is a
    long chat reply.
    """
    return {
        "repetition_penalty": CAUSAL_REPETITION_PENALTY,
        "max_new_tokens": CAUSAL_MAX_NEW_TOKENS,
    }


def model_defaults(generation_defaults: Mapping[str, Any], is_seq2seq: bool) -> dict[str, Any]:
    """What a model decodes with when no setting is overridden.

    ``generation_defaults``: the model's generation config (``ModelInfo.generation_defaults``).
    A causal model gets ``causal_defaults`` for every key its config lacks; a seq2seq model's
    config is used as it is.
    """
    merged = dict(generation_defaults)
    if not is_seq2seq:
        for key, value in causal_defaults().items():
            merged.setdefault(key, value)
    return merged


# -- validation ---------------------------------------------------------------------------------
MAX_BEAMS = 16
MAX_NO_REPEAT_NGRAM = 10
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class ModelLimits:
    """What a model allows: its position limit (tokens) and whether it is a seq2seq model.

    The default is BlenderBot's: 128 positions, seq2seq.
    """

    context_limit: int = 128
    is_seq2seq: bool = True

    @classmethod
    def of(cls, context_limit: int, architecture: str) -> ModelLimits:
        """The limits of a loaded model, from ``ModelInfo.context_limit`` and ``.architecture``."""
        from core.models import SEQ2SEQ_ARCHITECTURES

        return cls(context_limit, architecture in SEQ2SEQ_ARCHITECTURES)


def validate(
    settings: GenerationSettings,
    limits: ModelLimits,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Every value of ``settings`` that cannot work, as field name -> an explanation.

    Only fields that are set are checked; a value that conflicts with another is reported
    on the field that is set (the other may be the model's default, from ``defaults``: the
    model's generation defaults, as ``model_defaults`` gives them). Empty when all is well.
    """
    problems: dict[str, str] = {}
    values = settings.overrides()
    effective = settings.merged_over(defaults or {})
    limit = limits.context_limit

    def check(field: str, problem: str | None) -> None:
        if problem is not None and field in values and field not in problems:
            problems[field] = problem

    for name in FLOAT_FIELDS:
        value = values.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            problems[name] = "Must be a number."

    beams = values.get("num_beams")
    if beams is not None and not 1 <= beams <= MAX_BEAMS:
        check(
            "num_beams",
            f"Between 1 (greedy or sampling, streams) and {MAX_BEAMS}; "
            "more beams take much longer and rarely give a better reply.",
        )

    max_length = values.get("max_length")
    what = "the decoder's" if limits.is_seq2seq else "the model's"
    if max_length is not None:
        if max_length < 1:
            check("max_length", "At least 1 token.")
        elif max_length > limit:
            check(
                "max_length",
                f"At most {limit}: {what} position limit; a longer reply cannot be made.",
            )
    new_tokens = values.get("max_new_tokens")
    if new_tokens is not None and not limits.is_seq2seq:
        if new_tokens < 1:
            check("max_new_tokens", "At least 1 token.")
        elif new_tokens > limit:
            check("max_new_tokens", f"At most {limit}: the model's position limit.")

    min_length = values.get("min_length")
    if min_length is not None:
        if min_length < 0:
            check("min_length", "0 or more tokens.")
        longest = _longest_reply(effective, limits)
        if longest is not None and min_length > longest:
            source = "the maximum length" if limits.is_seq2seq else "the reply's token limit"
            check("min_length", f"Not more than {source} ({longest}).")
        elif min_length >= limit:
            check("min_length", f"Below {limit}: the model's position limit.")
    elif max_length is not None or new_tokens is not None:  # the model's minimum vs. a new maximum
        longest = _longest_reply(effective, limits)
        least = effective.get("min_length")
        if longest is not None and isinstance(least, int) and least > longest:
            field = "max_length" if limits.is_seq2seq or new_tokens is None else "max_new_tokens"
            check(field, f"Not less than the model's minimum length ({least}).")

    temperature = values.get("temperature")
    if temperature is not None:
        if temperature < 0:
            check("temperature", "Must be above 0; 1 samples as the model predicts.")
        elif temperature == 0 and effective.get("do_sample"):
            check(
                "temperature",
                "Must be above 0 when sampling (0 would mean always the likeliest word: "
                "turn sampling off for that).",
            )

    top_p = values.get("top_p")
    if top_p is not None and not 0 < top_p <= 1:
        check("top_p", "Above 0 and at most 1: the share of likely words sampled from.")

    top_k = values.get("top_k")
    if top_k is not None and top_k < 0:
        check("top_k", "0 (no limit) or more: how many of the likeliest words are sampled from.")

    penalty = values.get("repetition_penalty")
    if penalty is not None and penalty < 1.0:
        check(
            "repetition_penalty",
            "At least 1.0: below 1 rewards repeating words, and the bot loops; 1.0 is off, "
            "1.1-1.3 discourages repeats.",
        )

    for name, what_repeats in (
        ("no_repeat_ngram_size", "the reply"),
        ("encoder_no_repeat_ngram_size", "the conversation"),
    ):
        size = values.get(name)
        if size is not None and (size < 0 or size == 1 or size > MAX_NO_REPEAT_NGRAM):
            check(
                name,
                f"0 (off) or 2 to {MAX_NO_REPEAT_NGRAM}: no run of that many tokens of "
                f"{what_repeats} is repeated (1 would forbid any token twice).",
            )

    seed = values.get("seed")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        check("seed", "A whole number, 0 or more.")
    return problems


def _longest_reply(effective: Mapping[str, Any], limits: ModelLimits) -> int | None:
    """The length limit that ``min_length`` must not exceed, if one is known."""
    if limits.is_seq2seq:
        value = effective.get("max_length")
    else:
        value = effective.get("max_new_tokens") or effective.get("max_length")
    return value if isinstance(value, int) else None

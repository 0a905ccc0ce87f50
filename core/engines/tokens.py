"""The text side both engines share: transformers' tokenizer, quiet, and turns -> input ids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.context import ContextWindow, Turn, fit_context
from core.engines.base import EngineError
from core.models import ModelFolder


def quiet_transformers(transformers: Any) -> None:
    """No warnings or progress bars from transformers: the app shows its own progress."""
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def encode(tokenizer: Any, text: str) -> list[int]:
    """Token ids of ``text`` without special tokens."""
    ids: list[int] = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids


def fit_seq2seq(
    tokenizer: Any, folder: ModelFolder, turns: Sequence[Turn], persona: str
) -> ContextWindow:
    """BlenderBot-style input for ``turns``: the newest turns that fit, ending in ``</s>``."""
    if tokenizer is None:
        raise EngineError("The model is not loaded yet.")
    return fit_context(
        turns,
        lambda text: encode(tokenizer, text),
        folder.context_limit,
        tokenizer.eos_token_id,
        persona,
    )


def count_content_tokens(tokenizer: Any, ids: Sequence[int]) -> int:
    """How many of ``ids`` are reply tokens rather than special tokens."""
    special = set(tokenizer.all_special_ids)
    return sum(1 for token in ids if token not in special)

"""Engine choice: which engine runs a model, and how many CPU threads it may use."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from core.engines.base import Engine, EngineError
from core.models import ModelFolder

log = logging.getLogger(__name__)

EngineChoice = Literal["auto", "transformers", "fast"]
ENGINE_CHOICES: tuple[EngineChoice, ...] = ("auto", "transformers", "fast")


def default_threads() -> int:
    """CPU threads for inference: all cores but one on larger machines, so the GUI stays smooth."""
    cores = os.cpu_count() or 1
    return cores if cores <= 2 else cores - 1


def create_engine(
    choice: EngineChoice, folder: ModelFolder, data_dir: Path, threads: int
) -> Engine:
    """An engine for ``folder``; nothing heavy is imported until its ``load``.

    ``fast`` is transformers with int8 linear layers (BlenderBot models); ``auto`` picks it
    for the models it runs, and the transformers reference engine (float32) for the others.
    """
    if choice not in ENGINE_CHOICES:
        raise EngineError(f"Unknown engine '{choice}'; choose one of {', '.join(ENGINE_CHOICES)}.")
    if choice != "transformers":
        from core.engines import int8_engine

        if int8_engine.supports(folder):
            return int8_engine.Int8Engine(folder, data_dir, threads)
        if choice == "fast":
            raise EngineError(
                f"The fast engine runs BlenderBot models only; {folder.model_id} is a "
                f"{folder.architecture or 'model of another kind'}. "
                "Choose the transformers engine for it."
            )
    from core.engines.transformers_engine import TransformersEngine

    return TransformersEngine(folder, threads)

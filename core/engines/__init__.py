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

    ``fast`` is CTranslate2 with int8 weights (BlenderBot only); ``auto`` picks it when it can
    run the model and CTranslate2 loads, and the transformers reference engine otherwise.
    """
    if choice not in ENGINE_CHOICES:
        raise EngineError(f"Unknown engine '{choice}'; choose one of {', '.join(ENGINE_CHOICES)}.")
    if choice != "transformers":
        from core.engines import ctranslate2_engine as fast

        if choice == "fast":
            if not fast.supports(folder):
                raise EngineError(
                    f"The fast engine runs BlenderBot models only; {folder.model_id} is a "
                    f"{folder.architecture or 'model of another kind'}. "
                    "Choose the transformers engine for it."
                )
            fast.import_ctranslate2()  # raises EngineError saying why it is missing
            return fast.CTranslate2Engine(folder, data_dir, threads)
        if fast.supports(folder) and fast_engine_available():
            return fast.CTranslate2Engine(folder, data_dir, threads)
    from core.engines.transformers_engine import TransformersEngine

    return TransformersEngine(folder, threads)


def fast_engine_available() -> bool:
    """Whether CTranslate2 can be imported here (about 40 ms; it pulls in no torch)."""
    from core.engines import ctranslate2_engine as fast

    try:
        fast.import_ctranslate2()
    except EngineError as error:
        log.warning("%s", error)
        return False
    return True

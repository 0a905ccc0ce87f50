"""Engine choice: which engine runs a model, on which device, with how many CPU threads."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from core.devices import DEVICE_CPU, engine_for_device, resolve_device
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
    choice: EngineChoice,
    folder: ModelFolder,
    data_dir: Path,
    threads: int,
    device: str = DEVICE_CPU,
) -> Engine:
    """An engine for ``folder`` on ``device``; nothing heavy is imported until its ``load``.

    ``fast`` is transformers with int8 linear layers (BlenderBot models); ``auto`` picks it
    for the models it runs on the CPU, and the transformers reference engine for the others.
    ``device`` is a preference ("auto", "cpu", "mps", "cuda:N", see ``core.devices``); any
    other than "cpu" asks torch which GPUs there are (importing torch). The int8 engine runs
    on the CPU only: on a GPU, ``auto`` takes the transformers engine there, and ``fast``
    stays on the CPU.
    """
    if choice not in ENGINE_CHOICES:
        raise EngineError(f"Unknown engine '{choice}'; choose one of {', '.join(ENGINE_CHOICES)}.")
    from core.engines import int8_engine

    supported = int8_engine.supports(folder)
    kind, placement = engine_for_device(choice, supported, resolve_device(device))
    if kind == "fast":
        if supported:
            engine = int8_engine.Int8Engine(folder, data_dir, threads)
            engine.placement = placement  # always the CPU; its reason says why
            return engine
        raise EngineError(
            f"The fast engine runs BlenderBot models only; {folder.model_id} is a "
            f"{folder.architecture or 'model of another kind'}. "
            "Choose the transformers engine for it."
        )
    from core.engines.transformers_engine import TransformersEngine

    return TransformersEngine(folder, threads, placement)

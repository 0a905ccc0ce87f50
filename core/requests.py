"""What the app asks the model worker to do: load a model, measure a context, write a reply.

Requests are plain values that travel as signal arguments from the GUI thread to the worker.
Each reply request carries its own stop event: a Stop reaches exactly the reply it was meant
for, and a quick next send cannot undo it (one shared event, cleared by the next request,
could).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.context import Turn
from core.engines import EngineChoice
from core.servers import ServerConfig
from core.settings import GenerationSettings


@dataclass(frozen=True)
class LoadRequest:
    """Load ``reference`` (a hub id or a folder) with this engine, thread count and device.

    ``device`` is a preference: "auto", "cpu", "mps" or "cuda:N" (``core.devices``).
    ``server``: chat through this OpenAI-compatible server instead (``reference`` is then
    only what the status bar shows while it connects), with ``api_key`` (never in a repr).
    """

    reference: str
    engine_choice: EngineChoice
    threads: int
    device: str = "auto"
    server: ServerConfig | None = None
    api_key: str = field(default="", repr=False)


@dataclass(frozen=True)
class GenerateRequest:
    """A snapshot of a chat's dialogue and settings, and the event that stops its reply."""

    request_id: int
    turns: tuple[Turn, ...]
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    persona: str = ""
    avoid: tuple[str, ...] = ()  # Regenerate: replies already given, to give another one
    prefix: str = ""  # Continue: the reply so far, which the model carries on
    stop: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)

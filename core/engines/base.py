"""The one interface every inference engine implements, and the values it exchanges.

An engine is created cheaply (no heavy imports), then ``load`` runs in the worker thread,
imports what it needs, and reports progress through a plain callback. ``generate`` turns a
conversation into a reply; it calls ``on_text`` with each new piece of text when the settings
allow streaming, and checks ``stop`` at every decoding step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.context import ContextWindow, Turn
from core.settings import GenerationSettings

ProgressCallback = Callable[[int, str], None]
"""``progress(percent, text)``: percent in 0..100."""

TextCallback = Callable[[str], None]
"""``on_text(delta)``: a newly decoded piece of the reply."""


class EngineError(Exception):
    """A model could not be loaded or used; the message is shown to the user as it is."""


class GenerationCancelled(Exception):
    """``stop`` was set while a reply was being generated."""


@dataclass(frozen=True)
class ModelInfo:
    """What the app shows about a loaded model."""

    model_id: str
    path: str
    architecture: str
    engine: str
    context_limit: int
    parameters: int
    load_s: float
    generation_defaults: dict[str, Any] = field(default_factory=dict)
    reference: str = ""  # what was asked for: the hub id or folder path, as the user gave it
    device: str = "cpu"  # the torch device it runs on ("cpu", "cuda:0", "mps")
    device_reason: str = ""  # why that device, for the status bar (``core.devices``)


@dataclass(frozen=True)
class Reply:
    """A finished reply and how it was made."""

    text: str
    tokens: int
    reply_s: float
    first_token_s: float | None
    context: ContextWindow
    engine: str
    # More facts for the transcript, from engines that have them (a server's: the model
    # that answered, the host, ``cut`` when the token limit ended the reply, ``reasoning``).
    extra_meta: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """What a transcript stores about the reply."""
        return {
            "reply_s": round(self.reply_s, 3),
            "tokens": self.tokens,
            "engine": self.engine,
            **self.extra_meta,
        }


class Engine(Protocol):
    """A loaded (or loadable) model that turns dialogue into replies."""

    name: str

    def load(self, progress: ProgressCallback) -> ModelInfo:
        """Load tokenizer and weights; called once, in the worker thread."""
        ...

    def fit(self, turns: Sequence[Turn], persona: str = "") -> ContextWindow:
        """The model input these turns produce, within the context window."""
        ...

    def generate(
        self,
        turns: Sequence[Turn],
        settings: GenerationSettings,
        on_text: TextCallback,
        stop: threading.Event,
        persona: str = "",
        avoid: Sequence[str] = (),
        prefix: str = "",
    ) -> Reply:
        """Generate a reply to the newest turn; raises ``GenerationCancelled`` on stop.

        ``avoid``: replies already given (Regenerate); the reply is another one where the
        model can give one (the next beam of a beam search, or a new sample).
        ``prefix``: Continue: the start of the reply, which the model carries on; the
        reply's text (and each streamed piece) is only what it adds, so that
        ``prefix + reply.text`` is the whole reply (the new text may begin with a space)."""
        ...

"""Turns -> model input that fits the context window, and which turns were left out.

BlenderBot was trained on turns formatted as transformers 4.x's ``Conversation`` built them:
each user turn prefixed with one space, bot turns as they are, turns joined by two spaces,
the whole ending in ``</s>``. Its position embeddings stop at 128 tokens, and an input one
token longer raises ``IndexError`` inside the model, so fitting here is exact: every
candidate input is tokenized as the model will see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Encode = Callable[[str], list[int]]
TURN_SEPARATOR = "  "


@dataclass(frozen=True)
class Turn:
    """One dialogue turn as the model sees it."""

    role: str  # "user" or "assistant"
    text: str


@dataclass(frozen=True)
class ContextWindow:
    """The model input built from a conversation, and how much of it had to be left out."""

    input_ids: list[int]
    limit: int
    turns_total: int
    turns_kept: int
    truncated_newest: bool = False
    persona_kept: bool = True
    # When the newest turn is cut: how many of its tokens the input holds, and of how many.
    newest_seen: int = 0
    newest_tokens: int = 0
    # An engine that never sees token ids (a remote server) estimates the count instead;
    # ``input_ids`` is then empty and ``describe`` says "about".
    token_estimate: int | None = None

    @property
    def tokens_used(self) -> int:
        return len(self.input_ids) if self.token_estimate is None else self.token_estimate

    @property
    def turns_dropped(self) -> int:
        return self.turns_total - self.turns_kept

    def describe(self) -> str:
        """A status-bar line such as ``context 87/128 tokens; 2 earlier turns not seen``."""
        about = "" if self.token_estimate is None else "about "
        text = f"context {about}{self.tokens_used}/{self.limit} tokens"
        if self.turns_dropped:
            plural = "s" if self.turns_dropped != 1 else ""
            text += f"; {self.turns_dropped} earlier turn{plural} not seen by the bot"
        if self.truncated_newest:
            text += "; the newest message is cut to its last part"
        return text


def format_turn(turn: Turn) -> str:
    """A turn's text as BlenderBot was trained on it: user turns lead with a space."""
    return " " + turn.text if turn.role == "user" else turn.text


def join_turns(turns: Sequence[Turn], persona: str = "") -> str:
    """The model's input text (without ``</s>``) for these turns and persona."""
    parts = [format_persona(persona)] if persona.strip() else []
    parts.extend(format_turn(t) for t in turns)
    return TURN_SEPARATOR.join(parts)


def format_persona(persona: str) -> str:
    """Persona lines as in BlenderBot's training data: ``your persona: ...`` each."""
    lines = [line.strip() for line in persona.splitlines() if line.strip()]
    return "\n".join(
        line if line.lower().startswith("your persona:") else f"your persona: {line}"
        for line in lines
    )


def fit_context(
    turns: Sequence[Turn],
    encode: Encode,
    limit: int,
    eos_id: int | None,
    persona: str = "",
) -> ContextWindow:
    """Keep the newest whole turns whose formatted text, plus ``</s>``, fits in ``limit`` tokens.

    The persona is kept when it fits together with the newest turn. If the newest turn alone
    is too long, its *last* tokens are kept (the end of a message is what a reply answers).
    ``encode`` must return ids without special tokens; ``</s>`` is appended here.
    """
    if limit < 2:
        raise ValueError(f"context limit {limit} is too small")
    tail = [eos_id] if eos_id is not None else []
    budget = limit - len(tail)
    if not turns:
        return ContextWindow(tail, limit, 0, 0, persona_kept=not persona.strip())

    kept_ids: list[int] | None = None
    kept = 0
    for count in range(1, len(turns) + 1):
        ids = encode(join_turns(turns[-count:]))
        if len(ids) > budget:
            break
        kept_ids, kept = ids, count

    if kept_ids is None:
        newest = encode(format_turn(turns[-1]))
        seen = newest[-budget:]
        return ContextWindow(seen + tail, limit, len(turns), 1, True, False, len(seen), len(newest))

    persona_kept = not persona.strip()
    if persona.strip():
        with_persona = encode(join_turns(turns[-kept:], persona))
        while len(with_persona) > budget and kept > 1:
            kept -= 1
            with_persona = encode(join_turns(turns[-kept:], persona))
        if len(with_persona) <= budget:
            kept_ids, persona_kept = with_persona, True
        else:
            kept_ids = encode(join_turns(turns[-kept:]))
    return ContextWindow(kept_ids + tail, limit, len(turns), kept, False, persona_kept)

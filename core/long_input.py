"""How much of a long message the bot will see, estimated cheaply while it is being typed.

Issue 12, problem 8: a 20,000-character paste was sent with no warning that the bot sees
only its end. The exact count needs the model's tokenizer, which lives in the worker thread
and costs too much to run on every keystroke over a pasted book; this estimate needs only
the characters, so the input box can show it on the GUI thread. The numbers are rough
("~"): they say whether the message is past the model's context, and by about how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.models import SEQ2SEQ_ARCHITECTURES
from core.settings import CAUSAL_MAX_NEW_TOKENS

# English BPE vocabularies average about four characters per token; a character outside
# ASCII (CJK, emoji, most accents) usually costs a token of its own or more.
CHARS_PER_ASCII_TOKEN = 4
REMOTE_ARCHITECTURE = "remote"  # what ``RemoteEngine`` reports as the architecture


@dataclass(frozen=True)
class LongInput:
    """A message past the model's context: the bot sees its last ``seen`` of ``total``."""

    seen: int
    total: int


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` takes, from its characters alone."""
    if text.isascii():
        return math.ceil(len(text) / CHARS_PER_ASCII_TOKEN)
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / CHARS_PER_ASCII_TOKEN) + len(text) - ascii_chars


def message_budget(context_limit: int, architecture: str) -> int:
    """How many tokens of one message the bot can see at most, as the engines fit it.

    BlenderBot's input ends in ``</s>`` (``fit_context``); a causal model keeps room for
    its reply (``TransformersEngine._fit_chat_template``); a server engine keeps a quarter
    of the context, at most ``CAUSAL_MAX_NEW_TOKENS`` (``RemoteEngine._turns_that_fit``).
    """
    if architecture in SEQ2SEQ_ARCHITECTURES:
        return max(1, context_limit - 1)
    if architecture == REMOTE_ARCHITECTURE:
        room = min(CAUSAL_MAX_NEW_TOKENS, context_limit // 4)
        return max(1, context_limit - min(room, context_limit // 2))
    return max(16, context_limit - CAUSAL_MAX_NEW_TOKENS)


def long_input(text: str, context_limit: int, architecture: str) -> LongInput | None:
    """What the bot would see of ``text`` sent as the next message, when that is not all of
    it; ``None`` for a message that fits."""
    budget = message_budget(context_limit, architecture)
    # The estimate never exceeds the character count: a short text needs no counting.
    if len(text) <= budget:
        return None
    total = estimate_tokens(text)
    if total <= budget:
        return None
    return LongInput(budget, total)

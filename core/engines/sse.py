"""Server-sent events, and the chat-completion chunks OpenAI-compatible servers stream in them.

``iter_sse_events`` turns the bytes of a response, in whatever pieces the network delivers
them, into events, as the HTML standard's event-stream format says: lines end in CRLF, LF or
CR (a CRLF split between two pieces is still one line end); a line starting with ``:`` is a
comment (servers send them to keep a connection alive); ``data:`` lines add up, joined by
newlines, until an empty line ends the event; ``event:`` names it and ``id:`` labels it. One
leniency: data left without its closing empty line when the stream ends is still an event.

It keeps the server's answer bounded: an event larger than ``max_event_bytes`` (1 MB) or a
response larger than ``max_response_bytes`` (10 MB) ends the stream with a ``StreamError``
saying so, as do bytes that are not UTF-8, so a broken or hostile server cannot make the
app's memory grow without end.

``ChatStream`` reads the events of ``POST /chat/completions`` with ``stream: true``: each
``data:`` is a JSON chunk whose ``choices[0].delta.content`` is the next piece of the reply
(null or absent in llama.cpp's first chunk, which only names the role), ``finish_reason``
says why it ended (``length``: the reply was cut at its token limit), a last chunk with empty
``choices`` carries the token ``usage``, and ``data: [DONE]`` ends the stream. An ``{"error":
…}`` chunk (vLLM reports failures that way inside a 200 answer) raises ``ServerStreamError``.
Reasoning is kept apart from the answer: ``delta.reasoning_content`` (DeepSeek, llama.cpp),
``delta.reasoning`` (vLLM), and text inside ``<think>…</think>`` in the content itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MAX_EVENT_BYTES = 1024 * 1024
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
LINE_END = re.compile(rb"\r\n|\r|\n")
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"


class StreamError(Exception):
    """The stream cannot be read further; the message says why in plain words."""


class ServerStreamError(StreamError):
    """The server reported an error inside the stream; ``server_message`` is its text."""

    def __init__(self, server_message: str) -> None:
        super().__init__(f"The server reported an error: {server_message}")
        self.server_message = server_message


@dataclass(frozen=True)
class SseEvent:
    """One event: its data (``data:`` lines joined by newlines), name and id."""

    data: str
    event: str = "message"
    id: str = ""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def iter_sse_events(
    chunks: Iterable[bytes],
    max_event_bytes: int = MAX_EVENT_BYTES,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
) -> Iterator[SseEvent]:
    """The events in ``chunks`` (the response body in pieces of any size).

    Raises ``StreamError`` for an event over ``max_event_bytes``, a response over
    ``max_response_bytes``, or bytes that are not UTF-8.
    """
    parser = _EventParser(max_event_bytes)
    pending = bytearray()
    scanned = 0  # bytes of ``pending`` known to hold no line end
    total = 0
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        if total > max_response_bytes:
            raise StreamError(
                f"The server's answer grew past {_megabytes(max_response_bytes)}; "
                "it was not read further."
            )
        pending += chunk
        start = 0
        while match := LINE_END.search(pending, max(start, scanned)):
            if match.group() == b"\r" and match.end() == len(pending):
                break  # a CR at the end: the LF of a CRLF may be in the next chunk
            line = bytes(pending[start : match.start()])
            if first:
                line = line.removeprefix(b"\xef\xbb\xbf")  # a byte order mark may lead
                first = False
            if event := parser.line(line, total - len(pending) + start):
                yield event
            start = match.end()
        del pending[:start]
        scanned = len(pending) - (1 if pending.endswith(b"\r") else 0)
        if len(pending) > max_event_bytes:
            raise parser.too_big()
    if pending:
        line = bytes(pending.rstrip(b"\r"))
        if first:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if event := parser.line(line, total - len(pending)):
            yield event
    if event := parser.line(b"", total):  # data left without its closing empty line
        yield event


class _EventParser:
    """The event being built from lines."""

    def __init__(self, max_event_bytes: int) -> None:
        self.max_event_bytes = max_event_bytes
        self.data: list[str] = []
        self.size = 0
        self.event = ""
        self.last_id = ""

    def too_big(self) -> StreamError:
        return StreamError(
            f"The server sent one event larger than {_megabytes(self.max_event_bytes)}; "
            "the answer was not read further."
        )

    def line(self, raw: bytes, offset: int) -> SseEvent | None:
        """Take one line (without its end); the finished event at an empty line."""
        if not raw:
            if not self.data:
                self.event = ""
                return None
            event = SseEvent("\n".join(self.data), self.event or "message", self.last_id)
            self.data, self.size, self.event = [], 0, ""
            return event
        if raw.startswith(b":"):  # a comment: a keep-alive
            return None
        self.size += len(raw)
        if self.size > self.max_event_bytes:
            raise self.too_big()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise StreamError(
                "The server sent bytes that are not UTF-8 text (byte "
                f"0x{raw[error.start]:02x} at position {offset + error.start} of its "
                "answer); the answer cannot be read."
            ) from None
        name, _, value = text.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.event = value
        elif name == "id" and "\0" not in value:
            self.last_id = value
        return None  # "retry" and unknown fields are ignored, as the standard says


# -- chat-completion chunks ---------------------------------------------------------------------
@dataclass(frozen=True)
class ChatChunk:
    """What one streamed chunk adds: text, reasoning, why the reply ended, token usage."""

    content: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str = ""


def parse_chat_chunk(data: str) -> ChatChunk:
    """One ``data:`` payload of a chat-completion stream (the first choice's delta).

    Raises ``ServerStreamError`` for an error object, ``StreamError`` for anything that is
    not a JSON object.
    """
    try:
        payload: Any = json.loads(data)
    except ValueError:
        raise StreamError(
            f"The server sent something that is not a chat reply: {_preview(data)}"
        ) from None
    if not isinstance(payload, dict):
        raise StreamError(f"The server sent something that is not a chat reply: {_preview(data)}")
    if "error" in payload and payload["error"] is not None:
        raise ServerStreamError(error_text(payload["error"]))
    if payload.get("object") == "error":
        raise ServerStreamError(error_text(payload))
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else None
    model = payload["model"] if isinstance(payload.get("model"), str) else ""
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ChatChunk(usage=usage, model=model)  # the usage chunk: no choices
    choice = choices[0]
    delta = choice.get("delta")
    if not isinstance(delta, dict):
        delta = {}
    content = delta.get("content")
    reasoning = delta.get("reasoning_content")
    if not isinstance(reasoning, str):
        reasoning = delta.get("reasoning")
    finish = choice.get("finish_reason")
    return ChatChunk(
        content=content if isinstance(content, str) else "",
        reasoning=reasoning if isinstance(reasoning, str) else "",
        finish_reason=finish if isinstance(finish, str) and finish else None,
        usage=usage,
        model=model,
    )


def error_text(error: Any) -> str:
    """The message of an error object: ``{"message": …}``, a string, or its JSON."""
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
    if isinstance(error, str):
        return error
    return json.dumps(error)[:300]


def _preview(data: str) -> str:
    text = " ".join(data.split())
    return repr(text[:80] + ("…" if len(text) > 80 else ""))


class ThinkSplitter:
    """Splits streamed content into answer and reasoning at ``<think>…</think>``.

    A tag may arrive split over several pieces: text that could be the start of a tag is
    held back until the next piece shows whether it is one.
    """

    def __init__(self) -> None:
        self.thinking = False
        self.held = ""

    def feed(self, text: str) -> tuple[str, str]:
        """(answer, reasoning) that ``text`` adds."""
        answer: list[str] = []
        reasoning: list[str] = []
        buffer = self.held + text
        while buffer:
            tag = THINK_CLOSE if self.thinking else THINK_OPEN
            out = reasoning if self.thinking else answer
            index = buffer.find(tag)
            if index >= 0:
                out.append(buffer[:index])
                buffer = buffer[index + len(tag) :]
                self.thinking = not self.thinking
                continue
            hold = _partial_tag(buffer, tag)
            out.append(buffer[: len(buffer) - hold])
            buffer = buffer[len(buffer) - hold :]
            break
        self.held = buffer
        return "".join(answer), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        """(answer, reasoning) still held back, at the end of the stream."""
        held, self.held = self.held, ""
        return ("", held) if self.thinking else (held, "")


def _partial_tag(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that is a start of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ChatStream:
    """The state of one streamed chat reply: its text, reasoning, and how it ended."""

    def __init__(self) -> None:
        self._text: list[str] = []  # pieces: adding to one long string would copy it each time
        self._reasoning: list[str] = []
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.model = ""
        self.done = False  # [DONE] came
        self.chunks = 0  # chat chunks read
        self.pieces = 0  # chunks with text: about the reply's tokens when no usage comes
        self._think = ThinkSplitter()

    @property
    def text(self) -> str:
        """The answer so far."""
        return "".join(self._text)

    @property
    def reasoning(self) -> str:
        """The reasoning so far (kept apart from the answer)."""
        return "".join(self._reasoning)

    @property
    def complete(self) -> bool:
        """Whether the server said the reply ended ([DONE] or a ``finish_reason``)."""
        return self.done or self.finish_reason is not None

    @property
    def cut(self) -> bool:
        """Whether the reply was cut at its token limit (``finish_reason`` ``length``)."""
        return self.finish_reason == "length"

    def feed(self, event: SseEvent) -> str:
        """Take one event; the answer text it adds (maybe "")."""
        if event.event == "error":
            raise ServerStreamError(_event_error(event.data))
        if event.data.strip() == "[DONE]":
            self.done = True
            return self.finish()
        chunk = parse_chat_chunk(event.data)
        self.chunks += 1
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.model:
            self.model = chunk.model
        if chunk.finish_reason is not None:
            self.finish_reason = chunk.finish_reason
        if chunk.content or chunk.reasoning:
            self.pieces += 1
        answer, thought = self._think.feed(chunk.content)
        self._reasoning += (chunk.reasoning, thought)
        self._text.append(answer)
        return answer

    def finish(self) -> str:
        """The end of the stream: the answer text held back until now (maybe "")."""
        answer, thought = self._think.flush()
        self._reasoning.append(thought)
        self._text.append(answer)
        return answer

    @property
    def completion_tokens(self) -> int | None:
        """The reply's tokens as the server counted them, when it sent its usage."""
        value = (self.usage or {}).get("completion_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def _event_error(data: str) -> str:
    try:
        payload: Any = json.loads(data)
    except ValueError:
        return " ".join(data.split())[:300] or "an error without a message"
    return error_text(payload.get("error", payload) if isinstance(payload, dict) else payload)

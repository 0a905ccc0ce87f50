"""An engine that chats through an OpenAI-compatible inference server (vLLM, llama.cpp's
``llama-server``, Ollama, llama-cpp-python, …) instead of running a model here.

``load`` asks the server for its models (``GET {base}/models``, see ``core.servers``) and
fails with a plain message when the server, the key or the model is not right. ``generate``
posts the conversation to ``{base}/chat/completions`` with ``stream: true`` and hands each
piece of text to ``on_text`` as it arrives (``core.engines.sse`` reads the stream).

What is sent: the persona as a system message, then the turns. The server applies the
model's chat template and counts tokens; Confab never sees token ids, so the token counts in
``fit``'s ``ContextWindow`` are an *estimate* (about 4 characters a token, see
``RemoteEngine.estimate``, refined once a server's error has said how many tokens a
conversation really had).

Context: all turns are sent while their estimate fits the server's context (as the server
reports it, or the server settings give it; with neither, 4096 is shown and nothing is left
out). When the server answers that the conversation is longer than its context (vLLM's,
llama.cpp's and OpenAI's messages are recognized), the oldest turns are left out and the
request is made again with fewer turns. That is not a silent retry of the same request:
the server refused that one before writing anything, and the ``ContextWindow`` of the reply
says how many turns the server saw. No other request is ever repeated: a reply that fails
once it has started streaming fails, and keeps the text it had (``core.session``).

Settings: temperature, top_p and the seed map to the request's fields, the reply's token limit
(``max_new_tokens``, else ``max_length``) to ``max_tokens``; greedy decoding (sampling off) is
temperature 0; Regenerate (``avoid``) turns sampling on (temperature 0.8 when the settings
were greedy) and moves a fixed seed on, so the reply differs. Settings left unset are the
server's defaults (no ``max_tokens``: the server decides how long a reply may be). ``top_k``,
``repetition_penalty`` (also as llama.cpp's ``repeat_penalty``) and ``min_length`` (vLLM's
``min_tokens``) are sent only when set, since not every server knows them; a server that
refuses unknown fields (OpenAI's own API) is asked again without them. Beam search, n-gram
and length penalties have no equivalent in the chat API and are not sent.

Continue (``prefix``): the reply so far goes last, as an assistant message, with vLLM's
``continue_final_message: true`` and ``add_generation_prompt: false``, so vLLM carries that
message on; llama.cpp's server and Ollama continue a final assistant message by
themselves. A server that does neither (llama-cpp-python, OpenAI) writes a new reply after
it, which Continue then adds to the reply as it is.

Stop: a thread watches the reply's ``stop`` event while the request runs and shuts the
connection's socket down at once, which ends a blocking read (a long silence before the
first word, too) and tells the server the client has gone, so it stops generating.
Timeouts: 5 s to connect; ``read_timeout_s`` of the server settings is the longest silence
allowed between two pieces of the answer.

The API key is sent as a bearer token and never written to a message, a log line or the
reply's meta.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from core.context import ContextWindow, Turn
from core.engines.base import (
    EngineError,
    GenerationCancelled,
    ModelInfo,
    ProgressCallback,
    Reply,
    TextCallback,
)
from core.engines.sse import ChatStream, ServerStreamError, StreamError, iter_sse_events
from core.servers import (
    ERROR_BODY_LIMIT,
    ServerConfig,
    auth_headers,
    check_connection,
    describe_transport_error,
    display_host,
    find_model,
    innermost_message,
    make_client,
    normalize_base_url,
    scrub,
    status_error,
    timeouts,
)
from core.settings import CAUSAL_MAX_NEW_TOKENS, GenerationSettings

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 4096  # shown when neither the server nor its settings give a context length
TOKENS_PER_CHAR = 0.25  # about 4 characters a token in English, for most tokenizers
MESSAGE_OVERHEAD = 4  # tokens a chat template adds around each message (role, separators)
MAX_CONTEXT_RETRIES = 8  # "too long" answers taken before giving up
LOAD_TIMEOUT_S = 15.0  # the model list at load: a busy server may take a moment
STOP_POLL_S = 0.05  # how often the stop watcher looks at the stop event
REGENERATE_TEMPERATURE = 0.8  # Regenerate after greedy settings: sample, but not wildly

# The field names of the request that every OpenAI-compatible server knows; the others are
# dropped when a server refuses unknown fields.
STANDARD_FIELDS = frozenset(
    {"model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens", "seed"}
)
CONTEXT_EXCEEDED = re.compile(
    r"context[_ ]length[_ ]exceeded|maximum context length|exceeds? the (available )?context"
    r"|exceed_context_size|maximum model length|prompt is too long|input is too long"
    r"|too many tokens",
    re.IGNORECASE,
)
UNKNOWN_FIELDS = re.compile(
    r"unrecognized request argument|extra inputs are not permitted|unknown (field|parameter)"
    r"|unexpected keyword|not supported",
    re.IGNORECASE,
)
# Numbers in "too long" answers. vLLM and llama-cpp-python: "This model's maximum context
# length is 4096 tokens. However, you requested 5000 tokens (4900 in the messages, 100 in
# the completion)"; newer vLLM: "… and your request has 38 input tokens"; llama.cpp:
# {"n_prompt_tokens": 5000, "n_ctx": 4096}; vLLM's engine: "The decoder prompt (length 5000)
# is longer than the maximum model length of 4096".
CONTEXT_NUMBERS = (
    re.compile(r"maximum context length is (?P<limit>\d+)", re.IGNORECASE),
    re.compile(r"maximum model length of (?P<limit>\d+)", re.IGNORECASE),
    re.compile(r'"n_ctx"\s*:\s*(?P<limit>\d+)'),
)
PROMPT_NUMBERS = (
    re.compile(r"(?P<prompt>\d+) in the messages", re.IGNORECASE),
    re.compile(r"request has (?P<prompt>\d+) input tokens", re.IGNORECASE),
    re.compile(r'"n_prompt_tokens"\s*:\s*(?P<prompt>\d+)'),
    re.compile(r"prompt \(length (?P<prompt>\d+)\)", re.IGNORECASE),
)


class _Refused(Exception):
    """The server refused a request before writing any reply (an HTTP error, or an error
    event first thing in the stream)."""

    def __init__(self, message: str, raw: str, status: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.raw = raw  # the whole answer, to recognize "too long" and read its numbers
        self.status = status

    @property
    def context_exceeded(self) -> bool:
        return self.status in (None, 400, 413, 422, 500) and bool(CONTEXT_EXCEEDED.search(self.raw))

    @property
    def unknown_fields(self) -> bool:
        return self.status in (400, 422) and bool(UNKNOWN_FIELDS.search(self.raw))


class RemoteEngine:
    """Chats with ``config.model`` on an OpenAI-compatible server."""

    name = "remote"
    label = "remote"  # what the status bar, replies and --self-test show

    def __init__(self, config: ServerConfig, api_key: str = "") -> None:
        self.config = config
        self._api_key = api_key  # sent as a bearer token only; never logged or shown
        self.model = config.model
        self.context_limit = config.context_length or DEFAULT_CONTEXT
        self.limit_known = config.context_length is not None
        self.tokens_per_char = TOKENS_PER_CHAR
        self.too_long_estimate: int | None = None  # the smallest estimate the server refused
        try:
            self.base_url = normalize_base_url(config.base_url)
        except ValueError:
            self.base_url = config.base_url.strip().rstrip("/")

    def __repr__(self) -> str:
        return f"RemoteEngine({self.model!r} @ {self.host})"

    @property
    def host(self) -> str:
        return display_host(self.base_url)

    # -- loading -----------------------------------------------------------------------------
    def load(self, progress: ProgressCallback) -> ModelInfo:
        started = time.perf_counter()
        try:
            normalize_base_url(self.config.base_url)
        except ValueError as error:
            raise EngineError(f"The server {self.config.title}: {error}") from None
        progress(10, f"Asking {self.host} for its models…")
        report = check_connection(self.base_url, self._api_key, self.model, LOAD_TIMEOUT_S)
        if not report.ok:
            message = scrub(report.message, self._api_key)
            raise EngineError(f"The server {self.config.title} cannot be used: {message}")
        found = find_model(report.models, self.model)
        assert found is not None  # check_connection said it is there
        self.model = self.model or found.id
        if found.context_length:
            self.context_limit, self.limit_known = found.context_length, True
        progress(100, "Ready")
        return ModelInfo(
            model_id=self.model,
            path=self.base_url,
            architecture="remote",
            engine=self.label,
            context_limit=self.context_limit,
            parameters=0,
            load_s=time.perf_counter() - started,
            device="remote",
            device_reason=f"remote: {self.model} @ {self.host}",
        )

    # -- context -----------------------------------------------------------------------------
    def estimate(self, turns: Sequence[Turn], persona: str = "") -> int:
        """An estimate of the tokens these messages take on the server: characters times
        ``tokens_per_char`` (0.25 until a server's numbers correct it), plus a few tokens
        per message for the chat template's markup."""
        texts = [persona] if persona.strip() else []
        texts += [turn.text for turn in turns]
        return sum(math.ceil(len(text) * self.tokens_per_char) + MESSAGE_OVERHEAD for text in texts)

    def fit(self, turns: Sequence[Turn], persona: str = "") -> ContextWindow:
        """All turns, or the newest ones whose estimate fits the known context (see the
        module's docstring); token counts are estimates, ``input_ids`` is empty."""
        return self._window(turns, persona, self._turns_that_fit(turns, persona))

    def _window(self, turns: Sequence[Turn], persona: str, kept: int) -> ContextWindow:
        sent = turns[len(turns) - kept :] if kept else []
        return ContextWindow(
            [], self.context_limit, len(turns), kept, token_estimate=self.estimate(sent, persona)
        )

    def _turns_that_fit(
        self, turns: Sequence[Turn], persona: str, reply_room: int | None = None
    ) -> int:
        """How many of the newest turns to send: all, unless the known context (or an
        earlier "too long" answer) says fewer fit, leaving ``reply_room`` tokens for the
        reply (else a quarter of the context, at most 256); always at least the newest."""
        budgets = []
        if self.limit_known:
            room = reply_room or min(CAUSAL_MAX_NEW_TOKENS, self.context_limit // 4)
            budgets.append(self.context_limit - min(room, self.context_limit // 2))
        if self.too_long_estimate is not None:
            budgets.append(self.too_long_estimate - 1)
        if not budgets or not turns:
            return len(turns)
        budget = min(budgets)
        kept = 1
        while kept < len(turns) and self.estimate(turns[-(kept + 1) :], persona) <= budget:
            kept += 1
        return kept

    def _learn(self, refused: _Refused, turns: Sequence[Turn], persona: str) -> None:
        """Take what a "too long" answer says: the server's context, and how many tokens
        the conversation really had (which corrects the characters-per-token estimate)."""
        limit = _first_number(CONTEXT_NUMBERS, refused.raw, "limit")
        prompt = _first_number(PROMPT_NUMBERS, refused.raw, "prompt")
        if limit:
            self.context_limit, self.limit_known = limit, True
        texts = [persona] if persona.strip() else []
        texts += [turn.text for turn in turns]
        chars = sum(len(text) for text in texts)
        if prompt and chars:
            tokens = max(1, prompt - MESSAGE_OVERHEAD * len(texts))
            self.tokens_per_char = min(2.0, max(0.05, tokens / chars))
            self.too_long_estimate = None  # the estimate's unit changed
        if not (limit and prompt):
            sent = self.estimate(turns, persona)
            self.too_long_estimate = min(sent, self.too_long_estimate or sent)

    # -- generation --------------------------------------------------------------------------
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
        """A reply streamed from the server; see the module's docstring for what is sent.

        Raises ``GenerationCancelled`` on stop (the text streamed until then is the
        session's), ``EngineError`` when the server cannot be reached, refuses, or goes away
        mid-reply (with the text streamed until then kept by the session as an interrupted
        reply).
        """
        if stop.is_set():
            raise GenerationCancelled()
        started = time.perf_counter()
        options = request_options(settings, avoid)
        room = options.get("max_tokens")
        kept = self._turns_that_fit(turns, persona, room)
        if prefix.strip():
            options.update(continue_final_message=True, add_generation_prompt=False)
        first_text_at: list[float] = []

        def forward(piece: str) -> None:
            if not first_text_at:
                first_text_at.append(time.perf_counter())
            on_text(piece)

        for attempt in range(MAX_CONTEXT_RETRIES + 2):
            if stop.is_set():
                raise GenerationCancelled()
            sent = turns[len(turns) - kept :]
            body = self._body(sent, persona, prefix, options)
            try:
                state = self._stream(body, forward, stop)
                break
            except _Refused as refused:
                if refused.unknown_fields and set(options) - STANDARD_FIELDS:
                    log.info("%s refused optional fields; asking again without them", self.host)
                    options = {k: v for k, v in options.items() if k in STANDARD_FIELDS}
                    continue
                if not refused.context_exceeded:
                    raise EngineError(refused.message) from None
                self._learn(refused, sent, persona)
                fewer = min(kept - 1, self._turns_that_fit(turns, persona, room))
                if fewer < 1:
                    raise EngineError(
                        f"The newest message does not fit in the context of {self.model} on "
                        f"{self.host}. {refused.message}"
                    ) from None
                if attempt >= MAX_CONTEXT_RETRIES:
                    raise EngineError(
                        f"The conversation was still too long for {self.host} with only the "
                        f"newest {kept} turns. {refused.message}"
                    ) from None
                log.info(
                    "%s: the conversation is longer than its context; sending %d of %d turns",
                    self.host,
                    fewer,
                    len(turns),
                )
                kept = fewer
        else:  # pragma: no cover - every pass ends in break, continue or raise
            raise EngineError(f"{self.host} refused every request.")
        text = state.text.rstrip() if prefix.strip() else state.text.strip()
        extra: dict[str, Any] = {"server_model": state.model or self.model, "host": self.host}
        if state.cut:
            extra["cut"] = True
        if state.reasoning.strip():
            extra["reasoning"] = state.reasoning.strip()
        return Reply(
            text=text,
            tokens=state.completion_tokens or state.pieces,
            reply_s=time.perf_counter() - started,
            first_token_s=(first_text_at[0] - started) if first_text_at else None,
            context=self._window(turns, persona, kept),
            engine=self.label,
            extra_meta=extra,
        )

    def _body(
        self, turns: Sequence[Turn], persona: str, prefix: str, options: dict[str, Any]
    ) -> dict[str, Any]:
        messages = [{"role": "system", "content": persona}] if persona.strip() else []
        messages += [{"role": turn.role, "content": turn.text} for turn in turns]
        if prefix.strip():
            messages.append({"role": "assistant", "content": prefix.rstrip()})
        return {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **options,
        }

    def _stream(
        self, body: dict[str, Any], on_text: TextCallback, stop: threading.Event
    ) -> ChatStream:
        """POST the request and read its stream into a ``ChatStream``, passing on each
        piece of answer text. Raises ``_Refused`` when the server refuses before writing."""
        import httpx

        url = f"{self.base_url}/chat/completions"
        headers = {**auth_headers(self._api_key), "Accept": "text/event-stream"}
        watcher = StopWatcher(stop)
        state = ChatStream()
        try:
            with (
                make_client(self.base_url, timeouts(self.config.read_timeout_s)) as client,
                watcher,
                client.stream(
                    "POST", url, json=body, headers=headers, extensions={"trace": watcher.trace}
                ) as response,
            ):
                if response.status_code != 200:
                    content = _read_some(response)
                    error = status_error(response.status_code, content, url, self._api_key)
                    raw = scrub(content.decode("utf-8", "replace"), self._api_key)
                    raise _Refused(str(error), raw, response.status_code)
                for event in iter_sse_events(response.iter_bytes()):
                    if stop.is_set():
                        raise GenerationCancelled()
                    piece = state.feed(event)
                    if piece:
                        on_text(piece)
                    if state.done:
                        break
                else:
                    piece = state.finish()
                    if piece:
                        on_text(piece)
        except (GenerationCancelled, _Refused):
            raise
        except ServerStreamError as error:
            if stop.is_set():
                raise GenerationCancelled() from None
            message = scrub(error.server_message, self._api_key)
            if state.pieces == 0:
                raise _Refused(f"{self.host} reported an error: {message}", message, None) from None
            raise EngineError(f"{self.host} reported an error mid-reply: {message}") from None
        except StreamError as error:
            if stop.is_set():
                raise GenerationCancelled() from None
            raise EngineError(f"{self.host}: {scrub(str(error), self._api_key)}") from None
        except httpx.HTTPError as error:
            if stop.is_set():
                raise GenerationCancelled() from None
            raise EngineError(self._lost(error, state, url)) from None
        if stop.is_set() and not state.complete:
            raise GenerationCancelled()
        if not state.complete:
            if state.chunks == 0:
                raise EngineError(
                    f"{self.host} ended its answer without writing a reply; its log may say "
                    "why (a conversation longer than its context is one cause)."
                )
            raise EngineError(f"{self.host} closed the connection before the reply was complete.")
        return state

    def _lost(self, error: Exception, state: ChatStream, url: str) -> str:
        """What a failed request means; mid-reply, that the connection was lost."""
        import httpx

        if isinstance(error, httpx.ReadTimeout):
            what = (
                f"{self.host} sent nothing for {self.config.read_timeout_s:g} s"
                + (" after the reply began" if state.chunks else "")
                + "; the reply was given up (the server settings' read timeout)."
            )
        elif state.chunks and isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            what = (
                f"{self.host} closed the connection before the reply was complete "
                f"({innermost_message(error)})."
            )
        else:
            what = describe_transport_error(error, url)
        return scrub(what, self._api_key)


def request_options(settings: GenerationSettings, avoid: Sequence[str] = ()) -> dict[str, Any]:
    """The request's sampling fields for these settings (see the module's docstring)."""
    values = settings.overrides()
    options: dict[str, Any] = {}
    temperature = values.get("temperature")
    greedy = values.get("do_sample") is False or temperature == 0
    if avoid and greedy:
        options["temperature"] = temperature if temperature else REGENERATE_TEMPERATURE
    elif greedy:
        options["temperature"] = 0.0
    elif temperature is not None:
        options["temperature"] = temperature
    if not greedy or avoid:
        if values.get("top_p") is not None:
            options["top_p"] = values["top_p"]
        if values.get("top_k"):
            options["top_k"] = values["top_k"]
    length = values.get("max_new_tokens") or values.get("max_length")
    if length:
        options["max_tokens"] = length
    if values.get("min_length"):
        options["min_tokens"] = values["min_length"]
    penalty = values.get("repetition_penalty")
    if penalty is not None:
        options["repetition_penalty"] = penalty  # vLLM
        options["repeat_penalty"] = penalty  # llama.cpp
    seed = values.get("seed")
    if seed is not None:
        options["seed"] = seed + len(avoid)  # the same seed would give the same reply
    return options


class StopWatcher:
    """While a request runs, shuts its sockets down as soon as ``stop`` is set.

    ``trace`` is an httpx trace hook that collects the connection's socket when it opens
    (also while the request is still waiting for the server's first byte). Shutting a socket
    down wakes a read blocked on it at once and tells the server the client has gone.
    """

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="confab-remote-stop", daemon=True)
        self.shut = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        # "connection.", "proxy." or "socks." + the step: a direct connection, or through a
        # proxy (a TLS tunnel through it is another socket object on the same connection).
        if not event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self.lock:
                self.sockets.append(sock)
                late = self.shut
            if late:
                _shutdown(sock)

    def __enter__(self) -> StopWatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finished.set()
        self.thread.join()

    def _watch(self) -> None:
        while not self.finished.wait(STOP_POLL_S):
            if self.stop.is_set():
                with self.lock:
                    self.shut = True
                    sockets = list(self.sockets)
                for sock in sockets:
                    _shutdown(sock)
                return


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _read_some(response: Any) -> bytes:
    """The start of an error answer (at most ``ERROR_BODY_LIMIT`` bytes)."""
    data = bytearray()
    for piece in response.iter_bytes():
        data += piece
        if len(data) >= ERROR_BODY_LIMIT:
            break
    return bytes(data)


def _first_number(patterns: Sequence[re.Pattern[str]], text: str, group: str) -> int | None:
    for pattern in patterns:
        if match := pattern.search(text):
            return int(match[group])
    return None

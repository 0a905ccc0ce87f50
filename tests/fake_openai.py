"""A fake OpenAI-compatible server on 127.0.0.1 that misbehaves on request.

It answers ``GET /v1/models`` with its models and ``POST /v1/chat/completions`` by the
model asked for: each model id names a behaviour (``SCENARIOS``), so one server serves every
fault. It counts the connections it has open, records each request (path, body, whether
an ``Authorization`` header came), and notes when a client went away mid-answer
(``disconnects``, with the time): while it waits between chunks it watches the socket, so a
client that closes is seen within ``POLL_S``.
"""

from __future__ import annotations

import json
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

POLL_S = 0.02
HOLD_S = 30.0  # the longest a "silent" answer waits, so a broken test cannot hang

SCENARIOS = (
    "normal",  # "Hello, world!" in three chunks, a finish reason, usage, [DONE]
    "keepalive",  # the same with ": ping" comments between the chunks
    "drop",  # two chunks, then the connection is cut
    "error-chunk",  # a chunk, then vLLM's {"error": …} inside the 200 stream
    "error-first",  # the error chunk before any text
    "status-500",  # 500 before streaming
    "status-429",  # 429 before streaming
    "status-404",  # 404 "model does not exist" at the chat endpoint
    "silent",  # reads the request and never answers
    "slow-first",  # waits ``slow_first_s`` before answering normally
    "slow-stream",  # a chunk every ``slow_chunk_s``, ``slow_chunks`` of them
    "garbage",  # data that is not JSON
    "non-utf8",  # bytes that are not UTF-8
    "huge",  # 50 MB of valid chunks
    "context",  # "too long" (vLLM's words and numbers) over ``context_chars``, else normal
    "context-plain",  # the same without numbers (the words of another server)
    "length",  # a reply cut at its token limit (finish_reason "length")
    "thinking",  # reasoning_content and inline <think> tags before the answer
    "no-done",  # chunks, then the stream ends cleanly but without a finish or [DONE]
    "strict",  # refuses fields OpenAI's own API does not know, as that API does
)
STANDARD_FIELDS = {
    "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens", "seed",
}  # fmt: skip


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]
    authorized: str  # the Authorization header, or ""


@dataclass
class FakeOpenAI:
    """The server; ``start`` it, use ``base_url``, ``stop`` it (or use it as a context)."""

    required_key: str = ""
    echo_key_in_errors: bool = True  # OpenAI's 401 names the key it got (in part)
    slow_first_s: float = 1.0
    slow_chunk_s: float = 0.2
    slow_chunks: int = 200
    context_chars: int = 200  # "context": the most characters of messages it takes
    requests: list[Recorded] = field(default_factory=list)
    disconnects: list[float] = field(default_factory=list)  # perf_counter times
    open_connections: int = 0
    huge_bytes_sent: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Condition()
        self.release = threading.Event()
        self.server = _CountingServer(self, ("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="fake-openai"
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def chat_requests(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Whether every connection is closed within ``timeout_s``."""
        with self.lock:
            return self.lock.wait_for(lambda: self.open_connections == 0, timeout_s)

    def wait_disconnect(self, timeout_s: float = 5.0) -> float | None:
        """When the first client went away mid-answer, waiting up to ``timeout_s``."""
        with self.lock:
            self.lock.wait_for(lambda: bool(self.disconnects), timeout_s)
            return self.disconnects[0] if self.disconnects else None


def chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> bytes:
    if content is not None:
        delta["content"] = content
    payload = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "fake-served",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


USAGE = b'data: {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}\n\n'
DONE = b"data: [DONE]\n\n"


class Disconnected(Exception):
    pass


class _CountingServer(ThreadingHTTPServer):
    """Counts the connections it has open, until each socket is closed."""

    def __init__(self, fake: FakeOpenAI, *args: Any) -> None:
        self.fake = fake
        super().__init__(*args)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up after [DONE] without reading the body's last bytes resets
        # the connection: expected, so not printed. Anything else is.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.fake.lock:
            self.fake.open_connections += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:  # the socket is closed (shutdown_request) by now
            with self.fake.lock:
                self.fake.open_connections -= 1
                self.fake.lock.notify_all()


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        # -- requests ---------------------------------------------------------------------------
        def record(self, body: dict[str, Any]) -> None:
            path = urlsplit(self.path).path
            auth = self.headers.get("Authorization", "")
            with fake.lock:
                fake.requests.append(Recorded(self.command, self.path, body, auth))
            self.route = path

        def authorized(self) -> bool:
            if not fake.required_key:
                return True
            given = self.headers.get("Authorization", "")
            if given == f"Bearer {fake.required_key}":
                return True
            key = given.removeprefix("Bearer ")
            message = "You didn't provide an API key."
            if key:
                message = "Incorrect API key provided: " + (
                    key if fake.echo_key_in_errors else "***"
                )
            self.send_json(401, {"error": {"message": message, "code": "invalid_api_key"}})
            return False

        def do_GET(self) -> None:
            self.record({})
            if self.route != "/v1/models":
                self.send_json(404, {"error": {"message": f"no route {self.route}"}})
                return
            if not self.authorized():
                return
            models = [{"id": name, "object": "model", "max_model_len": 8192} for name in SCENARIOS]
            models.append({"id": "llama-style", "meta": {"n_ctx_train": 2048}})
            self.send_json(200, {"object": "list", "data": models})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            self.record(body)
            if self.route != "/v1/chat/completions":
                self.send_json(404, {"error": {"message": f"no route {self.route}"}})
                return
            if not self.authorized():
                return
            scenario = body.get("model", "")
            try:
                getattr(self, "chat_" + scenario.replace("-", "_"), self.chat_unknown)(body)
            except Disconnected:
                with fake.lock:
                    fake.disconnects.append(time.perf_counter())
                    fake.lock.notify_all()
                self.close_connection = True

        # -- writing ----------------------------------------------------------------------------
        def send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def write(self, data: bytes) -> None:
            """One HTTP chunk; ``Disconnected`` when the client has gone."""
            self.check_connected()
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            except OSError:
                raise Disconnected() from None

        def end_stream(self) -> None:
            self.write(b"")  # the last chunk, of size 0

        def check_connected(self) -> None:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        raise Disconnected()
                except OSError:
                    raise Disconnected() from None

        def wait(self, seconds: float) -> None:
            """Sleep, watching for the client going away."""
            end = time.perf_counter() + seconds
            while (left := end - time.perf_counter()) > 0:
                if fake.release.is_set():
                    return
                readable, _, _ = select.select([self.connection], [], [], min(POLL_S, left))
                if readable:
                    self.check_connected()

        def cut(self) -> None:
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def stream(self, *pieces: bytes, pause_s: float = 0.0) -> None:
            self.start_stream()
            for piece in pieces:
                self.write(piece)
                if pause_s:
                    self.wait(pause_s)
            self.end_stream()

        # -- scenarios --------------------------------------------------------------------------
        def chat_unknown(self, body: dict[str, Any]) -> None:
            name = body.get("model")
            message = f"The model `{name}` does not exist."
            self.send_json(404, {"error": {"message": message, "code": "model_not_found"}})

        def chat_normal(self, body: dict[str, Any]) -> None:
            first = chunk(role="assistant", content=None)
            pieces = (first, chunk("Hello"), chunk(", world"), chunk("!"))
            self.stream(*pieces, chunk(finish="stop"), USAGE, DONE)

        def chat_keepalive(self, body: dict[str, Any]) -> None:
            ping = b": ping\n\n"
            self.stream(
                ping, chunk("Hello"), ping, ping, chunk(", world"), ping, chunk("!"), ping,
                chunk(finish="stop"), DONE,
            )  # fmt: skip

        def chat_drop(self, body: dict[str, Any]) -> None:
            self.start_stream()
            self.write(chunk("Hello"))
            self.write(chunk(", wor"))
            self.cut()

        def chat_error_chunk(self, body: dict[str, Any]) -> None:
            error = {"error": {"object": "error", "message": "CUDA out of memory", "code": 500}}
            self.stream(chunk("Partial"), b"data: " + json.dumps(error).encode() + b"\n\n")

        def chat_error_first(self, body: dict[str, Any]) -> None:
            error = {"error": {"message": "The engine is overloaded", "code": 503}}
            self.stream(b"data: " + json.dumps(error).encode() + b"\n\n")

        def chat_status_500(self, body: dict[str, Any]) -> None:
            self.send_json(500, {"error": {"message": "Internal failure in the scheduler"}})

        def chat_status_429(self, body: dict[str, Any]) -> None:
            self.send_json(429, {"error": {"message": "Rate limit reached for requests"}})

        def chat_status_404(self, body: dict[str, Any]) -> None:
            self.chat_unknown(body)

        def chat_silent(self, body: dict[str, Any]) -> None:
            self.wait(HOLD_S)
            if not fake.release.is_set():
                self.cut()

        def chat_slow_first(self, body: dict[str, Any]) -> None:
            self.wait(fake.slow_first_s)
            self.chat_normal(body)

        def chat_slow_stream(self, body: dict[str, Any]) -> None:
            pieces = [chunk(f" word{i}") for i in range(fake.slow_chunks)]
            self.stream(*pieces, chunk(finish="stop"), DONE, pause_s=fake.slow_chunk_s)

        def chat_garbage(self, body: dict[str, Any]) -> None:
            self.stream(chunk("Hi"), b"data: <html><body>502 Bad Gateway</body></html>\n\n")

        def chat_non_utf8(self, body: dict[str, Any]) -> None:
            self.stream(chunk("Hi"), b'data: {"choices": [{"delta": {"content": "\xff\xfe"}}]}\n\n')

        def chat_huge(self, body: dict[str, Any]) -> None:
            piece = chunk("word " * 100)
            block = piece * (65536 // len(piece))
            self.start_stream()
            while fake.huge_bytes_sent < 50 * 1024 * 1024:
                self.write(block)
                fake.huge_bytes_sent += len(block)
            self.write(chunk(finish="stop") + DONE)
            self.end_stream()

        def too_long(self, body: dict[str, Any], numbers: bool) -> bool:
            chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
            if chars <= fake.context_chars:
                return False
            tokens = chars // 2  # this server's tokenizer: 2 characters a token
            limit = fake.context_chars // 2
            if numbers:
                message = (
                    f"This model's maximum context length is {limit} tokens. However, you "
                    f"requested {tokens} tokens ({tokens} in the messages, 0 in the "
                    "completion). Please reduce the length of the messages or completion."
                )
            else:
                message = "prompt is too long for this model"
            error = {"message": message, "type": "BadRequestError", "code": 400}
            self.send_json(400, {"object": "error", **error} if numbers else {"error": error})
            return True

        def chat_context(self, body: dict[str, Any]) -> None:
            if not self.too_long(body, numbers=True):
                self.chat_normal(body)

        def chat_context_plain(self, body: dict[str, Any]) -> None:
            if not self.too_long(body, numbers=False):
                self.chat_normal(body)

        def chat_length(self, body: dict[str, Any]) -> None:
            self.stream(chunk("Once upon a"), chunk(" time", finish="length"), DONE)

        def chat_thinking(self, body: dict[str, Any]) -> None:
            self.stream(
                chunk(None, reasoning_content="The user wants a number. "),
                chunk("<think>Four is 2+2.</th"),
                chunk("ink>The answer"),
                chunk(" is 4."),
                chunk(finish="stop"),
                DONE,
            )

        def chat_no_done(self, body: dict[str, Any]) -> None:
            self.stream(chunk("Hello"), chunk(", wor"))

        def chat_strict(self, body: dict[str, Any]) -> None:
            unknown = sorted(set(body) - STANDARD_FIELDS)
            if unknown:
                message = f"Unrecognized request argument supplied: {unknown[0]}"
                self.send_json(400, {"error": {"message": message, "type": "invalid_request"}})
                return
            self.chat_normal(body)

    return Handler

"""The remote engine against a server that misbehaves (tests/fake_openai.py on 127.0.0.1).

Each fault gives a plain message, keeps the text streamed before it (the session keeps it as
an interrupted reply), repeats no request silently, and leaves no connection open: after each
test the server has no connection left and this process has no more file descriptors open
than before. Stop closes the connection at once, during a stream and during a long silence
before the first byte. The API key never appears in a message, a log line or a repr.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from core.context import Turn
from core.engines.base import EngineError, GenerationCancelled, Reply
from core.engines.remote_engine import RemoteEngine
from core.requests import GenerateRequest, LoadRequest
from core.servers import ServerConfig, check_connection, list_models
from core.settings import FAST_PRESET, PRESETS, GenerationSettings
from gui.worker import ChatWorker, WorkerHost
from tests.conftest import NetworkGuard, WindowFactory
from tests.fake_openai import FakeOpenAI
from tests.worker_signals import worker_signal

HELLO = (Turn("user", "Hello there"),)
KEY = "sk-test-SECRET-4242"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(slow_first_s=1.0).start()
    # A window or a worker thread opens files of its own; the engine alone opens none.
    count_fds = not {"make_window", "host"} & set(request.fixturenames)
    before = open_fds()
    yield server
    assert server.wait_idle(5), "the server still has a connection open"
    if count_fds:
        assert open_fds() <= before, "file descriptors were left open"
    server.stop()


def engine_for(fake: FakeOpenAI, model: str, api_key: str = "", **config: Any) -> RemoteEngine:
    engine = RemoteEngine(ServerConfig("fake", fake.base_url, model, **config), api_key)
    engine.load(lambda percent, text: None)
    return engine


def ask(
    engine: RemoteEngine,
    turns: tuple[Turn, ...] = HELLO,
    settings: GenerationSettings | None = None,
    stop: threading.Event | None = None,
    **kw: Any,
) -> tuple[Reply | Exception, list[str]]:
    """The reply (or the exception) and the pieces streamed before it."""
    pieces: list[str] = []
    try:
        reply = engine.generate(
            turns, settings or GenerationSettings(), pieces.append, stop or threading.Event(), **kw
        )
    except (EngineError, GenerationCancelled) as error:
        return error, pieces
    return reply, pieces


def failure(engine: RemoteEngine, **kw: Any) -> tuple[str, list[str]]:
    result, pieces = ask(engine, **kw)
    assert isinstance(result, EngineError), result
    return str(result), pieces


# -- replies --------------------------------------------------------------------------------------
def test_a_reply_streams_and_records_the_server_model_and_host(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, "normal")
    turns = (Turn("user", "Hi"), Turn("assistant", "Hello!"), Turn("user", "How are you?"))
    reply, pieces = ask(engine, turns, persona="You are terse.")
    assert isinstance(reply, Reply)
    assert pieces == ["Hello", ", world", "!"] and reply.text == "Hello, world!"
    assert reply.engine == "remote" and reply.tokens == 3  # the server's usage count
    meta = reply.meta()
    assert meta["server_model"] == "fake-served" and meta["host"] == f"127.0.0.1:{fake.port}"
    assert "cut" not in meta and "reasoning" not in meta
    body = fake.chat_requests()[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "normal"
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How are you?"},
    ]
    # Every turn was sent, and the window says so, with an estimated token count.
    assert reply.context.turns_total == reply.context.turns_kept == 3
    assert reply.context.input_ids == [] and reply.context.tokens_used > 0
    assert reply.context.describe().startswith("context about ")
    assert reply.context.limit == 8192  # the server's max_model_len


def test_keep_alive_comments_between_chunks_change_nothing(fake: FakeOpenAI) -> None:
    reply, pieces = ask(engine_for(fake, "keepalive"))
    assert isinstance(reply, Reply) and reply.text == "Hello, world!"
    assert pieces == ["Hello", ", world", "!"]


def test_a_reply_cut_at_its_token_limit_says_so(fake: FakeOpenAI) -> None:
    reply, _ = ask(engine_for(fake, "length"))
    assert isinstance(reply, Reply) and reply.text == "Once upon a time"
    assert reply.meta()["cut"] is True


def test_reasoning_is_kept_apart_from_the_answer(fake: FakeOpenAI) -> None:
    reply, pieces = ask(engine_for(fake, "thinking"))
    assert isinstance(reply, Reply) and reply.text == "The answer is 4."
    assert "think" not in "".join(pieces) and "Four" not in "".join(pieces)
    assert reply.meta()["reasoning"] == "The user wants a number. Four is 2+2."


def test_settings_map_to_the_request(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, "normal")
    ask(engine, settings=PRESETS[FAST_PRESET])  # greedy
    creative = GenerationSettings(
        do_sample=True, temperature=0.7, top_p=0.9, max_new_tokens=50, seed=3, top_k=40
    )
    ask(engine, settings=creative)
    ask(engine, settings=PRESETS[FAST_PRESET].with_changes(seed=3), avoid=("Hello, world!",))
    ask(engine, prefix="Once upon a time ")
    greedy, sampled, regenerated, continued = (r.body for r in fake.chat_requests())
    assert greedy["temperature"] == 0.0 and "top_p" not in greedy and "max_tokens" not in greedy
    assert (sampled["temperature"], sampled["top_p"], sampled["top_k"]) == (0.7, 0.9, 40)
    assert (sampled["max_tokens"], sampled["seed"]) == (50, 3)
    # Regenerate samples (greedy would give the same reply again), with the seed moved on.
    assert regenerated["temperature"] == 0.8 and regenerated["seed"] == 4
    # Continue: the reply so far goes last, and vLLM is asked to carry it on.
    assert continued["messages"][-1] == {"role": "assistant", "content": "Once upon a time"}
    assert continued["continue_final_message"] is True
    assert continued["add_generation_prompt"] is False


def test_a_server_that_refuses_unknown_fields_is_asked_again_without_them(
    fake: FakeOpenAI,
) -> None:
    settings = GenerationSettings(top_k=40, repetition_penalty=1.2, temperature=0.5)
    reply, _ = ask(engine_for(fake, "strict"), settings=settings)
    assert isinstance(reply, Reply) and reply.text == "Hello, world!"
    first, second = (r.body for r in fake.chat_requests())
    assert first["top_k"] == 40 and first["repeat_penalty"] == 1.2
    assert "top_k" not in second and second["temperature"] == 0.5


# -- faults ---------------------------------------------------------------------------------------
def test_a_server_gone_mid_reply_keeps_the_text_streamed(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "drop"))
    assert pieces == ["Hello", ", wor"]
    assert "lost mid-reply" in message or "before the reply was complete" in message
    assert len(fake.chat_requests()) == 1  # not asked again


def test_a_stream_that_just_stops_is_not_a_finished_reply(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "no-done"))
    assert pieces == ["Hello", ", wor"]
    assert message.endswith("closed the connection before the reply was complete.")


def test_an_error_inside_a_200_stream_is_reported_with_the_text_so_far(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "error-chunk"))
    assert pieces == ["Partial"]
    assert message == f"127.0.0.1:{fake.port} reported an error mid-reply: CUDA out of memory"


def test_an_error_before_any_text_is_reported_once(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "error-first"))
    assert pieces == [] and message.endswith("reported an error: The engine is overloaded")
    assert len(fake.chat_requests()) == 1


def test_429_says_the_server_is_busy_and_is_not_retried(fake: FakeOpenAI) -> None:
    message, _ = failure(engine_for(fake, "status-429"))
    assert "busy" in message and "429" in message and "Rate limit reached" in message
    assert len(fake.chat_requests()) == 1


def test_500_before_streaming_gives_the_servers_message_and_is_not_retried(
    fake: FakeOpenAI,
) -> None:
    message, _ = failure(engine_for(fake, "status-500"))
    assert "(500)" in message and "Internal failure in the scheduler" in message
    assert len(fake.chat_requests()) == 1


def test_a_model_gone_from_the_server_is_named(fake: FakeOpenAI) -> None:
    message, _ = failure(engine_for(fake, "status-404"))
    assert "404" in message and "The model `status-404` does not exist." in message


def test_a_server_that_never_answers_times_out_with_a_clear_message(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, "silent", read_timeout_s=1.0)
    started = time.perf_counter()
    message, _ = failure(engine)
    assert time.perf_counter() - started < 3
    assert message == (
        f"127.0.0.1:{fake.port} sent nothing for 1 s; the reply was given up "
        "(the server settings' read timeout)."
    )
    assert fake.wait_disconnect(2) is not None  # the connection was closed, not left hanging


def test_a_slow_first_byte_within_the_timeout_is_fine(fake: FakeOpenAI) -> None:
    reply, _ = ask(engine_for(fake, "slow-first", read_timeout_s=3.0))
    assert isinstance(reply, Reply) and reply.text == "Hello, world!"
    assert reply.first_token_s is not None and reply.first_token_s >= 0.9


def test_garbage_in_the_stream_is_a_clear_error(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "garbage"))
    assert pieces == ["Hi"]
    assert "not a chat reply: '<html><body>502 Bad Gateway" in message


def test_bytes_that_are_not_utf8_are_a_clear_error(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "non-utf8"))
    assert pieces == ["Hi"] and "not UTF-8" in message


def test_a_50_mb_answer_ends_with_a_clear_error_at_10_mb(fake: FakeOpenAI) -> None:
    message, pieces = failure(engine_for(fake, "huge"))
    assert "grew past 10 MB" in message
    assert pieces  # what came before the limit was passed on, so the session keeps it
    assert fake.wait_disconnect(5) is not None  # the client hung up
    assert fake.huge_bytes_sent < 20 * 1024 * 1024


def test_too_long_drops_the_oldest_turns_and_asks_again(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, "context")
    turns = tuple(
        Turn("user" if i % 2 == 0 else "assistant", f"turn {i}: " + "x" * 50) for i in range(7)
    )
    reply, _ = ask(engine, turns)
    assert isinstance(reply, Reply) and reply.text == "Hello, world!"
    first, second = (r.body["messages"] for r in fake.chat_requests())
    assert len(first) == 7 and 1 <= len(second) < 7
    assert second == first[-len(second) :]  # the newest turns, the newest last
    assert reply.context.turns_total == 7 and reply.context.turns_kept == len(second)
    # The server's numbers were learned: the next reply is sent short at once.
    assert engine.context_limit == 100
    ask(engine, turns)
    assert len(fake.chat_requests()) == 3
    assert engine.fit(turns).turns_kept == len(second)


def test_too_long_without_numbers_still_drops_turns_until_it_fits(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, "context-plain")
    turns = tuple(
        Turn("user" if i % 2 == 0 else "assistant", f"turn {i}: " + "x" * 50) for i in range(7)
    )
    reply, _ = ask(engine, turns)
    assert isinstance(reply, Reply)
    sent = [len(r.body["messages"]) for r in fake.chat_requests()]
    assert sent[0] == 7 and sent == sorted(sent, reverse=True) and sent[-1] <= 3
    assert reply.context.turns_kept == sent[-1]


def test_a_newest_message_too_long_alone_is_said_plainly(fake: FakeOpenAI) -> None:
    message, _ = failure(engine_for(fake, "context"), turns=(Turn("user", "y" * 500),))
    assert message.startswith("The newest message does not fit in the context of context")
    assert "maximum context length is 100 tokens" in message


# -- stop -----------------------------------------------------------------------------------------
def generate_in_thread(engine: RemoteEngine, stop: threading.Event) -> dict[str, Any]:
    pieces: list[str] = []
    result: dict[str, Any] = {"pieces": pieces}

    def run() -> None:
        try:
            engine.generate(HELLO, GenerationSettings(), pieces.append, stop)
        except (EngineError, GenerationCancelled) as error:
            result["outcome"] = error
        result["ended"] = time.perf_counter()

    result["thread"] = threading.Thread(target=run)
    result["thread"].start()
    return result


def wait_for(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        assert time.perf_counter() < deadline, "timed out"
        time.sleep(0.01)


def test_stop_mid_stream_closes_the_connection_at_once(fake: FakeOpenAI) -> None:
    fake.slow_chunk_s = 1.5  # much longer than the 0.5 s a stop may take
    stop = threading.Event()
    running = generate_in_thread(engine_for(fake, "slow-stream"), stop)
    wait_for(lambda: len(running["pieces"]) >= 2)
    time.sleep(0.1)  # in the middle of a pause between two chunks: a blocked read
    stopped_at = time.perf_counter()
    stop.set()
    running["thread"].join(5)
    assert isinstance(running.get("outcome"), GenerationCancelled)
    assert running["ended"] - stopped_at < 0.5
    seen = fake.wait_disconnect(2)
    assert seen is not None and seen - stopped_at < 1.0, "the server did not see the stop"
    assert len(running["pieces"]) == 2


def test_stop_during_a_long_silence_before_the_first_byte_is_immediate(fake: FakeOpenAI) -> None:
    stop = threading.Event()
    running = generate_in_thread(engine_for(fake, "silent", read_timeout_s=60.0), stop)
    wait_for(lambda: len(fake.chat_requests()) == 1)
    time.sleep(0.3)  # waiting for the first byte, in a blocked read
    stopped_at = time.perf_counter()
    stop.set()
    running["thread"].join(5)
    assert isinstance(running.get("outcome"), GenerationCancelled)
    assert running["ended"] - stopped_at < 0.5
    seen = fake.wait_disconnect(2)
    assert seen is not None and seen - stopped_at < 1.0


# -- the connection check and the key -------------------------------------------------------------
def test_the_api_key_is_asked_for_refused_and_never_shown(
    fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.required_key = KEY
    caplog.set_level(logging.DEBUG)  # httpx's and httpcore's own debug lines too
    with pytest.raises(EngineError, match="wants an API key"):
        engine_for(fake, "normal")
    wrong = "sk-wrong-" + "9" * 20
    with pytest.raises(EngineError) as refused:
        engine_for(fake, "normal", api_key=wrong)
    assert "refused the API key" in str(refused.value)
    assert wrong not in str(refused.value)  # the server echoed it; it was replaced
    assert "Incorrect API key provided: ***" in str(refused.value)
    engine = engine_for(fake, "normal", api_key=KEY)
    reply, _ = ask(engine)
    assert isinstance(reply, Reply)
    assert fake.chat_requests()[0].authorized == f"Bearer {KEY}"
    request = LoadRequest("x", "auto", 1, server=engine.config, api_key=KEY)
    shown = [caplog.text, repr(engine), repr(request), str(reply.meta()), repr(engine.config)]
    assert not [text for text in shown if KEY in text or wrong in text]
    report = check_connection(fake.base_url, wrong)
    assert not report.ok and wrong not in report.message


def test_check_connection_explains_each_problem(fake: FakeOpenAI) -> None:
    ok = check_connection(fake.base_url, "", "normal")
    assert ok.ok and "normal" in ok.message and ok.suggestion == ""
    # A wrong path: the server answers at /v1.
    wrong_path = check_connection(f"http://127.0.0.1:{fake.port}/api", "")
    assert not wrong_path.ok and wrong_path.suggestion == fake.base_url
    assert wrong_path.message.endswith(f"Did you mean {fake.base_url}?")
    # A model the server does not have: the ones it has are named.
    missing = check_connection(fake.base_url, "", "gpt-9")
    assert not missing.ok and "does not offer the model 'gpt-9'" in missing.message
    assert "normal, keepalive" in missing.message and len(missing.models) > 10
    # HTTPS to a server that speaks HTTP.
    tls = check_connection(f"https://127.0.0.1:{fake.port}/v1", "")
    assert not tls.ok and "does not speak HTTPS" in tls.message
    # Nothing listening.
    with socket_closed_port() as port:
        refused = check_connection(f"http://127.0.0.1:{port}/v1", "")
    assert not refused.ok and "connection refused" in refused.message
    # The models' context lengths, as vLLM and llama.cpp give them.
    lengths = {m.id: m.context_length for m in list_models(fake.base_url, "")}
    assert lengths["normal"] == 8192 and lengths["llama-style"] == 2048


class socket_closed_port:  # noqa: N801 - used as a context manager
    """A port on 127.0.0.1 that nothing listens on."""

    def __enter__(self) -> int:
        import socket

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        return self.port

    def __exit__(self, *exc: object) -> None:
        pass


def test_loading_a_model_the_server_lacks_names_the_ones_it_has(fake: FakeOpenAI) -> None:
    with pytest.raises(EngineError) as missing:
        engine_for(fake, "gpt-9")
    assert "does not offer the model 'gpt-9'. It offers: normal, keepalive" in str(missing.value)


def test_proxies_are_used_for_other_hosts_but_never_for_local_ones(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local server is reached directly, even with a proxy (that does not exist) set.
    with socket_closed_port() as dead:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{dead}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert list_models(fake.base_url, "")
    # Another host goes through the environment's proxy (here: the fake, which answers).
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{fake.port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{fake.port}")
    assert list_models("http://models.example.com/v1", "")
    assert fake.requests[-1].path == "http://models.example.com/v1/models"


# -- the worker and the window --------------------------------------------------------------------
@pytest.fixture
def host(qtbot: Any, tmp_path: Path) -> Iterator[WorkerHost]:
    worker = ChatWorker(tmp_path)
    host = WorkerHost(worker)
    yield host
    assert host.shutdown(10_000)


def test_the_window_stays_responsive_while_a_slow_server_streams(
    fake: FakeOpenAI, host: WorkerHost, qtbot: Any
) -> None:
    fake.slow_chunk_s = 0.1
    config = ServerConfig("fake", fake.base_url, "slow-stream")
    with worker_signal(qtbot, host.worker.loaded, timeout=10_000) as loaded:
        host.load_requested.emit(LoadRequest("fake", "auto", 1, server=config))
    assert loaded.args[0].engine == "remote" and loaded.args[0].reference == ""
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    deltas: list[str] = []
    host.worker.reply_delta.connect(lambda request_id, delta: deltas.append(delta))
    heartbeat.start()
    with worker_signal(qtbot, host.worker.reply_cancelled, timeout=10_000):
        host.generate(GenerateRequest(1, HELLO))
        qtbot.waitUntil(lambda: len(deltas) >= 10, timeout=10_000)
        host.stop_reply(1)
    heartbeat.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 30 and max(gaps) < 0.25, max(gaps)
    assert fake.wait_disconnect(2) is not None


def test_offline_mode_never_contacts_the_server(
    fake: FakeOpenAI, host: WorkerHost, qtbot: Any, offline: None, no_network: NetworkGuard
) -> None:
    config = ServerConfig("gpu-box", fake.base_url, "normal")
    with worker_signal(qtbot, host.worker.load_failed, timeout=10_000) as failed:
        host.load_requested.emit(LoadRequest("gpu-box", "auto", 1, server=config))
    assert failed.args[0] == (
        f"Offline mode is on: the server gpu-box (127.0.0.1:{fake.port}) is not contacted."
    )
    assert fake.requests == [] and no_network.attempts == []


def test_the_window_keeps_a_reply_interrupted_by_a_lost_server(
    fake: FakeOpenAI, make_window: WindowFactory, qtbot: Any
) -> None:
    config = ServerConfig("fake", fake.base_url, "drop")
    window = make_window("drop @ fake", server=config)
    assert window.model_info.engine == "remote"
    with worker_signal(qtbot, window.host.worker.reply_failed, timeout=10_000):
        window.input_box.setPlainText("Say hello")
        window.send_message()
    qtbot.waitUntil(lambda: not window.session.pending, timeout=5_000)
    *_, reply, note = window.conversation.messages
    assert reply.role == "assistant" and reply.content == "Hello, wor"
    assert "before the reply was complete" in reply.meta["interrupted"]
    assert note.role == "system" and note.content == reply.meta["interrupted"]

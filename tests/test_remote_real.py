"""A real OpenAI-compatible server: llama-cpp-python's ``llama_cpp.server`` with SmolLM2-135M.

The server runs the same GGUF as tests/test_real_model.py (``.ci/run`` unpacks it into
``.cache/smollm2/``), on 127.0.0.1 at a free port, for this module. The window chats through
it; a reply stopped mid-stream ends on the server too (its log says the client went away,
and with ``--interrupt_requests False`` a following request is only answered promptly when
the server is idle); ``--self-test --server`` reports the remote engine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.context import Turn
from core.engines.base import GenerationCancelled, Reply
from core.engines.remote_engine import RemoteEngine
from core.servers import ServerConfig, list_models
from core.settings import FAST_PRESET, PRESETS, GenerationSettings
from tests.conftest import WindowFactory
from tests.test_cli import last_json_line, run_main
from tests.test_real_model import smollm2_dir

pytest.importorskip(
    "llama_cpp.server.app",
    reason="llama-cpp-python[server] is not installed (pip install -r requirements-dev.txt)",
)

ALIAS = "smollm2"
START_TIMEOUT_S = 120
GREEDY_SHORT = PRESETS[FAST_PRESET].with_changes(max_new_tokens=48)
PERSONA = "You are a helpful assistant."


@dataclass
class LlamaServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    startup_s: float

    def log_text(self) -> str:
        return self.log.read_text("utf-8", "replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    folder = smollm2_dir()
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide the SmolLM2 model (see .ci/run)")
        pytest.skip("SmolLM2 GGUF not unpacked into .cache/smollm2 (see tests/test_real_model.py)")
    gguf = next(folder.glob("*.gguf"))
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
        "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "2", "--interrupt_requests", "False",
    ]  # fmt: skip
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", process, log, 0.0)
    try:
        while True:
            assert process.poll() is None, f"the server ended:\n{server.log_text()}"
            assert time.perf_counter() - started < START_TIMEOUT_S, server.log_text()
            try:
                if list_models(server.base_url, "", timeout_s=1.0):
                    break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
        server.startup_s = time.perf_counter() - started
        print(f"llama_cpp.server answered /v1/models after {server.startup_s:.1f} s")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def config(server: LlamaServer) -> ServerConfig:
    # llama-cpp-python's /v1/models gives no context length: the server settings do.
    return ServerConfig("llama", server.base_url, ALIAS, context_length=2048)


def test_the_window_chats_through_a_real_server(
    qtbot: Any, make_window: WindowFactory, llama_server: LlamaServer
) -> None:
    window = make_window(f"{ALIAS} @ llama", server=config(llama_server))
    info = window.model_info
    assert (info.engine, info.model_id, info.context_limit) == ("remote", ALIAS, 2048)
    assert info.device_reason == f"remote: {ALIAS} @ {llama_server.base_url.split('/')[2]}"
    window.session.set_settings(GREEDY_SHORT)
    # The persona goes to the server as the system message (without one, SmolLM2's template
    # puts in its own).
    window.session.set_persona(PERSONA)
    streamed: list[str] = []
    window.host.worker.reply_delta.connect(lambda request_id, delta: streamed.append(delta))
    with qtbot.waitSignal(window.reply_shown, timeout=120_000) as shown:
        window.input_box.setPlainText("What is the capital of France?")
        window.send_message()
    reply = shown.args[0]
    # The question reached the model, whatever it answers: this small model's greedy answer
    # through llama.cpp is not a function of the request alone. On an AVX2 machine here the
    # same request, sent twice to one server, was answered "The capital of France is Paris."
    # and "La femme de France, le Grand Croix. …" (the server reuses the cached prompt of the
    # previous request, and Q4_1 sums in another order tip it); an AVX-512 one said Paris.
    assert "France" in reply.text or "Paris" in reply.text
    assert "".join(streamed).strip() == reply.text and len(streamed) > 1  # streamed
    message = window.conversation.messages[-1]
    assert message.content == reply.text
    assert message.meta["engine"] == "remote" and message.meta["server_model"] == ALIAS
    assert reply.tokens > 1 and reply.context.turns_kept == 1


def test_stop_ends_the_reply_on_the_server_too(llama_server: LlamaServer) -> None:
    engine = RemoteEngine(config(llama_server))
    engine.load(lambda percent, text: None)
    # At least 1500 tokens (llama-cpp-python's min_tokens): over 10 s of work for the server.
    long_story = GenerationSettings(temperature=0.0, max_new_tokens=1800, min_length=1500)
    turns = (Turn("user", "Write a very long story about a dragon who learns to bake bread."),)
    stop = threading.Event()
    pieces: list[str] = []
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(engine.generate(turns, long_story, pieces.append, stop))
        except GenerationCancelled as cancelled:
            outcome.append(cancelled)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.perf_counter() + 60
    while len(pieces) < 5:
        assert time.perf_counter() < deadline and thread.is_alive(), "no text streamed"
        time.sleep(0.01)
    stopped_at = time.perf_counter()
    stop.set()
    thread.join(10)
    assert outcome and isinstance(outcome[0], GenerationCancelled)
    cancelled_s = time.perf_counter() - stopped_at
    assert cancelled_s < 1.0
    # The server saw the client go away...
    deadline = time.perf_counter() + 10
    while "Disconnected from client" not in llama_server.log_text():
        assert time.perf_counter() < deadline, llama_server.log_text()[-2000:]
        time.sleep(0.05)
    # ...and is idle: it runs one request at a time and does not interrupt one for the next
    # (--interrupt_requests False), so a short request answers promptly (in about 0.1 s)
    # only if the long story was ended.
    asked = time.perf_counter()
    short = GenerationSettings(temperature=0.0, max_new_tokens=8)
    reply = engine.generate((Turn("user", "Say hi"),), short, lambda piece: None, threading.Event())
    assert isinstance(reply, Reply) and reply.text
    assert time.perf_counter() - asked < 3


def test_self_test_through_a_server(llama_server: LlamaServer, tmp_path: Path) -> None:
    done = run_main(
        "--self-test",
        "--server",
        llama_server.base_url.removesuffix("/v1"),  # the /v1 is added
        "--server-model",
        ALIAS,
        "--data-dir",
        str(tmp_path),
        timeout=180,
    )
    result = last_json_line(done.stdout)
    assert done.returncode == 0, done.stderr
    assert result["ok"] is True and result["engine"] == "remote" and result["model"] == ALIAS
    assert isinstance(result["reply"], str) and result["reply"]

"""Adding an inference server in the window, as a user does: the server dialog tests the
connection and lists the models, the key goes to the keyring (or, with no keyring, to the
settings file only with consent), the picker lists the server, and a chat started on the
local model goes on through the server and back, each reply recording who wrote it.

The server is a small OpenAI-compatible one of the test's own on 127.0.0.1 (real HTTP and
server-sent events); the keyring is keyrings.alt's file keyring, a real backend."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring  # type: ignore[import-untyped]
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.secrets import SERVICE
from core.settings import GenerationSettings
from gui.model_picker import SERVER_PREFIX, ModelPicker
from tests.conftest import WindowFactory

KEY = "sk-test-very-secret-123"


class ChatServer(BaseHTTPRequestHandler):
    """GET /v1/models and a streamed POST /v1/chat/completions that names the question."""

    seen: list[dict[str, Any]]

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != "/v1/models":
            self._json(404, {"error": {"message": "not found"}})
            return
        self._json(200, {"data": [{"id": "tiny-remote", "max_model_len": 2048}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        self.seen.append({"body": body, "authorization": self.headers.get("Authorization")})
        question = body["messages"][-1]["content"]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ["Remote ", "answer ", f"to: {question}"]:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Handler", (ChatServer,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[Path]:
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)
    yield tmp_path / "keyring.cfg"
    keyring.set_keyring(previous)


def fill_server_dialog(qtbot: Any, window: Any, address: str, answer: Any = None) -> None:
    """Type into the server dialog as a user would, test the connection, and save."""
    dialog = window.model_choices.server_dialog
    qtbot.keyClicks(dialog.name_edit, "Home")
    qtbot.keyClicks(dialog.url_edit, address.removeprefix("http://"))  # no scheme, no /v1
    qtbot.keyClicks(dialog.key_edit, KEY)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report.ok, dialog.report.message
    assert "Connected to 127.0.0.1" in dialog.status.text()
    assert dialog.model_box.currentText() == "tiny-remote"
    if answer is not None:
        QTimer.singleShot(0, lambda: answer_box(answer))
    dialog.save_button.click()


def answer_box(button: Any) -> None:
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox))
    box.button(button).click()


def test_a_chat_goes_on_through_a_server_and_back_and_the_key_stays_in_the_keyring(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    server: tuple[str, list[dict[str, Any]]],
    file_keyring: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    address, seen = server
    window = make_window(tiny_model)
    window.session.set_settings(GenerationSettings(num_beams=1, do_sample=False, max_length=8))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Hello local bot")
        window.send_message()

    QTimer.singleShot(200, lambda: fill_server_dialog(qtbot, window, address))
    saved = window.model_choices.edit_server(None)
    assert saved is not None and saved.base_url == f"{address}/v1"
    assert keyring.get_password(SERVICE, "server:Home") == KEY
    settings_text = window.settings.path.read_text() if window.settings.path.exists() else ""
    window.settings.sync()
    assert KEY not in window.settings.path.read_text() + settings_text

    picker = ModelPicker(
        window.options.data_dir, [], "", window, servers=window.settings.servers
    )
    rows = [picker.server_list.item(i).text() for i in range(picker.server_list.count())]
    assert rows and rows[0].startswith("tiny-remote @ 127.0.0.1")
    picker.close()

    with qtbot.waitSignal(window.model_ready, timeout=30_000):
        window.start_loading(SERVER_PREFIX + "Home")
    assert window.device_label.text().startswith("remote: tiny-remote @ 127.0.0.1")
    with qtbot.waitSignal(window.reply_shown, timeout=30_000):
        window.input_box.setPlainText("And you, server?")
        window.send_message()
    QApplication.processEvents()
    assert seen[-1]["authorization"] == f"Bearer {KEY}"
    sent = [m["content"] for m in seen[-1]["body"]["messages"]]
    assert sent[-3:-1] == ["Hello local bot", window.conversation.messages[1].content]
    reply = window.conversation.messages[3]
    assert reply.content == "Remote answer to: And you, server?"
    assert reply.meta["engine"] == "remote" and reply.meta["model"] == "tiny-remote"

    with qtbot.waitSignal(window.model_ready, timeout=60_000):
        window.start_loading(str(tiny_model))
    with qtbot.waitSignal(window.reply_shown, timeout=60_000):
        window.input_box.setPlainText("Back home")
        window.send_message()
    engines = [m.meta.get("engine") for m in window.conversation.messages[1::2]]
    assert engines == ["transformers", "remote", "transformers"]
    chat_file = window.session.current.path.read_text()
    assert KEY not in chat_file and "tiny-remote" in chat_file
    assert caplog.records and not [r for r in caplog.records if KEY in r.getMessage()]


def test_without_a_keyring_the_key_is_written_to_the_file_only_with_consent(
    qtbot: Any,
    make_window: WindowFactory,
    tiny_model: Path,
    server: tuple[str, list[dict[str, Any]]],
) -> None:
    address, _seen = server
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = make_window(tiny_model, load=False)
        QTimer.singleShot(
            200, lambda: fill_server_dialog(qtbot, window, address, QMessageBox.StandardButton.No)
        )
        assert window.model_choices.edit_server(None) is not None
        window.settings.sync()
        assert KEY not in window.settings.path.read_text()  # No: kept for this session only
        assert window.model_choices.server_for(SERVER_PREFIX + "Home")[1] == KEY

        server_config = window.settings.server("Home")
        QTimer.singleShot(200, lambda: save_again(qtbot, window))
        assert window.model_choices.edit_server(server_config) is not None
        window.settings.sync()
        assert KEY in window.settings.path.read_text()  # Yes: in the file, as asked
    finally:
        keyring.set_keyring(previous)


def save_again(qtbot: Any, window: Any) -> None:
    dialog = window.model_choices.server_dialog
    assert dialog.key_edit.text() == KEY  # the session's key is shown again
    QTimer.singleShot(0, lambda: answer_box(QMessageBox.StandardButton.Yes))
    dialog.save_button.click()

"""Real processes on one data folder: a second start hands its file to the first (or opens
read-only when the first does not answer), and SIGTERM closes the app like its window would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.conversation import Conversation
from core.data_lock import DataFolderLock
from core.settings import GenerationSettings
from core.transcript import Transcript, load, save
from tests.test_cli import ROOT, last_json_line, run_main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class App:
    """``python main.py`` running in the background, with its log to read."""

    def __init__(self, data: Path, model: Path, *args: str) -> None:
        self.log = data / "logs" / "confab.log"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        command = [sys.executable, str(ROOT / "main.py"), *args]
        command += ["--offline", "--model", str(model), "--data-dir", str(data)]
        command += ["--engine", "transformers", "--threads", "1"]
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def log_text(self) -> str:
        try:
            return self.log.read_text("utf-8", errors="replace")
        except OSError:
            return ""

    def wait_for_log(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            assert self.process.poll() is None, f"the app exited:\n{self.log_text()}"
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{self.log_text()}"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait(30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def apps() -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        app.stop()


def transcript_file(
    path: Path, *turns: str, settings: GenerationSettings | None = None
) -> Path:
    conversation = Conversation()
    for i, text in enumerate(turns):
        conversation.add("user" if i % 2 == 0 else "assistant", text)
    save(path, Transcript(conversation, settings=settings or GenerationSettings()))
    return path


def test_a_second_start_hands_its_file_to_the_first_and_exits(
    apps: list[App], tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = App(data, tiny_model)
    apps.append(first)
    first.wait_for_log("listening for other instances")
    chat = transcript_file(tmp_path / "trip.confab.json", "Where to?", "The sea!")

    started = time.monotonic()
    second = run_main(str(chat), "--data-dir", str(data), "--offline", timeout=60)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "handed_off=1" in second.stdout
    assert time.monotonic() - started < 30

    first.wait_for_log("another instance handed over 1 file(s)")
    deadline = time.monotonic() + 30
    opened = data / "opened-files.json"
    while not opened.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads(opened.read_text("utf-8")) == [str(chat.resolve())]


def test_a_first_process_that_does_not_answer_leaves_the_second_read_only(
    apps: list[App], tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = App(data, tiny_model)
    apps.append(first)
    first.wait_for_log("listening for other instances")
    first.process.send_signal(signal.SIGSTOP)  # hung: holds the folder, answers nobody
    done = run_main(
        "--self-test", "--offline", "--model", str(tiny_model), "--data-dir", str(data),
        "--engine", "transformers", "--threads", "1", timeout=300,
    )
    result = last_json_line(done.stdout)
    assert result["ok"] is True and result["read_only"] is True


def test_the_lock_is_one_writer_per_folder_and_dies_with_its_process(tmp_path: Path) -> None:
    first, second = DataFolderLock(tmp_path), DataFolderLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
         "from core.data_lock import DataFolderLock; from pathlib import Path; "
         f"lock = DataFolderLock(Path({str(tmp_path)!r})); assert lock.acquire(); "
         "print('held', flush=True); import time; time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert not first.acquire()
    holder.kill()
    holder.wait(10)
    holder.stdout.close()
    assert first.acquire()  # a killed holder leaves no stale lock
    first.release()


def test_sigterm_mid_reply_closes_within_two_seconds_with_the_chat_saved(
    apps: list[App], slow_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    # Opened with the user's turn last, the chat is answered as soon as the model is ready.
    # A beam search forced to 120 tokens: several seconds, still running when the signal comes.
    long_beam = GenerationSettings(num_beams=10, min_length=120, max_length=120)
    chat = transcript_file(
        tmp_path / "story.confab.json", "Tell me a very long story", settings=long_beam
    )
    before = load(chat).transcript.conversation.messages
    app = App(data, slow_model, str(chat))
    apps.append(app)
    app.wait_for_log("asking for reply 1")
    time.sleep(0.5)  # inside the beam search now
    sent = time.monotonic()
    app.process.send_signal(signal.SIGTERM)
    code = app.process.wait(30)
    exit_s = time.monotonic() - sent
    assert code == 0, app.log_text()
    assert exit_s < 2.0, f"exited {exit_s:.2f} s after SIGTERM"
    assert "SIGTERM received: closing" in app.log_text()
    after = load(chat).transcript.conversation.messages
    assert [m.content for m in after] == [m.content for m in before]


def test_the_model_loads_while_the_start_up_question_is_open(
    apps: list[App], tiny_model: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    transcript_file(data / "autosave.confab.json", "Left over from last time")
    app = App(data, tiny_model)
    apps.append(app)
    app.wait_for_log("asking whether to import the old autosave")
    app.wait_for_log("gui.worker: loaded ")  # ready, and nobody has answered
    assert "the import question was answered" not in app.log_text()

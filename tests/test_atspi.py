"""A screen-reader walkthrough over AT-SPI, the bus Orca reads (issue 12).

The real app runs under Xvfb in a private D-Bus session with Qt's accessibility bridge on.
``tests/atspi_reader.py``, run with Debian's Python and ``python3-pyatspi``, waits for the model
through the "ready" announcement, asks two questions, and reads each reply with its author from
the message list, the way a screen reader would; this test checks what it saw.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
QUESTIONS = ["Hello there, who are you?", "What do you like to read?"]
ROW_NAME = re.compile(r"^(You|Bot), (\d{2}:\d{2}): (.*)$", re.DOTALL)


def missing_tools() -> str:
    """Why the walkthrough cannot run here, or "" when it can."""
    for tool in ("Xvfb", "dbus-run-session"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing"
    check = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi, gi"], capture_output=True, check=False
    )
    if check.returncode != 0:
        return "python3-pyatspi is not installed for /usr/bin/python3"
    return ""


@pytest.fixture
def x_display() -> Iterator[str]:
    """A fresh Xvfb display that the test owns; it picks a free display number itself."""
    why_not = missing_tools()
    if why_not:
        pytest.skip(why_not)
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    try:
        if not number:
            pytest.fail("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_a_screen_reader_hears_the_model_ready_and_reads_both_replies_with_their_author(
    tiny_model: Path, tmp_path: Path, x_display: str
) -> None:
    out = tmp_path / "reader.json"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBUS_", "AT_SPI", "QT_", "WAYLAND"))
    }
    env.update(
        DISPLAY=x_display,
        QT_QPA_PLATFORM="xcb",
        QT_ACCESSIBILITY="1",
        QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    app = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path / "data"),
           "--model", str(tiny_model), "--offline", "--engine", "transformers", "--threads", "1"]
    reader = [SYSTEM_PYTHON, str(ROOT / "tests" / "atspi_reader.py"), str(out), *QUESTIONS]
    run = subprocess.run(
        ["dbus-run-session", "--", *reader, "--", *app],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.is_file(), run.stderr[-3000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in seen, (seen.get("error"), seen["steps"], run.stderr[-3000:])

    # Loading is announced, and then that the model is ready; the status label reads it too.
    texts = [a["text"] for a in seen["announcements"]]
    assert any(t.startswith("Loading the model") for t in texts), texts
    assert seen["ready"] == [f"The model {tiny_model.name} is ready"]
    assert seen["model_status"].startswith(f"Ready: {tiny_model.name}")

    # Each message reads as its author, the time, and its text; the description has it whole.
    rows = [ROW_NAME.match(row["name"]) for row in seen["messages"]]
    assert all(rows), seen["messages"]
    authors = [row.group(1) for row in rows if row]
    assert authors == ["You", "Bot", "You", "Bot"]
    user_rows = [seen["messages"][0], seen["messages"][2]]
    assert [row["description"] for row in user_rows] == QUESTIONS
    assert [row.group(3) for row in (rows[0], rows[2]) if row] == QUESTIONS

    # Each finished reply was announced with its text, as the list holds it.
    replies = [t.removeprefix("Bot: ") for t in texts if t.startswith("Bot: ")]
    assert len(replies) == 2, texts
    for reply, row, match in zip(replies, seen["messages"][1::2], rows[1::2], strict=True):
        assert reply and row["description"].strip() == reply
        assert match is not None
        assert " ".join(reply.split()).startswith(match.group(3).removesuffix("…"))

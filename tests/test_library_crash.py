"""SIGKILL at random moments while the library chats, switches, renames, deletes and undoes:
every chat file left is a whole transcript, and a restart lists every chat that was kept."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.library import ChatLibrary
from core.transcript import load

REPO = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).with_name("library_crash_child.py")
TRIALS = 120

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def last_report(output: str) -> dict[str, object] | None:
    reports = [line for line in output.splitlines() if line.endswith("}")]
    for line in reversed(reports):
        try:
            value: dict[str, object] = json.loads(line)
            return value
        except ValueError:  # the line being printed when the kill came
            continue
    return None


def test_sigkill_never_loses_or_tears_a_chat(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(20261201)
    checked_files = reports = 0
    for trial in range(TRIALS):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(REPO), str(data), str(trial)],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.25, 0.6))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate(timeout=30)
        report = last_report(output)

        chat_files = [p for p in (data / "chats").glob("*.confab.json")]
        trash_files = [p for p in (data / "trash").glob("*.confab.json")] if (
            data / "trash"
        ).is_dir() else []
        for path in chat_files + trash_files:
            load(path)  # a torn or empty file raises TranscriptError
            checked_files += 1
        library = ChatLibrary(data)
        listed = library.scan()
        assert not [c for c in listed if c.damaged], trial
        assert len(listed) == len(chat_files)
        if report is not None:
            reports += 1
            ids_on_disk = {load(p).transcript.chat_id for p in chat_files + trash_files}
            reported = report["kept"]
            assert isinstance(reported, list)
            kept = set(reported)
            # A chat the child had kept is in the library or, if the kill came during a
            # delete, in the trash; none is gone.
            assert kept <= ids_on_disk, (trial, kept - ids_on_disk)
    print(f"{TRIALS} kills, {reports} after some steps, {checked_files} chat files checked")
    assert checked_files > TRIALS and reports > TRIALS // 2

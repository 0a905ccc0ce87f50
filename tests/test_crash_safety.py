"""Crash safety: kill a process in the middle of saving, again and again, and the chat on
disk is always one whole version, old or new, never a torn or empty file (issue 3)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.conversation import Conversation, Message, Role
from core.transcript import Transcript, dumps, load, save

REPO = Path(__file__).resolve().parent.parent
TRIALS = 60
T0 = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)

# Saves the two versions over the target in turn, forever, until it is killed.
SAVER = """
import sys
sys.path.insert(0, sys.argv[1])
from core.transcript import load, save
small, large = load(sys.argv[2]).transcript, load(sys.argv[3]).transcript
target = sys.argv[4]
save(target, small)
print("ready", flush=True)
while True:
    save(target, large)
    save(target, small)
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def chat(messages: int, words: int) -> Transcript:
    conversation = Conversation(title=f"{messages} messages", created_at=T0, updated_at=T0)
    for i in range(messages):
        at = T0 + timedelta(seconds=i)
        role: Role = "user" if i % 2 == 0 else "assistant"
        conversation.messages.append(Message(role, f"{i} <b>" + "word " * words, at))
    return Transcript(conversation, "facebook/blenderbot-400M-distill")


def test_killing_a_save_at_random_moments_always_leaves_a_whole_transcript(tmp_path):
    small, large = chat(3, 5), chat(300, 100)  # about 1 KB and 180 KB
    versions = {dumps(small).encode("utf-8"): "small", dumps(large).encode("utf-8"): "large"}
    save(tmp_path / "small.json", small)
    save(tmp_path / "large.json", large)
    folder = tmp_path / "chats"
    folder.mkdir()
    target = folder / "chat.confab.json"
    rng = random.Random(3)
    seen: dict[str, int] = {"small": 0, "large": 0}
    killed_mid_save = 0
    started = time.monotonic()

    for trial in range(TRIALS):
        saver = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SAVER,
                str(REPO),
                *(str(tmp_path / n) for n in ("small.json", "large.json")),
                str(target),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert saver.stdout is not None
            assert saver.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.06))
        finally:
            os.kill(saver.pid, signal.SIGKILL)
            saver.wait(timeout=10)
            if saver.stdout is not None:
                saver.stdout.close()
        assert saver.returncode == -signal.SIGKILL, "the saver died on its own"

        content = target.read_bytes()
        assert content in versions, f"trial {trial}: the file is torn ({len(content)} bytes)"
        seen[versions[content]] += 1
        assert load(target).transcript == (small if versions[content] == "small" else large)

        leftovers = [p for p in folder.iterdir() if p != target]
        assert all(
            p.name.startswith(".chat.confab.json.") and p.suffix == ".tmp" for p in leftovers
        )
        killed_mid_save += bool(leftovers)
        for leftover in leftovers:  # a killed process cannot clean up after itself
            leftover.unlink()

    elapsed = time.monotonic() - started
    print(f"{TRIALS} kills in {elapsed:.1f} s: {seen}, {killed_mid_save} mid-save")
    assert seen["small"] and seen["large"], f"every kill found the same version: {seen}"
    assert killed_mid_save, "no kill landed during a save; the test proved nothing"

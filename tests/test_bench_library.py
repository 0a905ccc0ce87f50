"""The library benchmark runs end to end on a tiny library (its numbers mean nothing here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.library import QUERIES, TARGETS, main
from core.transcript import load


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    argv = ["--chats", "20", "--messages", "400", "--cache", str(tmp_path), "--json"]
    assert main([*argv, "--repeats", "2", "--startup-repeats", "2"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 1  # one JSON line on stdout
    report = json.loads(lines[0])
    assert isinstance(report, dict)
    return report, captured.err


def test_the_library_benchmark_reports_its_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, table = run(tmp_path, capsys)

    assert report["chats"] == 20
    assert report["messages"] == 400
    assert report["damaged_files"] == 0
    assert report["generated_now"] is True
    for key in ("build_s", "startup_s", "startup_cpu_s", "index_bytes", "library_bytes"):
        assert report[key] > 0, key
    for key in ("open", "summaries", "scan_and_check", "total"):
        assert report["startup_parts_s"][key] >= 0, key
    assert set(report["search_ms"]) == set(QUERIES)
    assert all(report["search_shown"][name] > 0 for name in QUERIES)  # the queries hit
    assert report["search_word_ms"] == report["search_ms"]["word"]
    assert report["search_phrase_ms"] == report["search_ms"]["phrase"]
    assert set(report["targets"]) == set(TARGETS)
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())
    assert "targets" in table and "start-up" in table  # the table, for people

    chats = sorted((tmp_path / "library-20-400" / "chats").glob("*.confab.json"))
    assert len(chats) == 20
    assert sum(len(load(path).transcript.conversation.messages) for path in chats) == 400
    assert any("é" in path.read_text(encoding="utf-8") for path in chats)  # accented words


def test_a_second_run_reuses_the_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(tmp_path, capsys)
    chat = tmp_path / "library-20-400" / "chats" / "chat-00000.confab.json"
    before = chat.stat().st_mtime_ns
    report, _ = run(tmp_path, capsys)
    assert report["generated_now"] is False
    assert chat.stat().st_mtime_ns == before
    assert report["messages"] == 400

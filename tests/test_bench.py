"""The benchmark runs end to end (on a tiny model here; its numbers mean nothing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.run import MODEL_NAME, TARGETS, main
from bench.system import decoder_step_bytes
from random_models import REAL_CONFIG_DIR


def test_the_benchmark_prints_its_report(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(tiny_model, tmp_path / MODEL_NAME)
    (tmp_path / MODEL_NAME / "built.json").write_text("{}", encoding="utf-8")

    assert main(["--json", "--repeats", "1", "--threads", "1", "--cache", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    for key in ("speedup_beam10", "speedup_greedy", "first_token_s", "peak_rss_mb"):
        assert report[key] > 0, key
    assert set(report["targets"]) == set(TARGETS)
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())
    assert report["reply_tokens"]["greedy_tokens_fast_int8"] > 0
    assert report["load_s"]["fast_int8_with_conversion"] > 0
    assert report["fast_only_process"]["app_self_test"]["engine"] == "int8"  # the real app
    assert "targets:" in captured.err  # the table, for people


def test_a_decoding_step_reads_286_million_weights() -> None:
    config = json.loads((REAL_CONFIG_DIR / "config.json").read_text(encoding="utf-8"))
    assert round(decoder_step_bytes(config, 1.0) / 1e6, 1) == 285.5  # PERFORMANCE.md: ~286 M


def test_the_stall_benchmark_times_the_window_while_a_model_loads(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import stalls

    code = stalls.main(
        ["--model", str(tiny_model), "--engine", "transformers", "--json",
         "--data-dir", str(tmp_path)]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["ready_s"] > 0
    assert report["worst_stall_ms"] >= 0 and isinstance(report["stalls"], list)

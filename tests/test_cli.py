"""``python main.py`` as a person (or the packaged app's smoke test) runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_main(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=ROOT,
    )


def last_json_line(output: str) -> dict[str, object]:
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line in output:\n{output}"
    result: dict[str, object] = json.loads(lines[-1])
    return result


def test_self_test_loads_the_model_and_answers(tiny_model: Path, tmp_path: Path) -> None:
    # The user's remembered choices differ from the command line's, which apply to this run only.
    settings_ini = tmp_path / "settings.ini"
    settings_ini.write_text(
        "[model]\nengine=fast\nthreads=3\n\n[files]\nrecent=/somewhere/chat.confab.json\n",
        "utf-8",
    )
    before = settings_ini.read_bytes()
    done = run_main(
        "--self-test",
        "--offline",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(tmp_path),
        "--engine",
        "transformers",
    )
    result = last_json_line(done.stdout)
    assert done.returncode == 0, done.stderr
    assert result["ok"] is True
    assert result["model"] == tiny_model.name
    assert result["engine"] == "transformers"
    assert isinstance(result["reply"], str) and result["reply"]
    assert float(result["load_s"]) > 0 and float(result["reply_s"]) > 0  # type: ignore[arg-type]
    assert settings_ini.read_bytes() == before
    assert (tmp_path / "logs").is_dir()
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"settings.ini", "logs", "self-test.json"}
    assert json.loads((tmp_path / "self-test.json").read_text("utf-8")) == result


def test_self_test_reports_a_bad_model_as_json(tmp_path: Path) -> None:
    done = run_main(
        "--self-test",
        "--offline",
        "--model",
        str(tmp_path / "missing"),
        "--data-dir",
        str(tmp_path),
    )
    assert done.returncode == 1
    result = last_json_line(done.stdout)
    assert result["ok"] is False
    assert "does not exist" in str(result["error"])


def test_self_test_offline_with_an_uncached_hub_model_fails_cleanly(tmp_path: Path) -> None:
    done = run_main(
        "--self-test",
        "--offline",
        "--model",
        "facebook/blenderbot-400M-distill",
        "--data-dir",
        str(tmp_path / "data"),
        env={"HF_HUB_CACHE": str(tmp_path / "empty-cache")},
    )
    assert done.returncode == 1
    assert "not in the local Hugging Face cache" in str(last_json_line(done.stdout)["error"])


def test_version_and_help() -> None:
    assert run_main("--version").stdout.startswith("Confab ")
    help_text = run_main("--help").stdout
    for flag in ("--model", "--offline", "--data-dir", "--self-test", "--engine"):
        assert flag in help_text


def test_the_window_is_shown_before_the_heavy_imports(tiny_model: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--offline",
            "--model",
            str(tiny_model),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONFAB_REPORT_WINDOW_SHOWN": "1"},
    )
    try:
        assert process.stdout is not None
        shown = process.stdout.readline().strip()
        heavy = process.stdout.readline().strip()
    finally:
        started = time.perf_counter()
        process.terminate()
        process.wait(timeout=10)
    assert shown.startswith("window_shown_s=")
    print(shown, f"(terminated in {time.perf_counter() - started:.2f} s)")
    assert heavy == "heavy_imports_done=False"


def test_an_unusable_data_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = run_main("--self-test", "--offline", "--data-dir", str(blocker / "data"))
    assert done.returncode == 2
    assert "data folder" in str(last_json_line(done.stdout)["error"])

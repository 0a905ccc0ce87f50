"""The double-clickable bundle: build it with build.spec, then use it as a user would.

Slow (a PyInstaller build of torch + transformers + PySide6 takes minutes), so it runs
only with CONFAB_PACKAGING=1, e.g. ``CONFAB_PACKAGING=1 pytest -m packaging -s``. The
bundle is built from a copy of the source tree (tracked and not-ignored files only, so
stale build output cannot leak in), then:

- its ``--self-test`` loads a tiny model in the worker thread and answers one message;
- its size on disk is recorded (target: under 1.1 GB);
- the time from launching it to its window being shown is recorded (target: 3 s).

The measurements are printed and written to ``measurements.json`` in the test's
temporary folder.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from random_models import build_blenderbot

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "Confab"
MAX_BUNDLE_BYTES = 1.1e9
WINDOW_TARGET_S = 3.0
WINDOW_LIMIT_S = 10.0  # generous: this is a benchmark target, not a timed unit test
LAUNCHES = 3

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(
        os.environ.get("CONFAB_PACKAGING") != "1",
        reason="set CONFAB_PACKAGING=1 to build the bundle",
    ),
    pytest.mark.timeout(1800),
]


class Bundle:
    """A built bundle, and the measurements taken of it."""

    def __init__(self, work: Path, executable: Path, folder: Path) -> None:
        self.work = work
        self.executable = executable
        self.folder = folder
        self.measurements: dict[str, Any] = {}


def source_files() -> list[str]:
    """The project's files as a fresh checkout plus uncommitted work would have them."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listing.stdout.decode().split("\0") if name]


def copy_source_tree(destination: Path) -> None:
    for name in source_files():
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def app_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", **extra)
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    work = tmp_path_factory.mktemp("packaging")
    source = work / "src"
    copy_source_tree(source)
    started = time.perf_counter()
    build = subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", str(source / "build.spec"), "--noconfirm",
            "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    (work / "build.log").write_text(build.stdout + build.stderr, encoding="utf-8")
    log = work / "build.log"
    assert build.returncode == 0, f"the build failed; see {log}:\n{build.stderr[-4000:]}"
    folder = work / "dist" / APP_NAME
    executable = folder / (APP_NAME + (".exe" if sys.platform == "win32" else ""))
    built = Bundle(work, executable, folder)
    built.measurements["build_s"] = round(time.perf_counter() - started, 1)
    yield built
    report = work / "measurements.json"
    report.write_text(json.dumps(built.measurements, indent=2), encoding="utf-8")
    print(f"\nBundle measurements ({report}):\n{json.dumps(built.measurements, indent=2)}")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_blenderbot(tmp_path_factory.mktemp("model") / "tiny-blenderbot")


def test_the_bundle_answers_a_message_in_its_self_test(bundle: Bundle, tiny_model: Path) -> None:
    data_dir = bundle.work / "self-test-data"
    run = subprocess.run(
        [str(bundle.executable), "--self-test", "--offline", "--model", str(tiny_model),
         "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        env=app_environment(),
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line (exit {run.returncode}):\n{run.stdout}\n{run.stderr[-4000:]}"
    result = json.loads(lines[-1])
    bundle.measurements["self_test"] = result
    assert result["ok"] is True, result
    assert run.returncode == 0
    assert result["reply"].strip()
    assert (data_dir / "logs" / "confab.log").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="closes the streams with a POSIX shell")
@pytest.mark.parametrize("engine", ["transformers", "fast"])
def test_the_bundle_runs_without_a_console(bundle: Bundle, tiny_model: Path, engine: str) -> None:
    """A windowed build has no stdout/stderr (None in Python): progress bars must not crash.

    Closing both streams gives the same start on Linux; the result is the exit code.
    """
    data_dir = bundle.work / f"no-console-{engine}"
    run = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" >&- 2>&-', str(bundle.executable), "--self-test",
         "--offline", "--engine", engine, "--model", str(tiny_model), "--data-dir", str(data_dir)],
        timeout=600,
        env=app_environment(),
    )
    log = (data_dir / "logs" / "confab.log").read_text(encoding="utf-8")
    assert run.returncode == 0, log[-4000:]
    assert "loaded" in log


def test_the_bundle_reports_its_version(bundle: Bundle) -> None:
    run = subprocess.run(
        [str(bundle.executable), "--version"], capture_output=True, text=True, timeout=120,
        env=app_environment(),
    )
    from core import __version__

    assert run.stdout.strip() == f"{APP_NAME} {__version__}"


def test_the_bundle_ships_icons_and_license_texts(bundle: Bundle) -> None:
    resources = next(bundle.folder.rglob("resources/licenses")).parent
    assert (resources / "icons" / "confab-256.png").is_file()
    assert (resources / "licenses" / "README.md").is_file()
    assert len(list((resources / "licenses").glob("*.txt"))) >= 5


def test_the_bundle_is_under_the_size_target(bundle: Bundle) -> None:
    size = folder_size(bundle.folder)
    bundle.measurements["bundle_bytes"] = size
    bundle.measurements["bundle_mb"] = round(size / 1e6, 1)
    assert size < MAX_BUNDLE_BYTES, f"the bundle is {size / 1e6:.0f} MB"


def forward_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)


def seconds_to_window(bundle: Bundle, model: Path, data_dir: Path) -> float:
    """Launch the bundle as a user would, and read when its window was first shown."""
    process = subprocess.Popen(
        [str(bundle.executable), "--offline", "--model", str(model), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=app_environment(CONFAB_REPORT_WINDOW_SHOWN="1"),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=forward_lines, args=(process, lines), daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert process.poll() is None, f"the app exited with {process.returncode}"
                continue
            if line.startswith("window_shown_s="):
                return float(line.split("=", 1)[1])
        raise AssertionError("the window was not shown within 60 s")
    finally:
        process.kill()
        process.wait(timeout=30)


def test_the_window_appears_soon_after_launch(
    bundle: Bundle, tiny_model: Path, tmp_path: Path
) -> None:
    times = [seconds_to_window(bundle, tiny_model, tmp_path / f"run{i}") for i in range(LAUNCHES)]
    bundle.measurements["window_shown_s"] = times
    bundle.measurements["window_shown_median_s"] = statistics.median(times)
    bundle.measurements["window_target_s"] = WINDOW_TARGET_S
    print(f"\nlaunch to window: {', '.join(f'{t:.2f}' for t in times)} s")
    assert statistics.median(times) < WINDOW_LIMIT_S

"""How long the window's event loop stalls while a model loads in a fresh process
(``python -m bench.stalls --model DIR [--engine fast|transformers]``).

A screen reader polls the window about every 50 ms; a stall is a gap between two beats of a
10 ms timer on the GUI thread. The worker thread imports torch and transformers and builds the
model while holding the GIL inside C code for long stretches, and the GUI thread cannot run
then. At each long gap the worker thread's Python stack is recorded (where the worker was
when the GUI thread got the GIL back), which names the import or call that held it.

It runs the real window in a child process, since only the first import in a process stalls.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from core.engines import EngineChoice

STALL_MS = 50  # a gap a screen reader's poll would feel
BEAT_MS = 10


def child(model: str, engine: EngineChoice, data_dir: Path, seconds: float) -> dict[str, Any]:
    """In the child: the real window loads ``model``; beats are timed until it is ready."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import builtins

    python_import = builtins.__import__
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.app_settings import AppSettings
    from gui.main_window import LaunchOptions, MainWindow
    from main import drop_pyside_import_hook

    drop_pyside_import_hook(python_import)  # as main.py does

    app = QApplication([])
    window = MainWindow(
        LaunchOptions(data_dir, model, engine, 2, True, persist=False), AppSettings(data_dir)
    )
    window.setProperty("headless", True)
    window.show()
    stalls: list[dict[str, Any]] = []
    clock = QElapsedTimer()
    started = time.perf_counter()
    ready: list[float] = []

    main_ident = threading.main_thread().ident
    collections = record_collections(started)

    def worker_stack() -> list[str]:
        """The innermost frames of every other thread (the model worker's, while loading)."""
        lines: list[str] = []
        for ident, frame in sys._current_frames().items():
            if ident != main_ident:
                lines += [
                    f"{Path(f.filename).name}:{f.lineno} {f.name}"
                    for f in traceback.extract_stack(frame)[-3:]
                ]
        return lines

    def beat() -> None:
        gap = clock.restart()
        if gap >= STALL_MS:
            stalls.append(
                {
                    "at_s": round(time.perf_counter() - started, 3),
                    "ms": gap,
                    "worker": worker_stack(),
                }
            )
        if ready and time.perf_counter() - ready[0] > 0.5:
            app.quit()
        if time.perf_counter() - started > seconds:
            app.quit()

    window.model_ready.connect(lambda info: ready.append(time.perf_counter()))
    heartbeat = QTimer()
    heartbeat.setInterval(BEAT_MS)
    heartbeat.timeout.connect(beat)
    clock.start()
    heartbeat.start()
    QTimer.singleShot(0, window.start_loading)
    app.exec()
    for stall in stalls:  # the collector's share of each stall
        begun = stall["at_s"] - stall["ms"] / 1000
        stall["gc_ms"] = round(
            sum(
                max(0.0, min(end, stall["at_s"]) - max(start, begun)) * 1000
                for start, end, _ in collections
            )
        )
    return {
        "engine": engine,
        "ready_s": round(ready[0] - started, 3) if ready else None,
        "worst_stall_ms": max((s["ms"] for s in stalls), default=0),
        "stalls_over_50ms": len(stalls),
        "stalls": sorted(stalls, key=lambda s: -s["ms"])[:8],
        "collections_over_20ms": [
            [round(start, 3), round((end - start) * 1000), generation]
            for start, end, generation in collections
            if end - start >= 0.02
        ],
    }


def record_collections(started: float) -> list[tuple[float, float, int]]:
    """Every garbage collection from now on, as (start s, end s, generation) from
    ``started``: a full one holds the GIL, so the GUI thread stalls while it runs."""
    collections: list[tuple[float, float, int]] = []
    begun: dict[int, float] = {}

    def on_collection(phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter() - started
        if phase == "start":
            begun[threading.get_ident()] = now
        elif (start := begun.pop(threading.get_ident(), None)) is not None:
            collections.append((start, now, info["generation"]))

    gc.callbacks.append(on_collection)
    return collections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stalls", description=__doc__)
    parser.add_argument("--model", required=True, help="a model folder")
    parser.add_argument("--engine", default="fast", choices=("fast", "transformers", "auto"))
    parser.add_argument("--data-dir", type=Path, help="data folder (the int8 conversion cache)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="confab-stalls-"))
    if args.child:
        print(json.dumps(child(args.model, args.engine, data_dir, args.seconds)), flush=True)
        os._exit(0)
    command = [sys.executable, "-m", "bench.stalls", "--child", "--model", args.model]
    command += ["--engine", args.engine, "--data-dir", str(data_dir)]
    runs = []
    for _ in range(2):  # the first run may convert the model; the second is a normal start
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
            timeout=600,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        runs.append(json.loads(lines[-1]))
    report = runs[-1]
    if args.json:
        print(json.dumps(report), flush=True)
    print(
        f"{report['engine']}: ready in {report['ready_s']} s; worst stall "
        f"{report['worst_stall_ms']} ms; {report['stalls_over_50ms']} stalls over {STALL_MS} ms",
        file=sys.stderr,
    )
    for stall in report["stalls"]:
        where = " <- ".join(reversed(stall["worker"][-3:]))
        line = f"  {stall['ms']:4d} ms at {stall['at_s']:6.2f} s  worker at {where}"
        if stall["gc_ms"]:
            line += f"  (garbage collection: {stall['gc_ms']} ms of it)"
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

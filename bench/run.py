"""The benchmark: transformers fp32 against the fast int8 engine, alternating, in one process.

It builds (once) a random-weight model with the real 400M-distill config into the cache
folder, then measures a beam-10 and a greedy reply of a fixed 60 tokens (``min_length =
max_length``, so every run does the same work), the time to the first streamed token, load
times (with the one-time conversion and reusing it) and peak memory. Peak memory of an
app-like process is measured in a child process that loads only the fast engine, so that
the fp32 model of the comparison does not count; the conversion runs in another child.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.system import (
    DOCUMENTED_BANDWIDTH_GBS,
    decoder_step_bytes,
    memory_bandwidth_gbs,
    peak_child_rss_mb,
    peak_rss_mb,
)
from core.context import Turn
from core.engines import default_threads
from core.engines.base import Engine
from core.models import ModelFolder, resolve
from core.settings import GenerationSettings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / ".cache" / "bench"
MODEL_NAME = "blenderbot-400M-distill-random"
REPLY_LENGTH = 60  # transformers' max_length: the decoder start token counts
BEAM10 = GenerationSettings(num_beams=10, min_length=REPLY_LENGTH, max_length=REPLY_LENGTH)
GREEDY = GenerationSettings(
    num_beams=1, do_sample=False, min_length=REPLY_LENGTH, max_length=REPLY_LENGTH
)
TURNS = [  # 56 tokens with </s>: the 40-64 token inputs of PERFORMANCE.md
    Turn("user", "Hello there, how are you doing today?"),
    Turn("assistant", "I am doing well, thank you for asking. I love dogs and cats."),
    Turn("user", "Do you have any pets at home?"),
]
WARM_UP = GenerationSettings(num_beams=1, min_length=8, max_length=8)
TARGETS = {
    "speedup_beam10": (">=", 4.0),
    "speedup_greedy": (">=", 3.0),
    "greedy_vs_floor": ("<=", 1.5),  # the floor at the bandwidth measured here (2 threads)
    "greedy_vs_documented_floor": ("<=", 1.5),  # the floor of PERFORMANCE.md (20 GB/s)
    "first_token_s": ("<=", 0.3),
    "peak_rss_mb": ("<", 1000.0),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--threads", type=int, default=default_threads(), help="CPU threads")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (and the table on stderr)"
    )
    parser.add_argument(
        "--float32", action="store_true", help="also time the fast engine in float32"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="model and data folder")
    parser.add_argument("--child", choices=["convert", "engine", "app"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.child:
        print(json.dumps(run_child(args)))
        return 0
    say = (lambda text: None) if args.json else (lambda text: print(text, file=sys.stderr))
    say(f"Model: {ensure_model(args.cache, say)}")
    say("Converting for the fast engine in a separate process…")
    conversion = child(args, "convert")
    say("Measuring a process that loads only the fast engine…")
    engine_only = child(args, "engine")
    say("Measuring the app (its --self-test: the window, headless, and one default reply)…")
    app = {**engine_only, "app_self_test": child(args, "app")}
    say("Measuring memory bandwidth…")
    bandwidth = memory_bandwidth_gbs(args.threads)
    results = compare_engines(args, say)
    report = build_report(args, results, conversion, app, bandwidth)
    if args.json:  # the JSON object on stdout; the table for people on stderr
        print(format_table(report), file=sys.stderr)
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
    return 0


# -- the model --------------------------------------------------------------------------------
def ensure_model(cache: Path, say: Any) -> Path:
    """The random full-size model, built once (into a temp folder, renamed when complete)."""
    folder = cache / MODEL_NAME
    if (folder / "built.json").is_file():
        return folder
    from random_models import build_blenderbot

    say("Building a random-weight model with the real config (once)…")
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}.partial-", dir=cache))
    try:
        build_blenderbot(partial, weights="bin", full_size=True)
        (partial / "built.json").write_text(json.dumps({"built": time.time()}), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def model_folder(cache: Path) -> ModelFolder:
    return resolve(str(cache / MODEL_NAME))


# -- child processes ------------------------------------------------------------------------------
def child(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench", "--child", kind, "--cache", str(args.cache)]
    return run_for_json([*command, "--threads", str(args.threads)], f"The {kind} benchmark")


def run_for_json(command: list[str], what: str) -> dict[str, Any]:
    """Run ``command`` and read the JSON object it prints last."""
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{what} process failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def timed_load(engine: Engine) -> float:
    started = time.perf_counter()
    engine.load(lambda percent, text: None)
    return time.perf_counter() - started


def run_child(args: argparse.Namespace) -> dict[str, Any]:
    from core.engines.int8_engine import Int8Engine
    from core.engines.int8_format import is_complete

    folder = model_folder(args.cache)
    data_dir = args.cache / "data"
    if args.child == "convert":
        # The first conversion goes where the app would keep it; later runs time a fresh one.
        existing = is_complete(Int8Engine(folder, data_dir, args.threads).converted_path)
        scratch = Path(tempfile.mkdtemp(prefix="convert-", dir=args.cache)) if existing else None
        try:
            load_s = timed_load(Int8Engine(folder, scratch or data_dir, args.threads))
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        # The conversion itself runs in a child of this process (as in the app).
        return {"load_s": load_s, "peak_rss_mb": max(peak_rss_mb(), peak_child_rss_mb())}

    if args.child == "app":
        return run_app_self_test(args, folder.path, data_dir)
    engine = Int8Engine(folder, data_dir, args.threads)
    load_s = timed_load(engine)
    greedy = timed_reply(engine, GREEDY)
    beam = timed_reply(engine, BEAM10)
    return {
        "load_s": load_s,
        "greedy_s": greedy["reply_s"],
        "first_token_s": greedy["first_token_s"],
        "beam10_s": beam["reply_s"],
        "peak_rss_mb": peak_rss_mb(),
    }


def run_app_self_test(args: argparse.Namespace, model: Path, data_dir: Path) -> dict[str, Any]:
    """The real app: main.py's --self-test in a child of this process, and its peak memory.

    The conversion exists by now, so the app starts no process of its own and this
    process's only child is the app (``RUSAGE_CHILDREN`` reports the largest of them).
    """
    command = [sys.executable, str(REPO / "main.py"), "--self-test", "--offline"]
    command += ["--engine", "fast", "--model", str(model), "--data-dir", str(data_dir)]
    command += ["--threads", str(args.threads)]
    result = run_for_json(command, "The app's self-test")
    if not result.get("ok"):
        raise SystemExit(f"The app's self-test failed: {result}")
    return {
        "load_s": result["load_s"],
        "reply_s": result["reply_s"],
        "engine": result["engine"],
        "peak_rss_mb": peak_child_rss_mb(),
    }


# -- measurements ---------------------------------------------------------------------------------
def timed_reply(engine: Engine, settings: GenerationSettings) -> dict[str, Any]:
    """One reply, timed from the call (context fitting included) to its end and first text."""
    first: list[float] = []
    started = time.perf_counter()

    def on_text(delta: str) -> None:
        if not first:
            first.append(time.perf_counter())

    reply = engine.generate(TURNS, settings, on_text, threading.Event())
    return {
        "reply_s": time.perf_counter() - started,
        "first_token_s": (first[0] - started) if first else None,
        "tokens": reply.tokens,
        "input_tokens": reply.context.tokens_used,
    }


def compare_engines(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    """Load the engines in this process, then time them in alternation."""
    from core.engines.int8_engine import Int8Engine
    from core.engines.transformers_engine import TransformersEngine

    folder = model_folder(args.cache)
    data_dir = args.cache / "data"
    engines: dict[str, Engine] = {"transformers": TransformersEngine(folder, args.threads)}
    engines["fast_int8"] = Int8Engine(folder, data_dir, args.threads)
    if args.float32:
        engines["fast_float32"] = Int8Engine(folder, data_dir, args.threads, "float32")
    load_s: dict[str, float] = {}
    for name, engine in engines.items():
        say(f"Loading {name}…")
        load_s[name] = timed_load(engine)
    for engine in engines.values():  # warm-up: first-call allocations, thread pools
        engine.generate(TURNS, WARM_UP, _ignore, threading.Event())

    times: dict[str, dict[str, list[float]]] = {"beam10": {}, "greedy": {}, "first_token": {}}
    meta: dict[str, Any] = {}
    names = list(engines)
    for repeat in range(args.repeats):
        order = names if repeat % 2 == 0 else names[::-1]  # alternate who goes first
        for kind, settings in (("beam10", BEAM10), ("greedy", GREEDY)):
            for name in order:
                say(f"  run {repeat + 1}/{args.repeats}: {kind} {name}…")
                run = timed_reply(engines[name], settings)
                times[kind].setdefault(name, []).append(run["reply_s"])
                if kind == "greedy" and run["first_token_s"] is not None:
                    times["first_token"].setdefault(name, []).append(run["first_token_s"])
                meta[f"{kind}_tokens_{name}"] = run["tokens"]
                meta["input_tokens"] = run["input_tokens"]
    return {"load_s": load_s, "times": times, "meta": meta, "config": folder.config}


def _ignore(delta: str) -> None:
    return None


# -- the report ------------------------------------------------------------------------------------
def build_report(
    args: argparse.Namespace,
    results: dict[str, Any],
    conversion: dict[str, Any],
    app: dict[str, Any],
    bandwidth: float,
) -> dict[str, Any]:
    times = results["times"]
    median = {
        kind: {name: statistics.median(values) for name, values in by_engine.items()}
        for kind, by_engine in times.items()
    }
    best = {
        kind: {name: min(values) for name, values in by_engine.items()}
        for kind, by_engine in times.items()
    }
    reference, fast = "transformers", "fast_int8"
    greedy_steps = REPLY_LENGTH - 1  # transformers' decoding steps; the fast engine skips
    # the last one, whose </s> is forced, so the floor is slightly generous to it.
    step_bytes = decoder_step_bytes(results["config"], 1.0)
    floor_s = greedy_steps * step_bytes / (bandwidth * 1e9)
    report: dict[str, Any] = {
        "speedup_beam10": median["beam10"][reference] / median["beam10"][fast],
        "speedup_greedy": median["greedy"][reference] / median["greedy"][fast],
        "first_token_s": median["first_token"][fast],
        "peak_rss_mb": max(app["peak_rss_mb"], app["app_self_test"]["peak_rss_mb"]),
        "greedy_vs_floor": median["greedy"][fast] / floor_s,
        "greedy_vs_documented_floor": median["greedy"][fast]
        / (floor_s * bandwidth / DOCUMENTED_BANDWIDTH_GBS),
        "load_s": {
            **results["load_s"],
            "fast_int8_with_conversion": conversion["load_s"],
            "fast_int8_reusing_conversion": app["load_s"],
        },
        "median_s": median,
        "best_s": best,
        "speedup_beam10_best": best["beam10"][reference] / best["beam10"][fast],
        "speedup_greedy_best": best["greedy"][reference] / best["greedy"][fast],
        "greedy_vs_floor_best": best["greedy"][fast] / floor_s,
        "times_s": times,
        "floor": {
            "int8_greedy_floor_s": floor_s,
            "bandwidth_gbs": bandwidth,
            "bandwidth_source": "measured (numpy sums)",
            "documented_bandwidth_gbs": DOCUMENTED_BANDWIDTH_GBS,
            "int8_greedy_floor_at_documented_s": floor_s * bandwidth / DOCUMENTED_BANDWIDTH_GBS,
            "weights_read_per_step_mb": step_bytes / 1e6,
            "decoding_steps": greedy_steps,
        },
        "fast_only_process": app,  # with "app_self_test": the real app's process
        "conversion_process": conversion,
        "reply_tokens": {k: v for k, v in results["meta"].items() if "_tokens_" in k},
        "input_tokens": results["meta"]["input_tokens"],
        "threads": args.threads,
        "repeats": args.repeats,
        "cpu_count": os.cpu_count(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
    }
    report["targets"] = {
        key: {
            "value": report[key],
            "target": f"{op} {limit:g}",
            "met": report[key] >= limit
            if op == ">="
            else (report[key] <= limit if op == "<=" else report[key] < limit),
        }
        for key, (op, limit) in TARGETS.items()
    }
    return report


def format_table(report: dict[str, Any]) -> str:
    median = report["median_s"]
    engines = list(median["beam10"])
    width = 22
    lines = [
        f"Confab benchmark: BlenderBot 400M-distill shape, random weights; "
        f"input {report['input_tokens']} tokens; {report['threads']} threads; "
        f"median of {report['repeats']}",
        "",
        f"{'':<28}" + "".join(f"{name:>{width}}" for name in engines) + f"{'speedup':>10}",
    ]
    rows = (
        ("beam 10, 60-token reply", "beam10", "speedup_beam10"),
        ("greedy, 60-token reply", "greedy", "speedup_greedy"),
        ("first streamed token", "first_token", None),
    )
    for label, kind, speedup in rows:
        cells = "".join(
            f"{median[kind].get(name, float('nan')):>{width - 2}.3f} s" for name in engines
        )
        extra = f"{report[speedup]:>9.2f}x" if speedup else ""
        if speedup:
            extra += f"  (best runs: {report[speedup + '_best']:.2f}x)"
        lines.append(f"{label:<28}{cells}{extra}")
    load = report["load_s"]
    lines.append(f"{'load':<28}" + "".join(f"{load[name]:>{width - 2}.2f} s" for name in engines))
    floor = report["floor"]
    process = report["fast_only_process"]
    app_test = process["app_self_test"]
    lines += [
        "",
        f"fast int8 load in a fresh process: {load['fast_int8_reusing_conversion']:.2f} s "
        f"reusing the conversion, {load['fast_int8_with_conversion']:.2f} s converting first",
        f"int8 bandwidth floor, greedy: {floor['weights_read_per_step_mb']:.0f} MB per step x "
        f"{floor['decoding_steps']} steps at {floor['bandwidth_gbs']:.1f} GB/s (measured) = "
        f"{floor['int8_greedy_floor_s']:.3f} s; "
        f"greedy is {report['greedy_vs_floor']:.2f}x the floor "
        f"(best run {report['greedy_vs_floor_best']:.2f}x; at the documented "
        f"{floor['documented_bandwidth_gbs']:.0f} GB/s the floor is "
        f"{floor['int8_greedy_floor_at_documented_s']:.3f} s)",
        f"peak RSS: {report['peak_rss_mb']:.0f} MB, the larger of the app's --self-test "
        f"(window, default reply: {app_test['peak_rss_mb']:.0f} MB) and a process with only "
        f"the fast engine (both replies above: {process['peak_rss_mb']:.0f} MB); the one-time "
        f"conversion process: {report['conversion_process']['peak_rss_mb']:.0f} MB",
        "",
        "targets:",
    ]
    for key, target in report["targets"].items():
        mark = "met" if target["met"] else "MISSED"
        lines.append(f"  {key:<27} {target['value']:>9.3f}  (target {target['target']}): {mark}")
    return "\n".join(lines)

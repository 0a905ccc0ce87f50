"""Library benchmark: the search index (``core/search_index.py``) over a large library of chats.

``python -m bench.library [--chats 5000] [--messages 500000] [--cache DIR] [--json]``

It generates (once, cached under ``<cache>/library-<chats>-<messages>/chats/`` and reused by
later runs) a library of chat transcripts of realistic text: a few topics per library, each
with its own vocabulary (accented words included), over everyday English words drawn with
Zipf frequencies, so that searches hit a realistic number of messages. It then measures

1. the full index build from nothing (``refresh`` of every file);
2. start-up: open the existing index, ``summaries()``, an ``os.scandir`` stat of the chats
   folder and ``is_current`` for every file: what the app does before it shows the sidebar;
3. search: a one-word query and a quoted two-word phrase with many hits (median of runs),
   and for information a prefix query (a word being typed), accents typed without them
   and the worst case, a word in most messages;
4. a refresh that finds nothing changed, re-indexing one chat after a new message, and the
   index file's size.

The table goes to stderr; ``--json`` also prints one JSON line to stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.conversation import Conversation, Message, Role, default_title
from core.search_index import INDEX_FILE_NAME, SearchIndex
from core.transcript import EXTENSION, Transcript, dumps, load

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / ".cache" / "bench"
SEED = 20261124
REPEATS = 7
STARTUP_REPEATS = 5
QUERIES = {  # name: (query, what it stands for)
    "word": ("recipe", "one word with many hits"),
    "phrase": ('"olive oil"', "a quoted two-word phrase with many hits"),
    "prefix": ("restaur", "the last word as a prefix, being typed"),
    "accent": ("creme brulee", "accents typed without them"),
    "common": ("the", "a word in most messages (only RANK_WINDOW matches are ranked)"),
}
TARGETS = {  # key: (op, limit)
    "startup_s": ("<", 0.3),
    "search_word_ms": ("<", 100.0),
    "search_phrase_ms": ("<", 100.0),
    "window_sidebar_s": ("<", 0.3),
    "switch_longest_chat_s": ("<", 0.1),
}

# -- the text -------------------------------------------------------------------------------------

COMMON_TEXT = """
the I you to a and it is of that in for have this what do be can with my on not your was
are but so if just like about me how would we it's don't they know think there all one
get some good more or at well really as out yes no will should an time want could make
also because any when need them by then much here go very thanks thank which from help
sure see some other try could way first still maybe day work new use little lot things
something people better great right now only sounds idea tell best same take find kind
give look mean after before most never always often usually again both each few many
those these every even around because week today tomorrow morning evening night year
long small big old next last different important possible easy hard quick nice happy
sorry please okay actually probably definitely exactly especially instead though while
"""
COMMON = COMMON_TEXT.split()

TOPICS: dict[str, str] = {
    "cooking": """recipe recipe recipe pizza pizza pasta dough flour oven bake garlic tomato
        basil cheese sauce onion butter salt pepper minutes heat pan bowl mix stir olive_oil
        olive_oil olive_oil crème_brûlée jalapeño purée sauté soufflé crêpe béchamel café
        café_au_lait restaurant restaurant dinner lunch breakfast soup bread yeast knead
        simmer roast chicken vegetables spinach lemon honey cinnamon dessert menu""",
    "travel": """flight hotel passport itinerary Zürich São_Paulo Montréal Kraków Málaga
        beach museum train luggage visa airport booking trip trip city tour guide map
        weather rain hiking mountains lake ferry restaurant restaurant hostel budget
        currency euro night_train old_town café street market souvenir Reykjavík""",
    "programming": """python function variable database query index compile bug bug
        stack_trace unit_test unit_test machine_learning machine_learning API server
        deploy refactor class method loop list dictionary string error error exception
        import module package version git branch commit merge review performance memory
        thread cache test script terminal editor SQL JSON naïve regex""",
    "music": """guitar chord chords melody piano rhythm concert album song songs lyrics
        practice scales tempo metronome band drums bass singing voice key minor major
        jazz blues classical Beyoncé Dvořák Sigur_Rós playlist headphones recording""",
    "health": """sleep exercise running protein vitamin stretching doctor water workout
        weights cardio knee back pain diet calories sugar coffee café stress meditation
        breathing walk steps heart rate heart_rate rest recovery yoga posture""",
    "money": """budget savings mortgage interest_rate interest_rate investment salary
        résumé résumé interview job career rent bills loan credit card bank account tax
        taxes pension stocks bonds fund expenses income raise negotiation""",
    "language": """French Spanish German Japanese vocabulary grammar verb verbs tense
        pronunciation accent lesson lessons practice flashcards français español niño
        mañana señor über Straße Ångström déjà_vu fiancée naïve façade cliché""",
    "pets": """dog dogs cat cats puppy kitten vet food walk walks leash training treats
        litter toy toys bark sleep groomer fur allergies adoption shelter piñata""",
}


class TextModel:
    """Sentences of everyday words (Zipf) mixed with a topic's words (Zipf)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.common = COMMON
        self.common_cum = list(itertools.accumulate(1 / (r + 1) for r in range(len(COMMON))))
        self.topics: dict[str, tuple[list[str], list[float]]] = {}
        for name, text in TOPICS.items():
            words = [word.replace("_", " ") for word in text.split()]
            rng.shuffle(words)
            cum = list(itertools.accumulate(1 / (r + 1) ** 0.8 for r in range(len(words))))
            self.topics[name] = (words, cum)

    def sentence(self, topic: str) -> str:
        rng = self.rng
        length = rng.randint(5, 16)
        topical = max(1, round(length * rng.uniform(0.15, 0.35)))
        words = rng.choices(self.common, cum_weights=self.common_cum, k=length - topical)
        topic_words, topic_cum = self.topics[topic]
        words += rng.choices(topic_words, cum_weights=topic_cum, k=topical)
        rng.shuffle(words)
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice(".....?!")

    def message(self, topic: str, role: Role) -> str:
        count = self.rng.randint(1, 2) if role == "user" else self.rng.randint(1, 5)
        return " ".join(self.sentence(topic) for _ in range(count))


def message_counts(rng: random.Random, chats: int, messages: int) -> list[int]:
    """``chats`` lengths summing to ``messages``: mostly short chats, a few long ones."""
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(chats)]
    total = sum(weights)
    exact = [messages * w / total for w in weights]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(chats), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: messages - sum(counts)]:
        counts[i] += 1
    return counts


def make_chat(model: TextModel, count: int, start: datetime) -> Transcript:
    rng = model.rng
    topic = rng.choice(list(TOPICS))
    moment = start
    messages: list[Message] = []
    if count and rng.random() < 0.1:
        messages.append(Message("system", "Model loaded: facebook/blenderbot-400M-distill", moment))
    while len(messages) < count:
        role: Role = "user" if len(messages) % 2 == 0 else "assistant"
        moment += timedelta(seconds=rng.randint(3, 600))
        messages.append(Message(role, model.message(topic, role), moment))
    first_user = next((m.content for m in messages if m.role == "user"), topic)
    conversation = Conversation(
        messages=messages,
        title=default_title(first_user),
        created_at=start,
        updated_at=moment,
    )
    return Transcript(conversation, "facebook/blenderbot-400M-distill")


def ensure_library(cache: Path, chats: int, messages: int, say: Callable[[str], None]) -> Path:
    """The library folder (``…/chats`` inside), generated once; returns the folder."""
    folder = cache / f"library-{chats}-{messages}"
    if (folder / "built.json").is_file():
        say(f"Reusing the library in {folder}")
        return folder
    say(f"Generating {chats} chats with {messages} messages (once)…")
    cache.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=cache))
    try:
        started = time.perf_counter()
        rng = random.Random(SEED)
        model = TextModel(rng)
        base = datetime(2026, 11, 24, tzinfo=UTC)
        out = partial / "chats"
        out.mkdir()
        for i, count in enumerate(message_counts(rng, chats, messages)):
            start = base - timedelta(seconds=rng.randint(0, 730 * 86400))
            text = dumps(make_chat(model, count, start))
            (out / f"chat-{i:05d}{EXTENSION}").write_text(text, encoding="utf-8")
        info: dict[str, Any] = {"chats": chats, "messages": messages, "seed": SEED}
        info["generate_s"] = time.perf_counter() - started
        (partial / "built.json").write_text(json.dumps(info), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder


# -- measuring ------------------------------------------------------------------------------------


def chat_files(chats: Path) -> list[Path]:
    return sorted(
        Path(entry.path)
        for entry in os.scandir(chats)
        if entry.name.endswith(EXTENSION) and entry.is_file()
    )


def delete_index(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def index_bytes(db: Path) -> int:
    return sum(
        Path(str(db) + suffix).stat().st_size
        for suffix in ("", "-wal")
        if Path(str(db) + suffix).exists()
    )


def startup(db: Path, chats: Path) -> dict[str, float]:
    """What the app does before it shows the sidebar, timed in parts."""
    cpu = time.process_time()
    started = time.perf_counter()
    index = SearchIndex(db)
    opened = time.perf_counter()
    summaries = index.summaries()
    listed = time.perf_counter()
    stale = 0
    with os.scandir(chats) as entries:
        for entry in entries:
            if entry.name.endswith(EXTENSION) and entry.is_file():
                info = entry.stat()
                if not index.is_current(entry, info.st_size, info.st_mtime_ns):
                    stale += 1
    checked = time.perf_counter()
    cpu = time.process_time() - cpu
    index.close()
    if stale or not summaries:
        raise SystemExit(f"start-up found {stale} stale files of {len(summaries)}")
    return {
        "total": checked - started,
        "cpu": cpu,
        "open": opened - started,
        "summaries": listed - opened,
        "scan_and_check": checked - listed,
    }


def time_search(index: SearchIndex, query: str, repeats: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``search(query)`` (after a warm-up run), and how many
    hits it shows."""
    hits = index.search(query)
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        index.search(query)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), len(hits)


def window_timings(data_dir: Path) -> dict[str, Any]:
    """The real window over the library, in a child process (bench/window_timing.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.window_timing", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the window timing failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    generated_now = not (args.cache / f"library-{args.chats}-{args.messages}/built.json").exists()
    folder = ensure_library(args.cache, args.chats, args.messages, say)
    info = json.loads((folder / "built.json").read_text(encoding="utf-8"))
    chats = folder / "chats"
    files = chat_files(chats)
    db = folder / INDEX_FILE_NAME

    say(f"Building the index of {len(files)} chats from nothing…")
    delete_index(db)
    started = time.perf_counter()
    index = SearchIndex(db)
    summaries = index.refresh(files)
    build_s = time.perf_counter() - started
    indexed = sum(summary.message_count for summary in summaries)
    damaged = sum(1 for summary in summaries if summary.error)
    index.close()
    size = index_bytes(db)

    say("Timing start-up…")
    runs = [startup(db, chats) for _ in range(args.startup_repeats)]
    startup_parts = {key: statistics.median(r[key] for r in runs) for key in runs[0]}

    say("Timing searches…")
    index = SearchIndex(db)
    search_ms: dict[str, float] = {}
    search_cpu_ms: dict[str, float] = {}
    shown: dict[str, int] = {}
    matching: dict[str, int] = {}
    for name, (query, _) in QUERIES.items():
        wall, cpu, shown[name] = time_search(index, query, args.repeats)
        search_ms[name], search_cpu_ms[name] = wall * 1000, cpu * 1000
        matching[name] = index.count(query)

    started = time.perf_counter()
    unchanged = index.refresh(files)
    refresh_unchanged_s = time.perf_counter() - started

    longest = max(unchanged, key=lambda summary: summary.message_count)
    transcript = load(longest.path).transcript
    transcript.conversation.add("user", "One more question about the recipe, please.")
    started = time.perf_counter()
    index.put(longest.path, transcript, longest.size + 1, longest.mtime_ns + 1)
    put_s = time.perf_counter() - started
    index.close()

    say("Timing the window: start-up to the sidebar, and switching to the longest chat…")
    delete_index(db)
    SearchIndex(db).refresh(files)  # current again after the put above
    window = window_timings(folder)
    delete_index(db)  # keep no index: the next run builds it from nothing

    report: dict[str, Any] = {
        "chats": len(files),
        "messages": indexed,
        "damaged_files": damaged,
        "library_bytes": sum(path.stat().st_size for path in files),
        "generate_s": info.get("generate_s"),
        "generated_now": generated_now,
        "build_s": build_s,
        "build_messages_per_s": indexed / build_s if build_s else 0.0,
        "index_bytes": size,
        "startup_s": startup_parts["total"],
        "startup_cpu_s": startup_parts["cpu"],
        "startup_parts_s": startup_parts,
        "search_word_ms": search_ms["word"],
        "search_phrase_ms": search_ms["phrase"],
        "search_ms": search_ms,
        "search_cpu_ms": search_cpu_ms,
        "search_matching": matching,
        "search_shown": shown,
        "queries": {name: query for name, (query, _) in QUERIES.items()},
        "refresh_unchanged_s": refresh_unchanged_s,
        "put_after_new_message_s": put_s,
        "put_chat_messages": longest.message_count + 1,
        "repeats": args.repeats,
        "sqlite_version": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "library": str(folder),
        "window": window,
        "window_sidebar_s": window["window_sidebar_s"],
        "switch_longest_chat_s": window["switch_longest_chat_s"],
    }
    report["targets"] = {
        key: {
            "value": report[key],
            "target": f"{op} {limit:g}",
            "met": report[key] < limit if op == "<" else report[key] <= limit,
        }
        for key, (op, limit) in TARGETS.items()
    }
    return report


def format_table(report: dict[str, Any]) -> str:
    parts = report["startup_parts_s"]
    generated = report["generate_s"] or 0.0
    lines = [
        f"Confab library benchmark: {report['chats']} chats, {report['messages']} messages, "
        f"{report['library_bytes'] / 1e6:.0f} MB of transcripts; SQLite "
        f"{report['sqlite_version']}; median of {report['repeats']}",
        "",
        f"library generation (once, cached)   {generated:9.1f} s"
        + ("" if report["generated_now"] else "  (an earlier run; reused)"),
        f"index build from nothing            {report['build_s']:9.1f} s  "
        f"({report['build_messages_per_s']:.0f} messages/s)",
        f"index file                          {report['index_bytes'] / 1e6:9.1f} MB",
        f"start-up (open, summaries, scan)    {report['startup_s'] * 1000:9.1f} ms  "
        f"(CPU {report['startup_cpu_s'] * 1000:.1f}; open {parts['open'] * 1000:.1f}, "
        f"summaries {parts['summaries'] * 1000:.1f}, "
        f"scandir + is_current {parts['scan_and_check'] * 1000:.1f})",
        f"refresh, nothing changed            {report['refresh_unchanged_s'] * 1000:9.1f} ms",
        f"put after a new message             {report['put_after_new_message_s'] * 1000:9.1f} ms"
        f"  (a chat of {report['put_chat_messages']} messages)",
    ]
    window = report["window"]
    lines += [
        f"window to a filled sidebar          {window['window_sidebar_s'] * 1000:9.1f} ms  "
        f"({window['sidebar_rows']} rows; importing Qt {window['qt_import_s'] * 1000:.0f} ms)",
        f"switch to the longest chat          {window['switch_longest_chat_s'] * 1000:9.1f} ms  "
        f"({window['longest_chat_messages']} messages, laid out)",
    ]
    for name, query in report["queries"].items():
        lines.append(
            f"search {name + ' ' + query:<29}{report['search_ms'][name]:9.1f} ms  "
            f"(CPU {report['search_cpu_ms'][name]:.1f}; "
            f"{report['search_matching'][name]} messages match, "
            f"{report['search_shown'][name]} shown)"
        )
    load = report["load_average"]
    if load:
        lines.append(
            f"machine: {report['cpu_count']} CPUs, load average {load[0]:.1f} at the end "
            "(wall times include waiting for a CPU; the CPU times do not)"
        )
    lines += ["", "targets (wall time):"]
    for key, target in report["targets"].items():
        mark = "met" if target["met"] else "MISSED"
        lines.append(f"  {key:<20} {target['value']:>9.3f}  (target {target['target']}): {mark}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.library", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--chats", type=int, default=5000, help="chat files in the library")
    parser.add_argument("--messages", type=int, default=500_000, help="messages in all")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the library is")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per search (median)")
    parser.add_argument(
        "--startup-repeats", type=int, default=STARTUP_REPEATS, help="start-ups (median)"
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    args = parser.parse_args(argv)
    if args.chats < 1 or args.messages < 0 or args.repeats < 1 or args.startup_repeats < 1:
        parser.error("--chats, --repeats and --startup-repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    report = run(args, say)
    print(format_table(report), file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

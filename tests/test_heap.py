"""``core.heap``: the C heap settings, observed through glibc's own report (Linux only), and
the garbage collector around a model load."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from core.heap import collect_dropped_model, long_lived_objects

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

# Threads that each allocate, then glibc's malloc_info report: one <heap> per arena.
CHILD = """
import ctypes, sys, threading
sys.path.insert(0, {repo!r})
from core.heap import use_one_arena
if {one!r}:
    use_one_arena()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
def allocate():
    libc.malloc(4096)
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc.fopen.restype = ctypes.c_void_p
report = libc.fopen({report!r}.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(report))
libc.fclose(ctypes.c_void_p(report))
"""


def heaps(tmp_path: Path, one: bool) -> int:
    report = tmp_path / f"malloc-{one}.xml"
    repo = str(Path(__file__).resolve().parents[1])
    code = CHILD.format(repo=repo, one=one, report=str(report))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    return report.read_text().count("<heap nr=")


def test_one_arena_keeps_every_thread_on_one_heap(tmp_path: Path) -> None:
    assert heaps(tmp_path, one=False) > 1  # glibc's default: threads get heaps of their own
    assert heaps(tmp_path, one=True) == 1


class Cycle:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_load_runs_without_full_collections_and_freezes_what_it_made() -> None:
    full_passes: list[int] = []

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_passes.append(1)

    frozen = gc.get_freeze_count()
    gc.callbacks.append(on_collection)
    try:
        thresholds = gc.get_threshold()
        with long_lived_objects():
            assert gc.get_threshold()[:2] == thresholds[:2]  # the young ones' are kept
            made = [[n] for n in range(300_000)]  # as many objects as an import makes
        assert gc.get_threshold() == thresholds
        assert full_passes == []
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.callbacks.remove(on_collection)
        collect_dropped_model()  # what this test froze, back in the suite's hands


def dropped_cycle() -> weakref.ref[Cycle]:
    """An object in a reference cycle that nothing else holds (garbage), weakly."""
    return weakref.ref(Cycle())


def test_the_young_are_still_collected_during_a_load() -> None:
    with long_lived_objects():
        freed = dropped_cycle()
        youngest, middle, _ = gc.get_threshold()
        # Enough new objects for a middle-generation pass too, in case a young pass ran
        # while the cycle was still referenced and moved it up.
        kept: list[list[int]] = [[] for _ in range(youngest * (middle + 2))]
        assert freed() is None
        del kept


def test_a_failed_load_freezes_nothing_and_gives_the_thresholds_back() -> None:
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(OSError), long_lived_objects():
        half_built = [Cycle() for _ in range(1_000)]  # noqa: F841 - a model half loaded
        raise OSError("no such model")
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen


def test_overlapping_loads_hold_full_passes_back_until_the_last_ends() -> None:
    thresholds = gc.get_threshold()
    try:
        with long_lived_objects():
            with long_lived_objects():
                pass
            assert gc.get_threshold()[2] > thresholds[2]  # the outer load still runs
        assert gc.get_threshold() == thresholds
    finally:
        collect_dropped_model()  # what this test froze, back in the suite's hands


def test_a_replaced_models_frozen_cycles_are_collected() -> None:
    with long_lived_objects():
        model = Cycle()
    freed = weakref.ref(model)
    del model
    gc.collect()
    assert freed() is not None  # frozen: a normal collection never looks at it
    collect_dropped_model()
    assert freed() is None


def test_young_garbage_at_the_end_of_a_load_is_collected_not_frozen() -> None:
    try:
        with long_lived_objects():
            freed = dropped_cycle()
        assert freed() is None
    finally:
        collect_dropped_model()

"""The heap under Python and torch: Python's garbage collector while a model loads, how many
arenas glibc keeps, and giving freed memory back (glibc only; elsewhere those do nothing).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import sys
import threading
from collections.abc import Iterator

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
# A full collection waits for this many middle-generation ones: never, during a load.
NO_FULL_COLLECTION = 2**31 - 1


@functools.cache  # release_free_memory runs after every packed layer
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl)
        return None


def use_one_arena() -> None:
    """Let every thread allocate from one heap, before the app starts its threads.

    glibc gives threads heaps of their own; the fast engine reads its weights on the worker
    thread and packs them on another, and each heap kept its own freed holes. The app's
    peak with the 1B model then varied from 1.96 to 2.21 GB between runs; with one heap it
    was 1.96 GB in every run.
    """
    libc = _glibc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.mallopt(M_ARENA_MAX, 1)


def release_free_memory() -> None:
    """Give freed heap memory back to the system.

    Packing a layer frees its int8 copy; glibc keeps such holes, and without this the
    process grew by ~1.6x the weights' size while loading (941 MB instead of 753 MB).
    """
    libc = _glibc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Load a model without the garbage collector's full passes, then set aside for good
    what is alive when the load has succeeded.

    A full collection scans every object while holding the GIL, so the GUI thread stops for
    as long as it runs. Importing torch and transformers makes ~370,000 objects that live as
    long as the app. With the collector as it is, each growth of a quarter set off a full
    pass of 24 to 185 ms on the worker thread: five of the eight start-up stalls over 50 ms
    (``python -m bench.stalls``). The young generations are still collected meanwhile, so
    garbage the GUI thread makes during a long load (a conversion) is freed as before.

    After a successful load the young generations are collected and everything left is
    frozen (``gc.freeze``): later collections skip it. Garbage that was already in the
    oldest generation is frozen with it; ``collect_dropped_model`` frees it at the next
    model switch. A failed load freezes nothing: its half-built model is collected as usual.
    Loads may overlap (tests): full passes come back when the last one ends.
    """
    global _loads_running
    with _loads_lock:
        if _loads_running == 0:
            _thresholds[:] = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], NO_FULL_COLLECTION)
        _loads_running += 1
    succeeded = False
    try:
        yield
        succeeded = True
    finally:
        with _loads_lock:
            _loads_running -= 1
            if succeeded:
                gc.collect(1)
                gc.freeze()
            if _loads_running == 0:
                gc.set_threshold(*_thresholds)


_loads_lock = threading.Lock()
_loads_running = 0
_thresholds: list[int] = []  # the collector's, saved while loads run


def collect_dropped_model() -> None:
    """Collect what a replaced model left frozen: one full pass over every object (~0.3 s
    with torch and transformers loaded), so only at a model switch, on the GUI thread (the
    garbage may hold Qt objects, which are to be freed on their own thread)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()

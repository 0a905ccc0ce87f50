"""The heap under Python and torch: Python's garbage collector while a model loads, how many
arenas glibc keeps, and giving freed memory back (glibc only; elsewhere those do nothing).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import sys
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
    """Load a model without the garbage collector's full passes, and set aside for good
    what exists when the load ends.

    A full collection scans every object while holding the GIL, so the GUI thread stops for
    as long as it runs. Importing torch and transformers makes ~370,000 objects that live as
    long as the app. With the collector as it is, each growth of a quarter set off a full
    pass of 24 to 185 ms on the worker thread: five of the eight start-up stalls over 50 ms
    (``python -m bench.stalls``). The young generations are still collected meanwhile, so
    garbage the GUI thread makes during a long load (a conversion) is freed as before.
    Frozen (``gc.freeze``), the long-lived objects are not scanned again.

    Garbage that reached the oldest generation by the end is frozen too;
    ``collect_dropped_model`` collects it when a model is replaced.
    """
    youngest, middle, oldest = gc.get_threshold()
    gc.set_threshold(youngest, middle, NO_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(youngest, middle, oldest)


def collect_dropped_model() -> None:
    """Collect a replaced model's frozen objects (one full pass: only on a model switch)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()

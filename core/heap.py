"""The C heap under Python and torch: how many arenas it keeps, and giving freed memory back.

glibc only; elsewhere both do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


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

"""The C heap settings of ``core.heap``, observed through glibc's own report (Linux only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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

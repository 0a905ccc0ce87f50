"""What the machine offers: memory bandwidth (greedy decoding's floor), the int8 products'
best rate (beam search's floor), and a process's peak memory."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

DOCUMENTED_BANDWIDTH_GBS = 20.0  # PERFORMANCE.md: ~21 GB/s measured on the project's machine


def memory_bandwidth_gbs(threads: int, megabytes: int = 256, repeats: int = 12) -> float:
    """Read bandwidth in GB/s: the best of a few numpy sums over arrays far larger than cache.

    Each thread sums its own array (numpy releases the GIL), as decoding threads each read
    their share of the weights.
    """
    import numpy as np

    arrays = [np.ones(megabytes * 2**20 // 8) for _ in range(max(1, threads))]
    best = 0.0
    for _ in range(repeats):
        workers = [threading.Thread(target=np.sum, args=(array,)) for array in arrays]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        best = max(best, sum(a.nbytes for a in arrays) / elapsed / 1e9)
    return best


def int8_product_rate_gmacs(
    threads: int, config: dict[str, Any], rows: int = 256, repeats: int = 8
) -> float:
    """The int8 engine's products at their best here, in billions of multiply-adds a second.

    The widest product of ``config`` (the feed-forward's first, ``d`` to ``f``) through the
    engine's own ``Int8Linear`` (FBGEMM), with ``rows`` rows: enough that the weights are read
    once for many rows, so the time is the arithmetic's (it levels off from ~10 rows here).
    Beam search runs a product per beam on every weight, so this bounds it from below as the
    read bandwidth bounds greedy decoding.
    """
    import torch

    from core.engines.int8_layers import Int8Linear

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        d, f = int(config["d_model"]), int(config["decoder_ffn_dim"])
        generator = torch.Generator().manual_seed(0)
        linear = torch.nn.Linear(d, f)
        with torch.no_grad():
            linear.weight.normal_(0, 0.02, generator=generator)
        layer = Int8Linear.from_linear(linear)
        if not layer.pack():
            raise RuntimeError("FBGEMM is missing from this torch: no int8 rate to measure")
        layer.rows_alike = True  # as the decoding layers run, one input scale for all rows
        inputs = torch.randn(rows, d, generator=generator)
        best = float("inf")
        with torch.inference_mode():
            layer(inputs)  # first-call allocations
            for _ in range(repeats):
                started = time.perf_counter()
                layer(inputs)
                best = min(best, time.perf_counter() - started)
        return rows * d * f / best / 1e9
    finally:
        torch.set_num_threads(before)


def decoder_step_bytes(config: dict[str, Any], bytes_per_weight: float) -> float:
    """Weights one decoding step of a BlenderBot must read: decoder layers and output layer.

    The cross-attention keys and values of the input are computed once per reply, so each step
    reads the self-attention (4 d^2), the cross-attention query and output (2 d^2), the
    feed-forward (2 d f) of every decoder layer, and the vocabulary projection (v d).
    """
    d = int(config["d_model"])
    layer = 6 * d * d + 2 * d * int(config["decoder_ffn_dim"])
    weights = int(config["decoder_layers"]) * layer + int(config["vocab_size"]) * d
    return weights * bytes_per_weight


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    On Linux this is VmHWM, the peak of this program alone: ``ru_maxrss`` keeps, across the
    exec that started it, the peak of the process it was forked (or vfork'ed, as Python's
    subprocess does) from, so a child of a benchmark that had built a 6 GB model reported 6 GB.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 2**10  # kB
    if sys.platform == "win32":
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak) / (2**20 if sys.platform == "darwin" else 2**10)


def peak_child_rss_mb() -> float:
    """The largest peak resident memory of this process's finished children, in MB (POSIX)."""
    if sys.platform == "win32":
        return 0.0
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return float(peak) / (2**20 if sys.platform == "darwin" else 2**10)

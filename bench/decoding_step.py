"""The fast engine's lean decoding step against transformers' decoder, on one loaded model.

``python -m bench.decoding_step [--model 400m] [--rounds 5]`` loads the random-weight model
of ``python -m bench`` (built by it first) in the int8 engine, then times beam-10 and greedy
replies of 60 tokens, alternating round by round between the engine's step
(``core.engines.lean_decoder``, with the beam cache's slots) and transformers' own decoder
with a reorder of every row at every step (what the engine did before). One process, the
same weights: the ratio holds on a noisy machine where absolute times drift.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bench.run import BEAM10, DEFAULT_CACHE, GREEDY, TURNS, WARM_UP, is_built, model_folder
from bench.sizes import SIZES
from core.engines import default_threads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decoding_step")
    parser.add_argument("--model", choices=sorted(SIZES), default="400m")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    if not is_built(args.cache, args.model):
        raise SystemExit(f"Build the model first: python -m bench --model {args.model}")
    from core.engines.int8_engine import Int8Engine
    from core.engines.reply_cache import ReplyCache

    engine = Int8Engine(model_folder(args.cache, args.model), args.cache / "data", args.threads)
    engine.load(lambda percent, text: None)
    decoder = engine._model.get_decoder()
    lean = decoder.__dict__["forward"]
    slotted = ReplyCache.reorder_cache

    def every_row(cache: ReplyCache, beam_idx: Any) -> None:
        cache.self_attention_cache.reorder_cache(beam_idx)

    ways = {"transformers' decoder": (lean.original, every_row), "lean step": (lean, slotted)}
    engine.generate(TURNS, WARM_UP, lambda d: None, threading.Event())
    times: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.rounds):
            for way, (forward, reorder) in ways.items():
                decoder.forward = forward
                ReplyCache.reorder_cache = reorder  # type: ignore[method-assign,assignment]
                for name, settings in (("beam 10", BEAM10), ("greedy", GREEDY)):
                    started = time.perf_counter()
                    engine.generate(TURNS, settings, lambda d: None, threading.Event())
                    times.setdefault((name, way), []).append(time.perf_counter() - started)
    finally:
        decoder.forward = lean
        ReplyCache.reorder_cache = slotted  # type: ignore[method-assign]
    print(f"{SIZES[args.model]}, int8, {args.threads} threads, {args.rounds} rounds, 60 tokens")
    for name in ("beam 10", "greedy"):
        old, new = times[(name, "transformers' decoder")], times[(name, "lean step")]
        print(
            f"{name:<8} transformers' decoder best {min(old):.3f} s median "
            f"{statistics.median(old):.3f} s; lean step best {min(new):.3f} s median "
            f"{statistics.median(new):.3f} s; ratio {min(new) / min(old):.2f} (best), "
            f"{statistics.median(new) / statistics.median(old):.2f} (median)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed and memory benchmark of the engines on the real 400M-distill shape (``python -m bench``).

Random weights in the real configuration do the same work as the real model, so the numbers
hold for it; the README's Benchmark section says what was measured and why.
"""

"""One contender of one timed row, in a process of its own.

``python -m bench._worker ROW CONTENDER --steps 30 --warmup 5 [--quick]`` builds the
workload, runs the warm-up steps, times each of the next ``--steps`` steps, and
prints one JSON line: ``{"samples": [seconds per unit, ...]}``, or
``{"skipped": "why"}`` when the contender cannot run here.  The thread count comes
from the environment (``OMP_NUM_THREADS`` and friends, set by ``bench.run``);
PyTorch is also told it with ``torch.set_num_threads``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _pin_torch_threads() -> None:
    try:
        import torch
    except ImportError:
        return
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # can only be set once, before any parallel work
        pass


def measure(row: str, contender: str, steps: int, warmup: int, quick: bool) -> dict[str, object]:
    from bench._workloads import BUILDERS, QUICK, Sizes, SkipRow

    if contender == "torch":
        _pin_torch_threads()
    try:
        step, units = BUILDERS[row][contender](QUICK if quick else Sizes())
    except SkipRow as why:
        return {"skipped": str(why)}
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        samples.append((time.perf_counter() - start) / units)
    return {"samples": samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("row")
    parser.add_argument("contender")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.row, args.contender, args.steps, args.warmup, args.quick)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

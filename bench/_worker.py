"""One contender of one timed row, in a process of its own.

``python -m bench._worker ROW CONTENDER --steps 30 --warmup 5 [--quick]`` builds the
workload, runs the warm-up steps, times each of the next ``--steps`` steps, and
prints one JSON line: ``{"samples": [seconds per unit, ...]}``, or
``{"skipped": "why"}`` when the contender cannot run here.

``python -m bench._worker ROW --together C1 C2 ...`` builds every named contender
in this one process and times them interleaved, one step each per round in an order
that rotates: for contenders that share their libraries (the shape-checking rows:
plain, on, off), where drift between processes is larger than the difference to
measure.  It prints ``{"samples": {"C1": [...], ...}}``.  The thread count comes
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


def measure_together(
    row: str, contenders: list[str], steps: int, warmup: int, quick: bool
) -> dict[str, object]:
    from bench._workloads import BUILDERS, QUICK, Sizes

    sizes = QUICK if quick else Sizes()
    built = {c: BUILDERS[row][c](sizes) for c in contenders}
    for step, _units in built.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {c: [] for c in contenders}
    for r in range(steps):
        for k in range(len(contenders)):
            name = contenders[(r + k) % len(contenders)]
            step, units = built[name]
            start = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - start) / units)
    return {"samples": samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("row")
    parser.add_argument("contender", nargs="?")
    parser.add_argument("--together", nargs="+", metavar="CONTENDER")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.together:
        result = measure_together(args.row, args.together, args.steps, args.warmup, args.quick)
    elif args.contender:
        result = measure(args.row, args.contender, args.steps, args.warmup, args.quick)
    else:
        parser.error("name a contender, or several after --together")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

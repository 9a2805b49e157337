"""Run the benchmark suite: print a table of medians and ratios, write it as JSON.

``python -m bench`` (or ``python bench/run.py``) runs every row; ``--quick`` runs
tiny sizes and few steps (the CI smoke test); ``--rows mlp_step,import`` picks
rows; ``--threads 2`` gives every library two threads (default 1); ``--json PATH``
says where the results go (``bench/results.json``); ``--backend torch`` (``--device
cuda``) runs stag's contenders on PyTorch's tensors (``stag.default_backend``), skipping
the rows with numpy-only ops and stag.compile's contender.

The training rows have up to five contenders: stag, stag's step through
``stag.compile`` (captured once, replayed), numpy as one would first write it, numpy
tuned by hand (buffers allocated once, ``out=`` everywhere, the update in place) and
PyTorch; the MNIST CNN has stag, an im2col numpy and PyTorch (its dropout draws random
masks, which a compiled step refuses).

How it measures, for a shared 2-core machine whose speed drifts: every contender
runs in a process of its own (numpy's and PyTorch's thread pools never meet), all
with the same thread count (``--threads``, through ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``torch.set_num_threads``).  A
row is measured in ``--launches`` rounds (a few rows set their own count: cold
mypy runs 3, imports 10); each round launches every contender once, in an order
that rotates from round to round, and a launch reports the median of its timed
steps after a warm-up.  The shape-checking rows compare stag with stag (plain,
checked, switched off): there one process per round times the three interleaved,
step by step, since a few per cent is below the drift between processes.  A
contender's figure is the median of its launches (min–max over launches beside it);
a ratio is the median over rounds of the two contenders' ratio within the round,
which cancels most of the drift.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _process
from bench._workloads import BUILDERS, SkipRow

ROOT = _process.ROOT
Launch = Callable[[str, int], float]  # (contender, round) -> seconds


@dataclass(frozen=True)
class Row:
    """One line of the table: what is timed, in what unit, and its targets."""

    name: str
    title: str
    unit: str  # "ms", "us" or "s"
    contenders: tuple[str, ...]
    ratios: tuple[tuple[str, str], ...]  # (numerator, denominator) contender pairs
    targets: dict[str, float] = field(default_factory=dict)  # "a/b" -> upper bound
    steps: int | None = None  # timed steps per launch, when not --steps (a slow row)
    launches: int | None = None  # rounds, instead of --launches (fewer for a slow row)
    together: bool = False  # contenders interleaved in one process per round (same libraries)


FOUR = ("stag", "numpy", "tuned", "torch")  # numpy as first written and numpy tuned by hand
FIVE = ("stag", "compiled", "numpy", "tuned", "torch")  # compiled: stag.compile of the step

ROWS = (
    Row("mlp_step", "MLP 784-256-128-10 step, batch 128", "ms", FIVE,
        (("stag", "numpy"), ("stag", "tuned"), ("stag", "torch"), ("compiled", "tuned"),
         ("compiled", "torch")),
        {"stag/numpy": 1.15, "stag/torch": 1.0, "compiled/tuned": 1.0, "compiled/torch": 0.8}),
    Row("op_overhead", "chain of small ops (16,), fwd+bwd (numpy fwd only), per op", "us",
        ("stag", "compiled", "numpy", "torch"),
        (("stag", "numpy"), ("stag", "torch"), ("compiled", "torch")),
        {"stag/torch": 0.5, "compiled/torch": 0.2}),
    Row("large_step", "MLP 1024-1024-1024 step, batch 1024", "ms", FIVE,
        (("stag", "numpy"), ("stag", "tuned"), ("stag", "torch"), ("compiled", "tuned")),
        {"stag/tuned": 1.02, "compiled/tuned": 1.02}, steps=20),
    Row("cnn_step", "CNN conv3x3(1->8) relu pool2 linear, batch 64 (numpy: im2col)", "ms", FIVE,
        (("stag", "numpy"), ("stag", "tuned"), ("stag", "torch"), ("compiled", "torch")),
        {"stag/numpy": 1.2, "stag/torch": 1.2, "compiled/torch": 1.2}),
    Row("mnist_cnn", "MNIST example CNN (conv 1->32->64, pool, dropout, 9216->128->10), "
        "batch 64 (numpy: im2col)", "ms", ("stag", "numpy", "torch"),
        (("stag", "numpy"), ("stag", "torch")), {"stag/torch": 1.2}, steps=10),
    Row("gpt_block", "GPT block fwd+bwd (B=8, T=64, C=128, 4 heads, MLP 4C), SGD", "ms",
        ("stag", "torch"), (("stag", "torch"),), {"stag/torch": 1.2}, steps=20),
    Row("poly_0d", "polynomial tutorial: 4 0-d parameters, 2,000 points, SGD", "us",
        ("stag", "torch"), (("stag", "torch"),), {"stag/torch": 1.0}, steps=200),
    Row("shapecheck_mlp", "MLP step via @shapecheck functions: plain / on / off", "ms",
        ("plain", "on", "off"), (("on", "plain"), ("off", "plain")), {"on/plain": 1.05},
        together=True),
    Row("shapecheck_small", "small checked function (16, 8): plain / on / off", "us",
        ("plain", "on", "off"), (("on", "plain"), ("off", "plain")), together=True),
    Row("typecheck_examples_cold", "mypy examples/, empty cache", "s", ("stag",), (),
        launches=3),
    Row("typecheck_examples_warm", "mypy examples/, warm cache", "s", ("stag",), ()),
    Row("typecheck_generated_cold", "mypy 2,000-line model, empty cache (vs numpy)", "s",
        ("stag", "numpy"), (("stag", "numpy"),), launches=3),
    Row("typecheck_generated_warm", "mypy 2,000-line model, warm cache (vs numpy)", "s",
        ("stag", "numpy"), (("stag", "numpy"),)),
    Row("import", "python -c 'import X', whole process", "ms", ("stag", "numpy", "torch"),
        (("stag", "numpy"), ("stag", "torch")), {"stag/numpy": 2.0}, launches=10),
)  # fmt: skip

SCALE = {"ms": 1e3, "us": 1e6, "s": 1.0}


# ------------------------------------------------------------------------- launching
def _worker_launcher(row: str, env: dict[str, str], steps: int, warmup: int, quick: bool) -> Launch:
    def launch(contender: str, _round: int) -> float:
        args = [sys.executable, "-m", "bench._worker", row, contender]
        args += ["--steps", str(steps), "--warmup", str(warmup)] + ["--quick"] * quick
        done = subprocess.run(args, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{row} {contender} failed:\n{done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if "skipped" in result:
            raise SkipRow(result["skipped"])
        samples: list[float] = result["samples"]
        return statistics.median(samples)

    return launch


def _mypy_launcher(row: str, env: dict[str, str], work: Path, lines: int) -> Launch:
    cold = row.endswith("_cold")

    def launch(contender: str, round_: int) -> float:
        cache = work / f"cache-{row.removesuffix('_cold').removesuffix('_warm')}-{contender}"
        if row.startswith("typecheck_examples"):
            targets = ["examples"]
        else:
            targets = [str(_process.generated_file(work, contender, lines))]
        if not cold and not cache.exists():  # a warm run needs a cache to be warm with
            _process.mypy_time(targets, cache, env, cold=True)
        return _process.mypy_time(targets, cache, env, cold=cold)

    return launch


def _together_launcher(
    row: Row, env: dict[str, str], steps: int, warmup: int, quick: bool
) -> Launch:
    """One process per round times every contender, interleaved; each asks for its part."""
    rounds: dict[int, dict[str, list[float]]] = {}

    def launch(contender: str, round_: int) -> float:
        if round_ not in rounds:
            args = [sys.executable, "-m", "bench._worker", row.name, "--together"]
            args += [*row.contenders, "--steps", str(steps), "--warmup", str(warmup)]
            args += ["--quick"] * quick
            done = subprocess.run(
                args, check=False, cwd=ROOT, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"{row.name} failed:\n{done.stderr[-2000:]}")
            rounds[round_] = json.loads(done.stdout.strip().splitlines()[-1])["samples"]
        return statistics.median(rounds[round_][contender])

    return launch


def _import_launcher(env: dict[str, str], work: Path) -> Launch:
    """Imports as an installed library runs them: from cached bytecode.

    numpy and torch come with their ``.pyc`` files; a checkout of stag has none, and with
    ``PYTHONDONTWRITEBYTECODE`` set (as on these machines) every launch would compile
    stag's source again.  So bytecode goes to a cache of the bench's own
    (``PYTHONPYCACHEPREFIX``), filled by one untimed launch per contender.
    """
    cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    warm: set[str] = set()

    def launch(contender: str, _round: int) -> float:
        if contender not in warm:
            _process.import_time(contender, cached)
            warm.add(contender)
        return _process.import_time(contender, cached)

    return launch


def _launcher(row: Row, args: argparse.Namespace, env: dict[str, str], work: Path) -> Launch:
    if row.name == "import":
        return _import_launcher(env, work)
    if row.name.startswith("typecheck"):
        if args.quick:
            raise SkipRow("not run in quick mode (a cold mypy run takes 5-15 s)")
        return _mypy_launcher(row.name, env, work, lines=2000)
    assert row.name in BUILDERS, row.name
    steps, warmup = (3, 1) if args.quick else (row.steps or args.steps, args.warmup)
    if row.together:
        return _together_launcher(row, env, steps, warmup, args.quick)
    return _worker_launcher(row.name, env, steps, warmup, args.quick)


def measure(row: Row, launch: Launch, launches: int) -> dict[str, list[float] | str]:
    """Per contender, one figure per round (seconds), or the reason it was skipped."""
    figures: dict[str, list[float] | str] = {c: [] for c in row.contenders}
    for r in range(launches):
        for k in range(len(row.contenders)):
            contender = row.contenders[(r + k) % len(row.contenders)]
            values = figures[contender]
            if isinstance(values, str):
                continue
            try:
                values.append(launch(contender, r))
            except SkipRow as why:
                figures[contender] = str(why)
    return figures


# --------------------------------------------------------------------------- results
def summarize(row: Row, figures: dict[str, list[float] | str]) -> dict[str, Any]:
    scale = SCALE[row.unit]
    contenders: dict[str, Any] = {}
    for name, values in figures.items():
        if isinstance(values, str):
            contenders[name] = {"skipped": values}
        else:
            contenders[name] = {
                "median": statistics.median(values) * scale,
                "min": min(values) * scale,
                "max": max(values) * scale,
                "launches": len(values),
            }
    ratios: dict[str, Any] = {}
    for top, bottom in row.ratios:
        a, b = figures[top], figures[bottom]
        label = f"{top}/{bottom}"
        if isinstance(a, str) or isinstance(b, str):
            ratios[label] = {"skipped": a if isinstance(a, str) else b}
        else:
            ratios[label] = statistics.median(x / y for x, y in zip(a, b, strict=True))
    return {
        "title": row.title,
        "unit": row.unit,
        "contenders": contenders,
        "ratios": ratios,
        "targets": row.targets,
    }


def _machine(args: argparse.Namespace) -> dict[str, Any]:
    import numpy

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
        "threads": args.threads,
        "backend": args.backend + (f" ({args.device})" if args.device else ""),
        "launches": args.launches,
        "steps": args.steps,
        "quick": args.quick,
    }


def format_table(results: dict[str, Any]) -> str:
    """The results as a plain-text table: figures per contender, then the ratios."""
    m = results["machine"]
    lines = [
        (
            f"stag bench — {m['date']}, python {m['python']}, numpy {m['numpy']}, "
            f"{m['cpus']} cpus, load {m['load_average_at_start']}, threads {m['threads']}, "
            f"stag on {m.get('backend', 'numpy')}, "
            f"{m['launches']} launches{' (quick)' if m['quick'] else ''}"
        ),
        f"{'row':26} {'contender':10} {'median':>10} {'min–max':>19}",
    ]
    for name, row in results["rows"].items():
        lines.append(f"{name:26} {row['title']}")
        for contender, fig in row["contenders"].items():
            if "skipped" in fig:
                lines.append(f"{'':26} {contender:10} {'skipped: ' + fig['skipped']}")
                continue
            span = f"{fig['min']:.3g}–{fig['max']:.3g}"
            lines.append(f"{'':26} {contender:10} {fig['median']:>7.3g} {row['unit']:2} {span:>19}")
        for label, ratio in row["ratios"].items():
            if isinstance(ratio, dict):
                lines.append(f"{'':26} {label:10} skipped: {ratio['skipped']}")
                continue
            bound = row["targets"].get(label)
            verdict = (
                ""
                if bound is None
                else f"  target ≤ {bound}: " + ("met" if ratio <= bound else "MISSED")
            )
            lines.append(f"{'':26} {label:10} {ratio:>7.2f}×{verdict}")
    return "\n".join(lines)


# the rows whose stag contenders use portable ops only (stag._ops.portable): the others
# (convolutions, layer_norm) compute on numpy alone
_PORTABLE_ROWS = [row for row in ROWS if row.name in ("mlp_step", "op_overhead", "large_step")]


def _without_compiled(row: Row) -> Row:
    """``row`` without stag.compile's contender (it captures numpy computations only)."""
    return dataclasses.replace(
        row,
        contenders=tuple(c for c in row.contenders if c != "compiled"),
        ratios=tuple(pair for pair in row.ratios if "compiled" not in pair),
        targets={k: v for k, v in row.targets.items() if "compiled" not in k},
    )


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one launch (CI)")
    parser.add_argument("--rows", help="comma-separated row names (default: all)")
    parser.add_argument("--launches", type=int, default=5, help="rounds per row (default 5)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per launch")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per launch")
    parser.add_argument("--threads", type=int, default=1, help="threads for every library")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--backend",
        default="numpy",
        choices=["numpy", "torch", "cupy"],
        help="where stag's contenders compute (stag.default_backend); rows of numpy-only "
        "ops, and stag.compile's, are skipped elsewhere",
    )
    parser.add_argument("--device", default=None, help="the backend's device, e.g. cuda")
    args = parser.parse_args(argv)
    if args.quick:
        args.launches = 1
    rows = ROWS if args.backend == "numpy" else tuple(map(_without_compiled, _PORTABLE_ROWS))
    wanted = args.rows.split(",") if args.rows else [row.name for row in rows]
    unknown = set(wanted) - {row.name for row in rows}
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")

    env = _process.thread_env(args.threads)
    env["STAG_BENCH_BACKEND"], env["STAG_BENCH_DEVICE"] = args.backend, args.device or ""
    results: dict[str, Any] = {"machine": _machine(args), "rows": {}}
    with tempfile.TemporaryDirectory(prefix="stag-bench-") as work:
        for row in rows:
            if row.name not in wanted:
                continue
            try:
                launch = _launcher(row, args, env, Path(work))
                launches = 1 if args.quick else row.launches or args.launches
                figures = measure(row, launch, launches)
            except SkipRow as why:
                figures = {c: str(why) for c in row.contenders}
            results["rows"][row.name] = summarize(row, figures)
            print(f"  {row.name} done", file=sys.stderr, flush=True)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(format_table(results))
    print(f"(written to {args.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What ``@stag.shapecheck`` costs: a training step, a small op-heavy function, a bare call.

Run: ``python bench/shapecheck_overhead.py`` (``--quick`` for a smoke run).

Each workload is timed three ways in one process, interleaved round by round so
that drift on a shared machine hits all three alike: the plain functions, the same
functions under ``@stag.shapecheck`` with checking on, and with checking switched
off by ``stag.disable_checking()``.  Each round times a batch of calls; the figure
is the median over rounds.

1. MLP step: 784-256-10 at batch 128, raw tensors, cross-entropy, backward and
   manual SGD; four checked functions per step (two ``dense`` layers, the loss and
   the SGD update of the four parameters).
2. Small op-heavy function: eight elementwise ops and a reduction on ``(16, 8)``
   tensors, three tensor arguments.
3. A bare call: three tensor arguments, the body returns its first one; this is the
   per-call cost of the check alone.

The MLP step is also measured as its checks alone: the step's four signatures with
bodies that return a ready result, so checked minus plain there is the checking cost
of one step without the step's arithmetic, whose noise on a shared machine is larger
than the cost itself.  BLAS runs on one thread unless ``OPENBLAS_NUM_THREADS`` (or
``OMP_NUM_THREADS``) says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NewType, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One BLAS thread unless told otherwise, set before numpy loads: threads fighting over
# a busy machine's cores add more noise than the checks cost.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
from typing_extensions import TypeVarTuple

import stag  # after the path fix, so that the checkout is what runs
from stag import Tensor
from stag.nn import functional as F

Batch = NewType("Batch", int)
N = TypeVar("N")
S = TypeVarTuple("S")
In = TypeVar("In")
Out = TypeVar("Out")
L8 = Literal[8]
L784 = Literal[784]
L256 = Literal[256]
L10 = Literal[10]


# --------------------------------------------------------------------- the workloads
def dense(x: Tensor[N, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[N, Out]:
    return x @ w + b


def loss_fn(logits: Tensor[Batch, L10], labels: Tensor[Batch]) -> Tensor[()]:
    return F.cross_entropy(logits, labels)


def sgd(
    w1: Tensor[L784, L256], b1: Tensor[L256], w2: Tensor[L256, L10], b2: Tensor[L10], lr: float
) -> None:
    with stag.no_grad():
        _descend(w1, lr)
        _descend(b1, lr)
        _descend(w2, lr)
        _descend(b2, lr)


def _descend(p: Tensor[*S], lr: float) -> None:
    grad = p.grad
    assert grad is not None
    p.sub_(grad * lr)
    p.grad = None


def small(x: Tensor[N, L8], y: Tensor[N, L8], z: Tensor[N, L8]) -> Tensor[N]:
    h = (x * y + z).relu() * 0.5 - x
    return (h.exp() + y.abs()).sqrt().sum(axis=-1)


def bare(x: Tensor[N, L8], y: Tensor[N, L8], z: Tensor[N, L8]) -> Tensor[N, L8]:
    return x


# The MLP step's four signatures again, with bodies that only return a result of the
# right shape: checked minus plain on these is the checking cost of one step, measured
# without the step's own (noisy) numerical work.
_RESULTS: dict[str, object] = {}


def dense_sig(x: Tensor[N, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[N, Out]:
    return _RESULTS[f"dense{x.shape[1]}"]  # type: ignore[return-value]


def loss_sig(logits: Tensor[Batch, L10], labels: Tensor[Batch]) -> Tensor[()]:
    return _RESULTS["loss"]  # type: ignore[return-value]


def sgd_sig(
    w1: Tensor[L784, L256], b1: Tensor[L256], w2: Tensor[L256, L10], b2: Tensor[L10], lr: float
) -> None:
    pass


Fns = dict[str, Callable[..., object]]
PLAIN: Fns = {"dense": dense, "loss_fn": loss_fn, "sgd": sgd, "small": small, "bare": bare}
PLAIN |= {"dense_sig": dense_sig, "loss_sig": loss_sig, "sgd_sig": sgd_sig}
CHECKED: Fns = {name: stag.shapecheck(fn) for name, fn in PLAIN.items()}


def mlp_step(fns: Fns) -> Callable[[], object]:
    rng = np.random.default_rng(0)
    x = stag.tensor(rng.standard_normal((128, 784), dtype=np.float32))
    labels = stag.tensor(rng.integers(0, 10, size=128))
    w1 = stag.tensor(rng.standard_normal((784, 256), dtype=np.float32) * 0.03, requires_grad=True)
    b1 = stag.zeros(256, requires_grad=True)
    w2 = stag.tensor(rng.standard_normal((256, 10), dtype=np.float32) * 0.06, requires_grad=True)
    b2 = stag.zeros(10, requires_grad=True)
    dense_, loss_, sgd_ = fns["dense"], fns["loss_fn"], fns["sgd"]

    def step() -> object:
        h = dense_(x, w1, b1).relu()  # type: ignore[attr-defined]
        loss = loss_(dense_(h, w2, b2), labels)
        loss.backward()  # type: ignore[attr-defined]
        sgd_(w1, b1, w2, b2, 0.01)
        return loss

    return step


def mlp_checks(fns: Fns) -> Callable[[], object]:
    """The argument and result checks of one MLP step, without its arithmetic."""
    x, labels = stag.randn(128, 784), stag.tensor(np.zeros(128, dtype=np.int64))
    w1, b1, w2, b2 = stag.randn(784, 256), stag.randn(256), stag.randn(256, 10), stag.randn(10)
    h, logits = stag.randn(128, 256), stag.randn(128, 10)
    _RESULTS.update(dense784=h, dense256=logits, loss=stag.tensor(0.0))
    dense_, loss_, sgd_ = fns["dense_sig"], fns["loss_sig"], fns["sgd_sig"]

    def step() -> object:
        dense_(x, w1, b1)
        loss_(dense_(h, w2, b2), labels)
        return sgd_(w1, b1, w2, b2, 0.01)

    return step


def call_of(name: str, rows: int) -> Callable[[Fns], Callable[[], object]]:
    def make(fns: Fns) -> Callable[[], object]:
        x, y, z = (stag.randn(rows, 8) for _ in range(3))
        fn = fns[name]
        return lambda: fn(x, y, z)

    return make


# ------------------------------------------------------------------------ the timing
def per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def measure(make: Callable[[Fns], Callable[[], object]], calls: int, rounds: int) -> list[float]:
    """Seconds per call, plain / checked / switched off, and the checked/plain ratio.

    Each round times ``calls`` calls of each variant back to back, in an order that
    rotates from round to round; the times are medians over rounds, and the ratio is
    the median of the rounds' own ratios, which cancels most of a shared machine's drift.
    """
    plain, checked = make(PLAIN), make(CHECKED)
    for fn in (plain, checked):
        per_call(fn, max(1, calls // 10))  # warm up (the first checked call compiles)

    variants = [plain, checked, checked]
    times: list[list[float]] = [[], [], []]
    for r in range(rounds):
        for k in range(3):
            i = (r + k) % 3
            stag.set_checking(i != 2)  # the third variant: decorated, switched off
            times[i].append(per_call(variants[i], calls))
    stag.set_checking(True)
    ratio = statistics.median(c / p for p, c in zip(times[0], times[1], strict=True))
    return [*(statistics.median(t) for t in times), ratio]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only")
    args = parser.parse_args(argv)
    scale = 1 if args.quick else 10
    workloads = [
        ("MLP step 784-256-10, batch 128", mlp_step, 2, 5 + 40 * scale),
        ("the same step's checks alone", mlp_checks, 200, 5 + 40 * scale),
        ("small op-heavy function (16x8)", call_of("small", 16), 50, 5 + 40 * scale),
        ("bare call, 3 tensor arguments", call_of("bare", 16), 500, 5 + 40 * scale),
    ]
    print(f"python {sys.version.split()[0]}; medians over interleaved rounds; times per call")
    print(f"{'workload':32} {'plain':>10} {'checked':>10} {'off':>10} {'overhead':>18}")
    results = {}
    for title, make, calls, rounds in workloads:
        plain, checked, off, ratio = results[title] = measure(make, calls, rounds)
        unit, factor = ("ms", 1e3) if plain > 1e-4 else ("us", 1e6)
        extra = (checked - plain) * 1e6
        print(
            f"{title:32} {plain * factor:8.3f}{unit} {checked * factor:8.3f}{unit} "
            f"{off * factor:8.3f}{unit} {extra:+8.2f}us {100 * (ratio - 1):+6.1f}%"
        )
    step = results[workloads[0][0]][0]
    checks_plain, checks_checked = results[workloads[1][0]][:2]
    cost = checks_checked - checks_plain
    print(
        f"checking one MLP step (4 checked calls) costs {cost * 1e6:.1f}us, "
        f"{100 * cost / step:.2f}% of the plain step's {step * 1e3:.2f}ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

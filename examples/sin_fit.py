"""Fit sin(x) on [-pi, pi] with 30 ReLU units; save a plot of the fit and the loss.

The model is ``nn.Linear(1, 30) >> nn.ReLU() >> nn.Linear(30, 1)``, a
``Sequential[L1, L1]``: 30 hinges whose weighted sum bends into a sine.  It
is trained full-batch on 256 points with ``stag.optim.Adam``, and the script
writes ``sin_fit.png`` to ``--out`` (``examples/out/`` by default): the fit
beside the data, and the loss curve.

``loss_fn`` is decorated with ``@stag.shapecheck``, so every call is also
checked at run time against its annotations (``--no-shapecheck`` turns that
off).  Plotting needs matplotlib (``pip install -e ".[examples]"``).

A shape bug mypy catches: the layers in the wrong order, so the 30 hidden
units would be fed to a layer that expects one input (see ``make_model``)::

    nn.Sequential(nn.Linear(ONE, HIDDEN), nn.Linear(ONE, HIDDEN), nn.ReLU())

    error: Cannot infer value of type parameter "H1" of "Sequential"  [misc]
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Literal, NewType

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

import stag
import stag.nn.functional as F
from stag import L1, Tensor, nn
from stag.optim import Adam

Points = NewType("Points", int)  # how many samples of sin: a run-time size
Hidden = Literal[30]

ONE: L1 = 1
HIDDEN: Hidden = 30
DEFAULT_OUT = Path(__file__).resolve().parent / "out"

Model = nn.Sequential[L1, L1]


def make_model(gen: stag.Generator) -> Model:
    return (
        nn.Linear(ONE, HIDDEN, generator=gen) >> nn.ReLU() >> nn.Linear(HIDDEN, ONE, generator=gen)
    )


def sine_data(n: Points) -> tuple[Tensor[Points, L1], Tensor[Points, L1]]:
    xs = np.linspace(-np.pi, np.pi, n, dtype=np.float32).reshape(n, 1)
    x: Tensor[Points, L1] = stag.tensor(xs).assert_shape(n, 1)
    y: Tensor[Points, L1] = stag.tensor(np.sin(xs)).assert_shape(n, 1)
    return x, y


@stag.shapecheck
def loss_fn(model: Model, x: Tensor[Points, L1], y: Tensor[Points, L1]) -> Tensor[()]:
    return F.mse_loss(model(x), y)


def train(
    opt: Adam[Model], x: Tensor[Points, L1], y: Tensor[Points, L1], steps: int
) -> list[float]:
    """Full-batch Adam; returns the loss of every step."""
    losses: list[float] = []
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = loss_fn(opt.module, x, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == 1 or step % max(steps // 10, 1) == 0:
            print(f"step {step:5d}  loss {losses[-1]:.6f}")
    return losses


def column(t: Tensor[Points, L1]) -> npt.NDArray[np.float32]:
    return np.asarray(t.numpy(), dtype=np.float32).reshape(-1)


def plot(
    path: Path,
    x: Tensor[Points, L1],
    y: Tensor[Points, L1],
    fit: Tensor[Points, L1],
    losses: list[float],
) -> None:
    """The fit beside the data (left) and the loss per step, log scale (right)."""
    fig = Figure(figsize=(10, 4), layout="tight")  # no pyplot: rendered by Agg, no GUI
    left, right = fig.subplots(1, 2)
    left.plot(column(x), column(y), ".", markersize=3, label="data: sin(x)")
    left.plot(column(x), column(fit), "-", label=f"fit: {HIDDEN} ReLU units")
    left.set_xlabel("x")
    left.legend()
    right.semilogy(np.arange(1, len(losses) + 1), losses)
    right.set_xlabel("step")
    right.set_ylabel("mean squared error")
    right.set_title("loss")
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights")
    parser.add_argument("--quick", action="store_true", help="fewer steps (used by the tests)")
    parser.add_argument("--epochs", type=int, default=None, help="full-batch steps (2000)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNG goes")
    parser.add_argument(
        "--no-shapecheck", action="store_true", help="skip the run-time shape checks"
    )
    args = parser.parse_args(argv)
    steps = args.epochs if args.epochs is not None else (300 if args.quick else 2000)

    x, y = sine_data(Points(256))
    opt = Adam(make_model(stag.Generator(args.seed)), lr=args.lr)
    checks = stag.disable_checking() if args.no_shapecheck else contextlib.nullcontext()
    with checks:
        losses = train(opt, x, y, steps)
    with stag.no_grad():
        fit = opt.module(x)
    print(f"first loss {losses[0]:.6f}")
    print(f"last loss {losses[-1]:.6f}")

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "sin_fit.png"
    plot(path, x, y, fit, losses)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

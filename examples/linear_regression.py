"""Fit y = 3x + 2 plus noise with one ``nn.Linear`` layer and SGD.

The data are 200 points x in [-1, 1] with y = 3x + 2 + N(0, 0.1^2), both as
``(Samples, 1)`` columns.  A ``Linear[L1, L1]`` layer (one weight, one bias)
is trained on shuffled mini-batches from a ``stag.data.DataLoader`` with
``stag.optim.SGD``: ``opt.zero_grad(); loss.backward(); opt.step()``.  The
learned weight and bias come out close to 3 and 2.

``loss_fn`` is decorated with ``@stag.shapecheck``, so every call is also
checked at run time against its annotations (``--no-shapecheck`` turns that
off).

A shape bug mypy catches: comparing the (Samples, 1) predictions with a
(Samples,) vector of targets, which numpy would silently broadcast to a
(Samples, Samples) matrix of differences (see ``loss_fn``)::

    F.mse_loss(model(x), y.squeeze(-1))

    error: Cannot infer value of type parameter "S" of "mse_loss"  [misc]
"""

from __future__ import annotations

import argparse
import contextlib
from typing import NewType, TypeVar

import numpy as np

import stag
import stag.nn.functional as F
from stag import L1, Tensor, nn
from stag.data import DataLoader
from stag.optim import SGD

Samples = NewType("Samples", int)  # how many (x, y) points: a run-time size
N = TypeVar("N")  # the rows of one batch

TRUE_WEIGHT, TRUE_BIAS, NOISE = 3.0, 2.0, 0.1
ONE: L1 = 1


def make_data(
    n: Samples, rng: np.random.Generator
) -> tuple[Tensor[Samples, L1], Tensor[Samples, L1]]:
    """``n`` points of y = 3x + 2 + noise, x uniform in [-1, 1], as two columns."""
    xs = rng.uniform(-1.0, 1.0, size=(n, 1)).astype(np.float32)
    ys = (TRUE_WEIGHT * xs + TRUE_BIAS + rng.normal(0.0, NOISE, size=(n, 1))).astype(np.float32)
    x: Tensor[Samples, L1] = stag.tensor(xs).assert_shape(n, 1)
    y: Tensor[Samples, L1] = stag.tensor(ys).assert_shape(n, 1)
    return x, y


@stag.shapecheck
def loss_fn(model: nn.Linear[L1, L1], x: Tensor[N, L1], y: Tensor[N, L1]) -> Tensor[()]:
    """Mean squared error of the line's predictions for one batch."""
    return F.mse_loss(model(x), y)


def train(
    opt: SGD[nn.Linear[L1, L1]],
    loader: DataLoader[Tensor[stag.Dyn, L1], Tensor[stag.Dyn, L1]],
    epochs: int,
) -> None:
    """``epochs`` passes of SGD steps over the shuffled batches, printing the mean loss."""
    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(opt.module, xb, yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        if epoch == 1 or epoch % max(epochs // 5, 1) == 0:
            print(f"epoch {epoch:3d}  loss {total / loader.num_rows:.5f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the data and the init")
    parser.add_argument("--quick", action="store_true", help="fewer epochs (used by the tests)")
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (30)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument(
        "--no-shapecheck", action="store_true", help="skip the run-time shape checks"
    )
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (8 if args.quick else 30)

    x, y = make_data(Samples(200), np.random.default_rng(args.seed))
    gen = stag.Generator(args.seed)
    model: nn.Linear[L1, L1] = nn.Linear(ONE, ONE, generator=gen)
    opt = SGD(model, lr=args.lr)
    loader = DataLoader(x, y, batch_size=20, shuffle=True, generator=gen)
    checks = stag.disable_checking() if args.no_shapecheck else contextlib.nullcontext()
    with checks:
        train(opt, loader, epochs)

    print(f"learned weight {model.weight.item():.4f}  (true {TRUE_WEIGHT})")
    bias = model.bias.item() if model.bias is not None else 0.0
    print(f"learned bias {bias:.4f}  (true {TRUE_BIAS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A model as a pure function of its parameters, trained with ``stag.value_and_grad``.

The parameters are a frozen dataclass of tensors (a pytree).  ``loss_fn``
takes them and the data and returns a 0-d loss; ``stag.value_and_grad(loss_fn)``
returns the loss and the gradient *as a ``Params`` of the same shapes*, so the
SGD step below is plain typed arithmetic on two trees.  Nothing is mutated:
each step builds new parameters.  The model is a 1-16-1 tanh MLP fitted to
``y = sin(x)`` on 64 points.

A shape bug mypy catches: comparing the (Points, 1) predictions with a
(Points,) vector of targets, which numpy would silently broadcast to a
(Points, Points) matrix of differences (in ``loss_fn``)::

    F.mse_loss(predict(p, x), y.squeeze(-1))

    error: Cannot infer value of type parameter "S" of "mse_loss"  [misc]
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Literal, NewType, assert_type

import numpy as np

import stag
import stag.nn.functional as F
from stag import L1, Tensor

Points = NewType("Points", int)  # how many (x, y) samples: a run-time size
Hidden = Literal[16]


@dataclasses.dataclass(frozen=True)
class Params:
    """The MLP's weights: x (Points, 1) -> tanh hidden (Points, 16) -> y (Points, 1)."""

    w1: Tensor[L1, Hidden]
    b1: Tensor[Hidden]
    w2: Tensor[Hidden, L1]
    b2: Tensor[L1]


def init_params(gen: stag.Generator) -> Params:
    w1: Tensor[L1, Hidden] = stag.randn(1, 16, generator=gen)
    w2: Tensor[Hidden, L1] = stag.randn(16, 1, generator=gen)
    b1: Tensor[Hidden] = stag.zeros(16)
    b2: Tensor[L1] = stag.zeros(1)
    return Params(w1=w1, b1=b1, w2=w2 * 0.25, b2=b2)  # 0.25 = 1/sqrt(16): unit-scale outputs


def predict(p: Params, x: Tensor[Points, L1]) -> Tensor[Points, L1]:
    h = stag.tanh(x @ p.w1 + p.b1)
    return h @ p.w2 + p.b2


def loss_fn(p: Params, x: Tensor[Points, L1], y: Tensor[Points, L1]) -> Tensor[()]:
    return F.mse_loss(predict(p, x), y)


def sgd(p: Params, g: Params, lr: float) -> Params:
    """One gradient step, ``p - lr * g``, leaf by leaf; the trees share one type.

    ``params`` never require grad (``value_and_grad`` differentiates fresh
    copies of them), so this arithmetic records no graph.
    """
    return Params(
        w1=p.w1 - g.w1 * lr,
        b1=p.b1 - g.b1 * lr,
        w2=p.w2 - g.w2 * lr,
        b2=p.b2 - g.b2 * lr,
    )


def sine_data(n: Points) -> tuple[Tensor[Points, L1], Tensor[Points, L1]]:
    xs = np.linspace(-np.pi, np.pi, n, dtype=np.float32).reshape(n, 1)
    x: Tensor[Points, L1] = stag.tensor(xs).assert_shape(n, 1)
    y: Tensor[Points, L1] = stag.tensor(np.sin(xs)).assert_shape(n, 1)
    return x, y


def train(
    params: Params, x: Tensor[Points, L1], y: Tensor[Points, L1], steps: int, lr: float
) -> list[float]:
    """Full-batch gradient descent; returns the loss before each step and after the last."""
    loss_and_grad = stag.value_and_grad(loss_fn)  # differentiates with respect to params
    losses: list[float] = []
    for step in range(steps + 1):
        loss, grads = loss_and_grad(params, x, y)
        assert_type(grads, Params)  # the gradient has the parameters' structure and type
        losses.append(loss.item())
        if step % max(steps // 10, 1) == 0:
            print(f"step {step:5d}  loss {loss.item():.6f}")
        params = sgd(params, grads, lr)
    return losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights")
    parser.add_argument("--quick", action="store_true", help="fewer steps (used by the tests)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate")
    args = parser.parse_args(argv)

    x, y = sine_data(Points(64))
    params = init_params(stag.Generator(args.seed))
    losses = train(params, x, y, steps=200 if args.quick else 3000, lr=args.lr)
    print(f"first loss {losses[0]:.6f}")
    print(f"last loss {losses[-1]:.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

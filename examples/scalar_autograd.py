"""Autograd on scalars: 0-d tensors, ``Tensor[()]``, and their derivatives.

The expression ``e = (a + b) * c`` at a = 123, b = 321, c = 42 has the partial
derivatives de/da = c = 42, de/db = c = 42 and de/dc = a + b = 444.  stag gets
them two ways: one at a time with ``stag.derivative``, which leaves every
``.grad`` alone, and all at once with ``e.backward()``, which fills ``.grad``
of each leaf.  A second expression with tanh and exp is checked against a
central finite difference.

A shape bug mypy catches: ``backward`` starts from a scalar, so calling it on
a vector (here ``a`` times a vector of ones, not reduced with ``.sum()``) is a
type error::

    (a * stag.ones(3)).backward()

    error: Invalid self argument "Tensor[int]" to attribute function "backward"
    with type "def backward(self, self: Tensor[()], *, retain_graph: bool = ...)
    -> None"  [misc]
"""

from __future__ import annotations

import argparse

import numpy as np

import stag
from stag import Tensor


def leaf(value: float) -> Tensor[()]:
    """A float64 scalar that gradients are taken with respect to."""
    return stag.tensor(value, requires_grad=True, dtype=np.float64)


def grad_of(t: Tensor[()]) -> float:
    """The gradient ``backward`` stored in a leaf."""
    if t.grad is None:
        raise RuntimeError("no gradient: did backward() run, and does the output depend on t?")
    return t.grad.item()


def first_expression() -> None:
    a, b, c = leaf(123.0), leaf(321.0), leaf(42.0)

    def e() -> Tensor[()]:
        return (a + b) * c

    print(f"e = (a + b) * c = {e().item()}")
    print("one partial derivative at a time, with stag.derivative:")
    for name, x in (("a", a), ("b", b), ("c", c)):
        print(f"  d/d{name} = {stag.derivative(e, wrt=x).item()}")

    print("all at once, with e.backward():")
    e().backward()
    for name, x in (("a", a), ("b", b), ("c", c)):
        print(f"  d/d{name} = {grad_of(x)}")


def g(x: Tensor[()], y: Tensor[()]) -> Tensor[()]:
    return stag.tanh(x * y) + stag.exp(-x) * y


def central_difference(x: Tensor[()], y: Tensor[()], h: float = 1e-6) -> tuple[float, float]:
    """(dg/dx, dg/dy) from (g(v + h) - g(v - h)) / 2h: no autograd involved."""
    with stag.no_grad():
        dx = (g(x + h, y) - g(x - h, y)) / (2 * h)
        dy = (g(x, y + h) - g(x, y - h)) / (2 * h)
    return dx.item(), dy.item()


def second_expression(rng: np.random.Generator) -> None:
    x, y = leaf(float(rng.uniform(-1, 1))), leaf(float(rng.uniform(-1, 1)))
    print(f"\ng = tanh(x * y) + exp(-x) * y at x = {x.item():.4f}, y = {y.item():.4f}")
    g(x, y).backward()
    fd_x, fd_y = central_difference(x, y)
    print(f"  dg/dx = {grad_of(x):+.8f}   finite difference {fd_x:+.8f}")
    print(f"  dg/dy = {grad_of(y):+.8f}   finite difference {fd_y:+.8f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="picks the second point")
    parser.add_argument("--quick", action="store_true", help="accepted; it is quick")
    args = parser.parse_args(argv)

    first_expression()
    second_expression(np.random.default_rng(args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

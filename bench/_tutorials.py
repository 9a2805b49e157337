"""The 0-d parameter row: PyTorch's polynomial tutorial (fit sin on [-pi, pi] with
``a + b x + c x^2 + d x^3``, four 0-d parameters, 2,000 points, plain SGD).

Per step, a dozen ops on length-2000 vectors that each meet a 0-d parameter: the
per-op path and broadcasting a scalar's gradient back (a sum) are what it measures.
stag and PyTorch run this one source (``bench._common.library``).
"""

from __future__ import annotations

import math

import numpy as np

from bench._common import Sizes, Step, library

TUTORIAL_LR = 1e-6


def polynomial(name: str, s: Sizes) -> tuple[Step, int]:
    """stag's or PyTorch's training step of the tutorial (one unit: a step)."""
    lib = library(name)
    points = np.linspace(-math.pi, math.pi, s.poly_points, dtype=np.float32)
    x, y = lib.tensor(points), lib.tensor(np.sin(points))
    start = np.random.default_rng(0).standard_normal(4).astype(np.float32)
    params = [lib.param(np.array(v)) for v in start]  # four 0-d leaves

    def step() -> float:
        a, b, c, d = params
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = ((y_pred - y) ** 2).sum()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= TUTORIAL_LR * p.grad
                p.grad = None
        return float(loss.item())

    return step, 1

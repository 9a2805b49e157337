"""The timed workloads: one builder per (case, contender), each returning a step.

A builder sets up its arrays and returns ``(step, units)``: ``step()`` runs one
training step (or one chain) and ``units`` is what one call counts as (1 step, or
the number of ops in a chain, to report per-op times).  Every contender computes
the same maths in float32 from the same seeded data; only stag, numpy or
PyTorch differs.  Builders import their library inside, so a worker process
loads nothing it does not time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Step = Callable[[], object]
Builder = Callable[["Sizes"], tuple[Step, int]]

LR = 0.01


@dataclass(frozen=True)
class Sizes:
    """Problem sizes; ``quick`` shrinks them for the smoke test."""

    mlp: tuple[int, ...] = (784, 256, 128, 10)
    mlp_batch: int = 128
    large: tuple[int, ...] = (1024, 1024, 1024)
    large_batch: int = 1024
    chain_ops: int = 1000
    chain_width: int = 16
    cnn_batch: int = 64
    cnn_channels: int = 8
    image: int = 28


QUICK = Sizes(
    mlp=(32, 16, 8, 4),
    mlp_batch=8,
    large=(64, 64, 64),
    large_batch=32,
    chain_ops=40,
    cnn_batch=4,
    image=12,
)


class SkipRow(Exception):
    """Raised by a builder whose contender cannot run here (library missing, say)."""


# ------------------------------------------------------------------------ shared data
def _mlp_data(dims: tuple[int, ...], batch: int) -> tuple[list[Array], Array, Array]:
    """Weights and biases (w0, b0, w1, b1, ...), inputs and integer labels, seeded."""
    rng = np.random.default_rng(0)
    params: list[Array] = []
    for fan_in, fan_out in itertools.pairwise(dims):
        params.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((batch, dims[0])).astype(np.float32)
    labels = rng.integers(0, dims[-1], batch)
    return params, x, labels


def _cnn_data(s: Sizes) -> tuple[list[Array], Array, Array]:
    """conv weight (C, 1, 3, 3), conv bias (C,), linear weight, linear bias; images; labels."""
    rng = np.random.default_rng(0)
    pooled = (s.image - 2) // 2
    features = s.cnn_channels * pooled * pooled
    params = [
        (rng.standard_normal((s.cnn_channels, 1, 3, 3)) / 3).astype(np.float32),
        np.zeros(s.cnn_channels, np.float32),
        (rng.standard_normal((features, 10)) / np.sqrt(features)).astype(np.float32),
        np.zeros(10, np.float32),
    ]
    x = rng.standard_normal((s.cnn_batch, 1, s.image, s.image)).astype(np.float32)
    return params, x, rng.integers(0, 10, s.cnn_batch)


# ------------------------------------------------------------------------------ MLP
def _mlp_stag(dims: tuple[int, ...], batch: int) -> tuple[Step, int]:
    import stag
    from stag.nn import functional as F

    arrays, xa, ya = _mlp_data(dims, batch)
    params = [stag.tensor(a).requires_grad_() for a in arrays]
    x, labels = stag.tensor(xa), stag.tensor(ya)

    def step() -> None:
        h = x
        for i in range(0, len(params) - 2, 2):
            h = (h @ params[i] + params[i + 1]).relu()
        loss = F.cross_entropy(h @ params[-2] + params[-1], labels)
        loss.backward()
        with stag.no_grad():
            for p in params:
                grad = p.grad
                assert grad is not None
                p.sub_(grad * LR)
                p.grad = None

    return step, 1


def _mlp_numpy(dims: tuple[int, ...], batch: int) -> tuple[Step, int]:
    params, x, labels = _mlp_data(dims, batch)
    rows = np.arange(batch)

    def step() -> None:
        # forward, keeping each layer's input for the backward pass
        inputs, h = [], x
        for i in range(0, len(params) - 2, 2):
            inputs.append(h)
            h = np.maximum(h @ params[i] + params[i + 1], 0)
        inputs.append(h)
        logits = h @ params[-2] + params[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        _loss = -logp[rows, labels].mean()
        # backward: d loss / d logits = (softmax - onehot) / batch
        g = np.exp(logp)
        g[rows, labels] -= 1
        g /= batch
        for i in range(len(params) - 2, -1, -2):
            a = inputs[i // 2]
            grad_w, grad_b = a.T @ g, g.sum(axis=0)
            if i:
                g = (g @ params[i].T) * (a > 0)
            params[i] -= LR * grad_w
            params[i + 1] -= LR * grad_b

    return step, 1


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise SkipRow("PyTorch is not installed (pip install -e '.[bench]')") from None
    return torch


def _mlp_torch(dims: tuple[int, ...], batch: int) -> tuple[Step, int]:
    torch = _torch()
    arrays, xa, ya = _mlp_data(dims, batch)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    x, labels = torch.tensor(xa), torch.tensor(ya)

    def step() -> None:
        h = x
        for i in range(0, len(params) - 2, 2):
            h = (h @ params[i] + params[i + 1]).relu()
        loss = torch.nn.functional.cross_entropy(h @ params[-2] + params[-1], labels)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad * LR)
                p.grad = None

    return step, 1


# ------------------------------------------------------------------ chain of small ops
# One cycle of the chain: multiply and add a Python scalar, tanh, subtract a scalar.
CYCLE = 4


def _chain_stag(s: Sizes) -> tuple[Step, int]:
    import stag

    x = stag.tensor(np.linspace(-1, 1, s.chain_width, dtype=np.float32)).requires_grad_()

    def step() -> None:
        y = x
        for _ in range(s.chain_ops // CYCLE):
            y = ((y * 0.9 + 0.1).tanh()) - 0.05
        y.sum().backward()
        x.grad = None

    return step, s.chain_ops


def _chain_torch(s: Sizes) -> tuple[Step, int]:
    torch = _torch()
    x = torch.linspace(-1, 1, s.chain_width, dtype=torch.float32, requires_grad=True)

    def step() -> None:
        y = x
        for _ in range(s.chain_ops // CYCLE):
            y = ((y * 0.9 + 0.1).tanh()) - 0.05
        y.sum().backward()
        x.grad = None

    return step, s.chain_ops


def _chain_numpy(s: Sizes) -> tuple[Step, int]:
    x = np.linspace(-1, 1, s.chain_width, dtype=np.float32)
    a, b, c = np.float32(0.9), np.float32(0.1), np.float32(0.05)

    def step() -> None:  # forward only: the floor of any engine on numpy
        y = x
        for _ in range(s.chain_ops // CYCLE):
            y = np.tanh(y * a + b) - c

    return step, s.chain_ops


# ------------------------------------------------------------------------------- CNN
def _cnn_stag(s: Sizes) -> tuple[Step, int]:
    import stag
    from stag.nn import functional as F

    conv2d, max_pool2d = getattr(F, "conv2d", None), getattr(F, "max_pool2d", None)
    if conv2d is None or max_pool2d is None:
        raise SkipRow("stag conv not available")

    arrays, xa, ya = _cnn_data(s)
    params = [stag.tensor(a).requires_grad_() for a in arrays]
    w, b, w_fc, b_fc = params
    x, labels = stag.tensor(xa), stag.tensor(ya)

    def step() -> None:
        h = max_pool2d(conv2d(x, w, b).relu(), 2)
        loss = F.cross_entropy(h.flatten(1) @ w_fc + b_fc, labels)
        loss.backward()
        with stag.no_grad():
            for p in params:
                grad = p.grad
                assert grad is not None
                p.sub_(grad * LR)
                p.grad = None

    return step, 1


def _cnn_torch(s: Sizes) -> tuple[Step, int]:
    torch = _torch()
    nnf = torch.nn.functional
    arrays, xa, ya = _cnn_data(s)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    w, b, w_fc, b_fc = params
    x, labels = torch.tensor(xa), torch.tensor(ya)

    def step() -> None:
        h = nnf.max_pool2d(nnf.conv2d(x, w, b).relu(), 2)
        loss = nnf.cross_entropy(h.flatten(1) @ w_fc + b_fc, labels)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad * LR)
                p.grad = None

    return step, 1


def _cnn_numpy(s: Sizes) -> tuple[Step, int]:
    """The im2col floor: the conv as one matmul over 3x3 patches, in NHWC order."""
    arrays, xa, labels = _cnn_data(s)
    w, b, w_fc, b_fc = arrays
    channels, n = s.cnn_channels, s.cnn_batch
    side = s.image - 2
    half = side // 2
    images = xa[:, 0]
    # (N, side, side, 9) patches of the (fixed) input, made once: the input needs no grad
    patches = np.lib.stride_tricks.sliding_window_view(images, (3, 3), axis=(1, 2))
    cols = np.ascontiguousarray(patches.reshape(n * side * side, 9))
    # the linear layer reads features in stag's / PyTorch's (C, H, W) order
    fc = w_fc.reshape(channels, half, half, 10).transpose(1, 2, 0, 3).reshape(-1, 10).copy()
    rows = np.arange(n)

    def step() -> None:
        wm = w.reshape(channels, 9)
        conv = (cols @ wm.T + b).reshape(n, side, side, channels)
        act = np.maximum(conv, 0)
        windows = act[:, : 2 * half, : 2 * half].reshape(n, half, 2, half, 2, channels)
        pooled = windows.max(axis=(2, 4))
        feats = pooled.reshape(n, -1)
        logits = feats @ fc + b_fc
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        _loss = -logp[rows, labels].mean()
        g = np.exp(logp)
        g[rows, labels] -= 1
        g /= n
        grad_fc, grad_bfc = feats.T @ g, g.sum(axis=0)
        g_pool = (g @ fc.T).reshape(n, half, 1, half, 1, channels)
        hits = windows == pooled[:, :, None, :, None]
        g_act = np.zeros_like(act)
        g_act[:, : 2 * half, : 2 * half] = (hits * g_pool).reshape(n, 2 * half, 2 * half, channels)
        g_conv = (g_act * (conv > 0)).reshape(-1, channels)
        grad_w, grad_b = (g_conv.T @ cols).reshape(w.shape), g_conv.sum(axis=0)
        for param, grad in ((fc, grad_fc), (b_fc, grad_bfc), (w, grad_w), (b, grad_b)):
            param -= LR * grad

    return step, 1


# ------------------------------------------------------------- run-time shape checking
def _checked_mlp(s: Sizes, mode: str) -> tuple[Step, int]:
    from bench import _checked

    return _checked.mlp_step(s.mlp, s.mlp_batch, mode), 1


def _checked_small(s: Sizes, mode: str) -> tuple[Step, int]:
    from bench import _checked

    return _checked.small_step(mode), 1


BUILDERS: dict[str, dict[str, Builder]] = {
    "mlp_step": {
        "stag": lambda s: _mlp_stag(s.mlp, s.mlp_batch),
        "numpy": lambda s: _mlp_numpy(s.mlp, s.mlp_batch),
        "torch": lambda s: _mlp_torch(s.mlp, s.mlp_batch),
    },
    "op_overhead": {"stag": _chain_stag, "numpy": _chain_numpy, "torch": _chain_torch},
    "large_step": {
        "stag": lambda s: _mlp_stag(s.large, s.large_batch),
        "numpy": lambda s: _mlp_numpy(s.large, s.large_batch),
        "torch": lambda s: _mlp_torch(s.large, s.large_batch),
    },
    "cnn_step": {"stag": _cnn_stag, "numpy": _cnn_numpy, "torch": _cnn_torch},
    "shapecheck_mlp": {mode: partial(_checked_mlp, mode=mode) for mode in ("plain", "on", "off")},
    "shapecheck_small": {
        mode: partial(_checked_small, mode=mode) for mode in ("plain", "on", "off")
    },
}

"""The convolutional rows: a small CNN and the CNN of pytorch/examples' MNIST script.

stag and PyTorch run one source each (``bench._common.library``).  The numpy
contenders compute in NHWC order, where a convolution is one matmul of an im2col
matrix (rows: output pixels; columns: ``(channel, i, j)`` of the 3x3 patch) with the
weight, and copy the linear layer's weight once into that order.  They build the
im2col matrix of every step's batch (a training loop meets a new batch each step).
Their max-pool sends the gradient to every maximum of a window: ties are measure-zero
here except at ReLU's zeros, where the ReLU's own gradient is zero anyway.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bench._common import (
    LR,
    Array,
    Builder,
    Library,
    LossGrad,
    Sizes,
    Step,
    library,
    loss_grad,
    run_step,
    sgd,
    train,
    update,
)

F32 = np.float32


def _seeded_net(
    weights: list[tuple[tuple[int, ...], int]], batch: int, image: int
) -> tuple[list[Array], Array, Array]:
    """Per ``(shape, fan_in)`` a seeded weight and a zero bias; images (N, 1, H, W); labels.

    A conv weight is ``(C_out, C_in, kH, kW)``, a linear one ``(in, out)``.
    """
    rng = np.random.default_rng(0)
    params: list[Array] = []
    for shape, fan_in in weights:
        params.append((rng.standard_normal(shape) / np.sqrt(fan_in)).astype(F32))
        params.append(np.zeros(shape[0] if len(shape) == 4 else shape[-1], F32))
    x = rng.standard_normal((batch, 1, image, image)).astype(F32)
    return params, x, rng.integers(0, 10, batch)


def _on_library(
    name: str, data: tuple[list[Array], Array, Array]
) -> tuple[Library, list[Any], Any, Any]:
    """stag's or PyTorch's parameters, images and labels made from ``data``."""
    lib = library(name)
    arrays, x, labels = data
    return lib, [lib.param(a) for a in arrays], lib.tensor(x), lib.tensor(labels)


def _to_nhwc_rows(w_fc: Array, channels: int, side: int) -> Array:
    """A linear weight over ``(C, H, W)``-ordered features, reordered for ``(H, W, C)``."""
    out = w_fc.shape[1]
    return w_fc.reshape(channels, side, side, out).transpose(1, 2, 0, 3).reshape(-1, out).copy()


def _patches(images: Array) -> Array:
    """The ``(N, Ho, Wo, C, 3, 3)`` view of every 3x3 patch of NHWC ``images``."""
    return sliding_window_view(images, (3, 3), axis=(1, 2))


def _pool_windows(a: Array, half: int) -> Array:
    """NHWC ``a`` seen as ``(N, half, 2, half, 2, C)`` 2x2 windows (a view)."""
    n, c = a.shape[0], a.shape[-1]
    return a[:, : 2 * half, : 2 * half].reshape(n, half, 2, half, 2, c)


# ------------------------------------------------------------------------- small CNN
def _small_data(s: Sizes) -> tuple[list[Array], Array, Array]:
    """conv weight (C, 1, 3, 3), conv bias (C,), linear weight, linear bias; images; labels."""
    pooled = (s.image - 2) // 2
    features = s.cnn_channels * pooled * pooled
    return _seeded_net(
        [((s.cnn_channels, 1, 3, 3), 9), ((features, 10), features)], s.cnn_batch, s.image
    )


def _small_library(name: str, s: Sizes, *, compiled: bool = False) -> tuple[Step, int]:
    lib, params, x, labels = _on_library(name, _small_data(s))
    w, b, w_fc, b_fc = params

    def step() -> object:
        h = lib.F.max_pool2d(lib.F.conv2d(x, w, b).relu(), 2)
        return update(lib, lib.F.cross_entropy(h.flatten(1) @ w_fc + b_fc, labels), params)

    return run_step(step, compiled=compiled), 1


def _small_nhwc(s: Sizes) -> tuple[list[Array], Array, Array]:
    """``_small_data`` for numpy: NHWC images, the linear weight's rows in (H, W, C) order."""
    (w, b, w_fc, b_fc), x, labels = _small_data(s)
    fc = _to_nhwc_rows(w_fc, s.cnn_channels, (s.image - 2) // 2)
    return [w, b, fc, b_fc], x.transpose(0, 2, 3, 1), labels


def _small_numpy(s: Sizes) -> tuple[Step, int]:
    """The conv as one matmul over 3x3 patches, every result a fresh array."""
    (w, b, fc, b_fc), images, labels = _small_nhwc(s)
    channels, n, side = s.cnn_channels, s.cnn_batch, s.image - 2
    half = side // 2

    def step() -> float:
        cols = _patches(images).reshape(n * side * side, 9)
        conv = (cols @ w.reshape(channels, 9).T + b).reshape(n, side, side, channels)
        act = np.maximum(conv, 0)
        windows = _pool_windows(act, half)
        pooled = windows.max(axis=(2, 4))
        feats = pooled.reshape(n, -1)
        loss, g = loss_grad(feats @ fc + b_fc, labels)
        grad_fc, grad_bfc = feats.T @ g, g.sum(axis=0)
        g_pool = (g @ fc.T).reshape(n, half, 1, half, 1, channels)
        hits = windows == pooled[:, :, None, :, None]
        g_act = np.zeros_like(act)
        g_act[:, : 2 * half, : 2 * half] = (hits * g_pool).reshape(n, 2 * half, 2 * half, channels)
        g_conv = (g_act * (conv > 0)).reshape(-1, channels)
        grad_w, grad_b = (g_conv.T @ cols).reshape(w.shape), g_conv.sum(axis=0)
        for param, grad in ((fc, grad_fc), (b_fc, grad_bfc), (w, grad_w), (b, grad_b)):
            param -= LR * grad
        return loss

    return step, 1


def _small_tuned(s: Sizes) -> tuple[Step, int]:
    """``_small_numpy`` with every buffer allocated once and every op in place."""
    (w, b, fc, b_fc), images, labels = _small_nhwc(s)
    channels, n, side = s.cnn_channels, s.cnn_batch, s.image - 2
    half = side // 2
    patches = _patches(images)
    cols = np.empty(patches.shape, F32)
    cols2 = cols.reshape(-1, 9)
    wm = w.reshape(channels, 9)  # a view: the update of wm is one of w
    conv = np.empty((n, side, side, channels), F32)
    conv2 = conv.reshape(-1, channels)
    windows = _pool_windows(conv, half)
    pooled = np.empty((n, half, half, channels), F32)
    feats = pooled.reshape(n, -1)
    logits = np.empty((n, 10), F32)
    g_feats = np.empty_like(feats)
    hits = np.empty(windows.shape, bool)
    g_conv = np.zeros_like(conv)  # a row and column left over by the pool stay 0
    g_windows, g_conv2 = _pool_windows(g_conv, half), g_conv.reshape(-1, channels)
    active = np.empty(conv.shape, bool)
    grads = [np.empty_like(p) for p in (fc, b_fc, wm, b)]
    updates = list(zip((fc, b_fc, wm, b), grads, strict=True))
    loss = LossGrad(labels)

    def step() -> float:
        np.copyto(cols, patches)
        np.matmul(cols2, wm.T, out=conv2)
        np.add(conv, b, out=conv)
        np.maximum(conv, 0, out=conv)
        np.maximum.reduce(windows, axis=(2, 4), out=pooled)
        np.matmul(feats, fc, out=logits)
        np.add(logits, b_fc, out=logits)
        value = loss(logits)
        np.matmul(feats.T, logits, out=grads[0])
        np.add.reduce(logits, axis=0, out=grads[1])
        np.matmul(logits, fc.T, out=g_feats)
        np.equal(windows, pooled[:, :, None, :, None], out=hits)
        np.multiply(hits, g_feats.reshape(n, half, 1, half, 1, channels), out=g_windows)
        np.greater(conv, 0, out=active)
        np.multiply(g_conv, active, out=g_conv)
        np.matmul(g_conv2.T, cols2, out=grads[2])
        np.add.reduce(g_conv2, axis=0, out=grads[3])
        sgd(updates)
        return value

    return step, 1


# ------------------------------------------------------------------------- MNIST CNN
# conv 1->32 3x3, ReLU, conv 32->64 3x3, ReLU, max-pool 2, dropout 0.25, linear
# 9216->128, ReLU, dropout 0.5, linear 128->10, log-softmax, NLL: pytorch/examples
# mnist/main.py's Net, trained here by plain SGD.
DROP1, DROP2 = 0.25, 0.5


def _mnist_data(s: Sizes) -> tuple[list[Array], Array, Array]:
    """(w1, b1, w2, b2, fc1, b_fc1, fc2, b_fc2), images (N, 1, H, W), labels."""
    (c1, c2), hidden = s.mnist_channels, s.mnist_hidden
    half = (s.image - 4) // 2
    features = c2 * half * half
    weights = [((c1, 1, 3, 3), 9), ((c2, c1, 3, 3), 9 * c1), ((features, hidden), features)]
    return _seeded_net([*weights, ((hidden, 10), hidden)], s.mnist_batch, s.image)


def _mnist_library(name: str, s: Sizes) -> tuple[Step, int]:
    lib, params, x, labels = _on_library(name, _mnist_data(s))
    w1, b1, w2, b2, fc1, b_fc1, fc2, b_fc2 = params
    F = lib.F

    def step() -> float:
        h = F.conv2d(F.conv2d(x, w1, b1).relu(), w2, b2).relu()
        h = F.dropout(F.max_pool2d(h, 2), DROP1)
        h = F.dropout((h.flatten(1) @ fc1 + b_fc1).relu(), DROP2)
        return train(lib, F.nll_loss(lib.log_softmax(h @ fc2 + b_fc2), labels), params)

    return step, 1


def _conv_nhwc(a: Array, w: Array, b: Array) -> tuple[Array, Array]:
    """The im2col matrix of NHWC ``a`` and ``ReLU(conv + b)`` as ``(N*Ho*Wo, Co)`` rows."""
    cols = _patches(a)
    rows = cols.reshape(-1, cols[0, 0, 0].size)  # a copy, columns (c, i, j) as w's
    return rows, np.maximum(rows @ w.reshape(len(w), -1).T + b, 0)


def _mnist_numpy(s: Sizes) -> tuple[Step, int]:
    """The MNIST CNN by im2col in NHWC, every result a fresh array."""
    arrays, xa, labels = _mnist_data(s)
    w1, b1, w2, b2, w_fc1, b_fc1, fc2, b_fc2 = arrays
    (c1, c2), n, side = s.mnist_channels, s.mnist_batch, s.image - 2
    half = (side - 2) // 2
    fc1 = _to_nhwc_rows(w_fc1, c2, half)
    images = xa.transpose(0, 2, 3, 1)
    rng = np.random.default_rng(1)

    def keep(shape: tuple[int, ...], p: float) -> Array:
        return (rng.random(shape, F32) >= p) * F32(1 / (1 - p))

    def step() -> float:
        cols1, a1 = _conv_nhwc(images, w1, b1)
        cols2, a2 = _conv_nhwc(a1.reshape(n, side, side, c1), w2, b2)
        windows = _pool_windows(a2.reshape(n, side - 2, side - 2, c2), half)
        pooled = windows.max(axis=(2, 4))
        keep1 = keep(pooled.shape, DROP1)
        feats = (pooled * keep1).reshape(n, -1)
        hidden = np.maximum(feats @ fc1 + b_fc1, 0)
        keep2 = keep(hidden.shape, DROP2)
        dropped = hidden * keep2
        loss, g = loss_grad(dropped @ fc2 + b_fc2, labels)  # log-softmax then NLL
        grad_fc2, grad_bfc2 = dropped.T @ g, g.sum(axis=0)
        g = (g @ fc2.T) * keep2 * (hidden > 0)
        grad_fc1, grad_bfc1 = feats.T @ g, g.sum(axis=0)
        g = (g @ fc1.T).reshape(pooled.shape) * keep1
        hits = windows == pooled[:, :, None, :, None]
        g2 = ((hits * g[:, :, None, :, None]).reshape(-1, c2)) * (a2 > 0)
        grad_w2, grad_b2 = (g2.T @ cols2).reshape(w2.shape), g2.sum(axis=0)
        dcols = (g2 @ w2.reshape(c2, -1)).reshape(n, side - 2, side - 2, c1, 3, 3)
        g1 = np.zeros((n, side, side, c1), F32)
        for i in range(3):  # col2im
            for j in range(3):
                g1[:, i : i + side - 2, j : j + side - 2] += dcols[..., i, j]
        g1 = g1.reshape(-1, c1) * (a1 > 0)
        grad_w1, grad_b1 = (g1.T @ cols1).reshape(w1.shape), g1.sum(axis=0)
        grads = (grad_w1, grad_b1, grad_w2, grad_b2, grad_fc1, grad_bfc1, grad_fc2, grad_bfc2)
        for param, grad in zip((w1, b1, w2, b2, fc1, b_fc1, fc2, b_fc2), grads, strict=True):
            param -= LR * grad
        return loss

    return step, 1


SMALL: dict[str, Builder] = {
    "stag": partial(_small_library, "stag"),
    "compiled": partial(_small_library, "stag", compiled=True),
    "numpy": _small_numpy,
    "tuned": _small_tuned,
    "torch": partial(_small_library, "torch"),
}
MNIST: dict[str, Builder] = {
    "stag": partial(_mnist_library, "stag"),
    "numpy": _mnist_numpy,
    "torch": partial(_mnist_library, "torch"),
}

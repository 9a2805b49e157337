"""A tour of stag's typed ops: every result's shape is known to mypy.

Run it with ``python examples/tensor_ops.py``; each section prints the
expression it evaluates and the tensor it gets.  Dims are declared once, at
module level: ``Literal[...]`` for sizes fixed in the code, a ``NewType`` for a
size known only at run time (the batch).  A tensor gets a declared type where
it is made, so its literal sizes stick: an unannotated ``stag.zeros(2, 3)`` is
only ``Tensor[int, int]``.

A shape bug mypy catches before the program runs - multiplying by the weight's
transpose instead of the weight (see ``elementwise_and_matmul``)::

    x @ w.T

    error: Unsupported operand types for @ ("Tensor[Batch, Literal[4]]" and
    "Tensor[Literal[3], Literal[4]]")  [operator]
"""

from __future__ import annotations

import argparse
from typing import Literal, NewType

import stag
import stag.nn.functional as F
from stag import Tensor

Batch = NewType("Batch", int)  # rows in a batch: a run-time size
L2 = Literal[2]
L3 = Literal[3]
L4 = Literal[4]
L5 = Literal[5]
L7 = Literal[7]


def section(title: str) -> None:
    print(f"\n== {title} ==")


def show(label: str, value: object) -> None:
    """Print an expression and its value (a tensor's repr names its shape and dtype)."""
    print(label)
    print("   ", repr(value).replace("\n", "\n    "))


def creation(n: Batch, gen: stag.Generator) -> Tensor[L2, L3]:
    section("creation")
    # stag.tensor cannot know the shape of a list; assert_shape states it (checked at run time).
    m: Tensor[L2, L3] = stag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).assert_shape(2, 3)
    show("m = stag.tensor([[1, 2, 3], [4, 5, 6]]).assert_shape(2, 3)", m)
    zeros: Tensor[L2, L3] = stag.zeros(2, 3)
    ones: Tensor[L3] = stag.ones(3)
    halves: Tensor[L2, L2] = stag.full((2, 2), 0.5)
    noise: Tensor[Batch, L4] = stag.randn(n, 4, generator=gen)
    steps: Tensor[L5] = stag.arange(5)
    identity: Tensor[L3, L3] = stag.eye(3)
    show("stag.zeros(2, 3)", zeros)
    show("stag.ones(3)", ones)
    show("stag.full((2, 2), 0.5)", halves)
    show("stag.randn(n, 4, generator=gen)", noise)
    show("stag.arange(5)", steps)
    show("stag.eye(3)", identity)
    return m


def elementwise_and_matmul(n: Batch, gen: stag.Generator) -> None:
    section("elementwise, broadcasting, matmul")
    x: Tensor[Batch, L4] = stag.randn(n, 4, generator=gen)
    w: Tensor[L4, L3] = stag.randn(4, 3, generator=gen)
    b: Tensor[L3] = stag.ones(3)
    h: Tensor[Batch, L3] = x @ w + b  # Tensor[Batch, N] + Tensor[N]: the bias is broadcast
    show("x @ w + b", h)
    show("stag.relu(h) * 2.0", stag.relu(h) * 2.0)
    # keepdims=True keeps a size-1 axis, so the row means broadcast back over each row.
    centered: Tensor[Batch, L4] = x - x.mean(axis=-1, keepdims=True)
    show("centered.mean(axis=-1)  (~0: every row is centered)", centered.mean(axis=-1))
    # A batch prefix rides along: (7, Batch, 4) @ (4, 3) -> (7, Batch, 3).
    seq: Tensor[L7, Batch, L4] = stag.randn(7, n, 4, generator=gen)
    out: Tensor[L7, Batch, L3] = seq @ w
    show("(seq @ w).shape", out.shape)


def reductions(m: Tensor[L2, L3]) -> None:
    section("reductions")
    total: Tensor[()] = m.sum()
    col_sums: Tensor[L3] = m.sum(axis=0)
    row_means: Tensor[L2] = m.mean(axis=-1)
    row_max: Tensor[L2, stag.L1] = m.max(axis=-1, keepdims=True)
    best: Tensor[L2] = m.argmax(axis=-1)
    show("m.sum()", total)
    show("m.sum(axis=0)", col_sums)
    show("m.mean(axis=-1)", row_means)
    show("m.max(axis=-1, keepdims=True)", row_max)
    show("m.argmax(axis=-1)", best)


def movement(m: Tensor[L2, L3], n: Batch, gen: stag.Generator) -> None:
    section("movement")
    show("m.T", m.T)
    seq: Tensor[L7, Batch, L4] = stag.randn(7, n, 4, generator=gen)
    batch_first: Tensor[Batch, L7, L4] = seq.swapaxes(0, 1)
    channels_first: Tensor[L4, L7, Batch] = seq.permute(2, 0, 1)
    show("seq.swapaxes(0, 1).shape", batch_first.shape)
    show("seq.permute(2, 0, 1).shape", channels_first.shape)
    # Shape arithmetic comes from stag's mypy plugin (mypy.ini: plugins = stag.mypy_plugin):
    # grid is Tensor[L3, L2], flat is Tensor[Literal[6]], both is Tensor[L4, L3].
    # Without the plugin (pyright, say), these sizes are Dyn: annotate the targets.
    grid = m.reshape(3, 2)
    show("m.reshape(3, 2)", grid)
    flat = m.flatten()
    show("m.flatten()", flat)
    row: Tensor[stag.L1, L2, L3] = m.unsqueeze(0)
    show("m.unsqueeze(0).shape", row.shape)
    show("m.unsqueeze(0).squeeze(0).shape", row.squeeze(0).shape)
    both = stag.concat([m, m])
    show("stag.concat([m, m]).shape", both.shape)
    pair: Tensor[L2, L2, L3] = stag.stack((m, m))
    show("stag.stack((m, m)).shape", pair.shape)


def gather(gen: stag.Generator) -> None:
    section("row gather (embedding lookup)")
    table: Tensor[L7, L4] = stag.randn(7, 4, generator=gen)
    ids: Tensor[L3] = stag.tensor([1, 3, 1]).assert_shape(3)
    vectors: Tensor[L3, L4] = table[ids]  # one row of the table per id
    show("table[ids] with ids = [1, 3, 1]", vectors)


def softmax_and_backward(m: Tensor[L2, L3]) -> None:
    section("softmax and cross-entropy")
    probs: Tensor[L3] = F.softmax(stag.tensor([1.0, 2.0, 3.0]).assert_shape(3))
    show("F.softmax([1, 2, 3])", probs)
    show("F.log_softmax(m, axis=-1)", F.log_softmax(m, axis=-1))
    labels: Tensor[L2] = stag.tensor([2, 0]).assert_shape(2)
    show("F.cross_entropy(m, labels=[2, 0])", F.cross_entropy(m, labels))

    section("backward")
    # A linear classifier on m's rows; eye and zeros make its logits equal m at the start.
    w: Tensor[L3, L3] = stag.eye(3, requires_grad=True)
    b: Tensor[L3] = stag.zeros(3, requires_grad=True)
    loss = F.cross_entropy(m @ w + b, labels)
    show("loss = F.cross_entropy(m @ w + b, labels)", loss)
    loss.backward()  # fills .grad of every leaf that requires grad
    show("b.grad  (mean of softmax(m) - onehot(labels))", b.grad)
    show("w.grad", w.grad)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the random tensors")
    parser.add_argument("--quick", action="store_true", help="a smaller batch (used by the tests)")
    args = parser.parse_args(argv)

    gen = stag.Generator(args.seed)
    n = Batch(2 if args.quick else 5)
    m = creation(n, gen)
    elementwise_and_matmul(n, gen)
    reductions(m)
    movement(m, n, gen)
    gather(gen)
    softmax_and_backward(m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

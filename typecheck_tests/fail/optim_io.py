"""Optimizers, checkpoints and the DataLoader misused: each marked line is a type error."""

from typing import Literal, NewType

import stag
from stag import Dyn, Tensor
from stag.data import DataLoader
from stag.nn import Linear, Module
from stag.optim import SGD, Adam, Optimizer, clip_grad_norm_
from stag.optim.lr_scheduler import StepLR

L3 = Literal[3]
L2 = Literal[2]
Batch = NewType("Batch", int)


class MLP(Module):
    def __init__(self) -> None:
        self.hidden: Linear[L3, L2] = Linear(3, 2)

    def __call__(self, x: Tensor[Batch, L3]) -> Tensor[Batch, L2]:
        return self.hidden(x)


class Other(Module):
    pass


model = MLP()
opt = SGD(model, lr=0.1)
n = Batch(4)

# opt.module is an MLP: its own methods and attributes only, and its own call types.
opt.module.encoder(stag.randn(n, 3))  # E: attr-defined
opt.module(stag.randn(n, 4))  # E: arg-type
wrong: Tensor[Batch, L3] = opt.module(stag.randn(n, 3))  # E: assignment
other: Optimizer[Other] = opt  # E: assignment

# Settings have types too.
SGD(model, lr="0.1")  # E: call-overload
Adam(model, betas=0.9)  # E: call-overload
SGD(model, lr=0.1, nesterov="yes")  # E: call-overload
SGD([model.hidden.weight], lr=0.1).module.hidden  # E: attr-defined
opt.lr = "fast"  # E: assignment
StepLR(opt, step_size=2.5)  # E: arg-type
clip_grad_norm_(model, max_norm="1")  # E: arg-type

# Checkpoints take a module and a path.
stag.save(model.hidden.weight, "m.ckpt")  # E: type-var
stag.load(model, 3)  # E: arg-type
stag.save(model, "m.ckpt", optimizer=SGD(Other(), lr=0.1))  # E: misc

# DataLoader: batches keep the trailing dims; x and y must be tensors or arrays.
images: Tensor[Batch, Literal[28], Literal[28]] = stag.zeros(n, 28, 28)
labels: Tensor[Batch] = stag.zeros(n)
for xb, yb in DataLoader(images, labels, 4):
    bad: Tensor[Dyn, Literal[784]] = xb  # E: assignment
    model(xb)  # E: arg-type
DataLoader([1, 2], labels, 4)  # E: call-overload

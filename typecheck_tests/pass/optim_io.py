"""Optimizers keep the model's static type; checkpoints; DataLoader batches are typed.

`opt.module` is the model itself, so its typed `__call__` and attributes stay
usable after the optimizer was made; a DataLoader over `Tensor[N, *S]` yields
`Tensor[Dyn, *S]` batches.
"""

from typing import Any, Literal, NewType, assert_type

import numpy as np
import numpy.typing as npt

import stag
from stag import Dyn, Tensor
from stag.data import DataLoader
from stag.nn import Linear, Module
from stag.optim import SGD, Adam, AdamW, Optimizer, OptimizerState, clip_grad_norm_
from stag.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearWarmup, StepLR

L3 = Literal[3]
L4 = Literal[4]
L2 = Literal[2]
Batch = NewType("Batch", int)


class MLP(Module):
    def __init__(self) -> None:
        self.hidden: Linear[L3, L4] = Linear(3, 4)
        self.out: Linear[L4, L2] = Linear(4, 2)

    def __call__(self, x: Tensor[Batch, L3]) -> Tensor[Batch, L2]:
        return self.out(self.hidden(x).relu())


model = MLP()
n = Batch(8)
x: Tensor[Batch, L3] = stag.randn(n, 3)

sgd = SGD(model, lr=0.1, momentum=0.9, nesterov=True)
adam = Adam(model, lr=1e-3, betas=(0.9, 0.99))
adamw = AdamW(model, lr=1e-3, weight_decay=0.01)
assert_type(sgd, SGD[MLP])
assert_type(adam, Adam[MLP])
assert_type(adamw, AdamW[MLP])
assert_type(sgd.module, MLP)
assert_type(adamw.module, MLP)
assert_type(adam.module(x), Tensor[Batch, L2])
assert_type(sgd.module.hidden, Linear[L3, L4])


# A function that takes any optimizer of an MLP.
def train_step(opt: Optimizer[MLP], x: Tensor[Batch, L3]) -> float:
    opt.zero_grad()
    loss = (opt.module(x) ** 2).mean()
    loss.backward()
    norm = clip_grad_norm_(opt.module, max_norm=1.0)
    opt.step()
    return norm


assert_type(train_step(adam, x), float)
assert_type(train_step(sgd, x), float)
assert_type(sgd.lr, float)
assert_type(clip_grad_norm_(model.parameters(), 1.0), float)
state = adam.state_dict()
assert_type(state, OptimizerState)
assert_type(state["state"]["hidden.weight"]["exp_avg"], npt.NDArray[Any])
adam.load_state_dict(state)

# Schedules set every parameter group's lr, and return the rates, one a group.
assert_type(StepLR(sgd, step_size=10, gamma=0.5).step(), list[float])
assert_type(CosineAnnealingLR(adam, t_max=100).get_last_lr(), list[float])
assert_type(LinearWarmup(adamw, warmup_epochs=5).step(), list[float])
assert_type(LambdaLR(sgd, lambda epoch: 0.95**epoch).step(), list[float])

# Checkpoints.
stag.save(model, "/tmp/stag-typecheck-model.ckpt")
assert_type(stag.load(model, "/tmp/stag-typecheck-model.ckpt"), None)
stag.save(model, "/tmp/stag-typecheck-model.ckpt", optimizer=adam)
assert_type(stag.load(model, "/tmp/stag-typecheck-model.ckpt", optimizer=adam), None)

# DataLoader: Tensor[N, *S] rows give Tensor[Dyn, *S] batches.
images: Tensor[Batch, Literal[28], Literal[28]] = stag.zeros(n, 28, 28)
labels: Tensor[Batch] = stag.zeros(n)
loader = DataLoader(images, labels, batch_size=4, shuffle=True, generator=stag.Generator(0))
assert_type(loader, DataLoader[Tensor[Dyn, Literal[28], Literal[28]], Tensor[Dyn]])
assert_type(len(loader), int)
for xb, yb in loader:
    assert_type(xb, Tensor[Dyn, Literal[28], Literal[28]])
    assert_type(yb, Tensor[Dyn])
    flat: Tensor[Dyn, Literal[784]] = xb.reshape(xb.shape[0], 784)

features: Tensor[Batch, L3] = x
for fb, tb in DataLoader(features, labels, 2, drop_last=True):
    assert_type(model(fb), Tensor[Batch, L2])
    assert_type(tb, Tensor[Dyn])

raw = DataLoader(np.zeros((10, 3)), np.zeros(10), 5)
for rxb, ryb in raw:
    assert_type(rxb, Tensor[*tuple[Any, ...]])

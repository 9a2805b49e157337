"""Optimizers made from tensors or parameter groups, and the optimizers added with them.

Made from a module, an optimizer is `Opt[ThatModule]`; made from an iterable of
tensors or of parameter groups, it is `Opt[NoModule]`, whatever the context. Every
optimizer takes its own settings as keywords; `param_groups` is a list of typed dicts.
"""

from typing import NewType, assert_type

import stag
from stag import AnyShape, Tensor, nn
from stag.optim import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdamW,
    NoModule,
    Optimizer,
    ParamGroup,
    RMSprop,
)
from stag.optim.lr_scheduler import CosineAnnealingLR

In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)
MLP = nn.Sequential[In, Out]

model = nn.Sequential(nn.Linear(In(3), Hid(8)), nn.ReLU(), nn.Linear(Hid(8), Out(2)))

# Each form of `params`: a module, tensors (any iterable), parameter groups.
assert_type(SGD(model, lr=0.1, momentum=0.9), SGD[MLP])
assert_type(SGD(model.parameters(), lr=0.1), SGD[NoModule])
assert_type(Adam(iter(model.parameters())), Adam[NoModule])
assert_type(Adagrad(p for p in model.parameters()), Adagrad[NoModule])
assert_type(RMSprop(model.parameters()[:2], momentum=0.9, centered=True), RMSprop[NoModule])
assert_type(Adadelta(model, rho=0.95, weight_decay=1e-4), Adadelta[MLP])
assert_type(Adagrad(model, lr_decay=1e-3, initial_accumulator_value=0.1), Adagrad[MLP])

# Weight decay on matrices only, PyTorch's way: two groups.
matrices = [p for p in model.parameters() if p.ndim >= 2]
others = [p for p in model.parameters() if p.ndim < 2]
adamw = AdamW(
    [{"params": matrices, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
    lr=3e-4,
    betas=(0.9, 0.95),
)
assert_type(adamw, AdamW[NoModule])
# dicts of different value types have no common dict type to mypy: name the list's type
groups: list[dict[str, object]] = [{"params": matrices, "lr": 1e-3}, {"params": others}]
assert_type(Adam(groups, amsgrad=True), Adam[NoModule])

# param_groups: typed dicts, PyTorch's keys.
assert_type(adamw.param_groups, list[ParamGroup])
assert_type(adamw.param_groups[0]["lr"], float)
assert_type(adamw.param_groups[0]["params"], list[Tensor[*AnyShape]])
adamw.param_groups[1]["lr"] = 1e-4
adamw.param_groups[0]["betas"] = (0.9, 0.99)
assert_type(CosineAnnealingLR(adamw, t_max=10).step(), list[float])


# Any optimizer without a module.
def train_step(opt: Optimizer[NoModule], x: Tensor[Batch, In]) -> None:
    opt.zero_grad()
    (model(x) ** 2).mean().backward()
    opt.step()


x = stag.randn(Batch(2), In(3))
train_step(adamw, x)
train_step(SGD(model.parameters(), lr=0.1), x)

# zero_grad as PyTorch spells it: None by default, or 0 in place.
opt_zeroing = SGD(model.parameters(), lr=0.1)
opt_zeroing.zero_grad(set_to_none=False)
model.zero_grad(set_to_none=True)

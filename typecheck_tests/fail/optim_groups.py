"""Optimizers made from tensors or groups, misused: each marked line is a type error."""

from typing import Literal

import stag
from stag.nn import Linear
from stag.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from stag.optim.lr_scheduler import StepLR

model: Linear[Literal[3], Literal[4]] = Linear(3, 4)
opt = SGD(model.parameters(), lr=0.1)

# Made from tensors, the optimizer has no module, whatever the context asks.
opt.module.weight  # E: attr-defined
opt.module(stag.randn(2, 3))  # E: operator
typed: Optimizer[Linear[Literal[3], Literal[4]]] = AdamW(model.parameters())  # E: assignment
stag.save(model, "m.ckpt", optimizer=opt)  # E: misc

# What params may be; each optimizer's own settings, typed.
SGD([1, 2], lr=0.1)  # E: arg-type
Adam(model, momentum=0.9)  # E: call-overload
RMSprop(model, centered="yes")  # E: call-overload
Adagrad(model, rho=0.9)  # E: call-overload
Adadelta(model.parameters(), betas=(0.9, 0.99))  # E: call-overload
Adam(model, betas=(0.9, 0.99, 0.999))  # E: arg-type

# param_groups are typed dicts; a schedule returns one rate a group.
rate: str = opt.param_groups[0]["lr"]  # E: assignment
opt.param_groups[0]["lr"] = "fast"  # E: typeddict-item
opt.param_groups[0]["momentun"] = 0.9  # E: typeddict-unknown-key
StepLR(opt, step_size=2).step() * 0.5  # E: operator

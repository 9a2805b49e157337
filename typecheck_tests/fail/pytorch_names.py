"""PyTorch's spellings that stag writes another way: each is a type error (and, at run
time, an error naming stag's spelling: tests/test_pytorch_names.py)."""

from typing import Literal

import stag
from stag import Tensor, nn
from stag.nn import functional as F

x: Tensor[Literal[2], Literal[3]] = stag.zeros(2, 3)

x.view(6)  # E: attr-defined
x.float()  # E: attr-defined
x.clamp(0.0, 1.0)  # E: attr-defined
x.size()  # E: operator
x.sum(dim=1)  # E: call-overload
x.mean(1, keepdim=True)  # E: call-overload
x.argmax(dim=-1)  # E: call-overload
x.var(unbiased=False)  # E: call-overload
F.softmax(x, dim=-1)  # E: arg-type
F.log_softmax(x, dim=-1)  # E: arg-type
stag.stack([x, x], dim=0)  # E: call-overload
stag.cat([x, x])  # E: attr-defined
F.one_hot  # E: attr-defined
nn.LSTM  # E: attr-defined
x.flip(0)  # E: attr-defined
x.t()  # E: attr-defined
stag.isnan(x)  # E: attr-defined
stag.allclose(x, x)  # E: attr-defined
x.squeeze()  # E: call-arg
stag.data.TensorDataset  # E: attr-defined
nn.Softmax(dim=1)  # E: arg-type
nn.Linear(3, 4).forward(x)  # E: attr-defined
stag.optim.lr_scheduler.ReduceLROnPlateau  # E: attr-defined
F.l1_loss  # E: attr-defined

"""Module: parameters, state, modes; a custom module with a typed `__call__`; grad of a model."""

from typing import NewType, assert_type

import numpy as np

import stag
import stag.nn.functional as F
from stag import AnyShape, Tensor, nn

In = NewType("In", int)
Hid = NewType("Hid", int)
Out = NewType("Out", int)
Batch = NewType("Batch", int)

n = Batch(8)
d_in, d_hid, d_out = In(4), Hid(16), Out(3)


class MLP(nn.Module):
    """A model is a Module subclass whose `__call__` states its shapes."""

    def __init__(self, d_in: In, d_hid: Hid, d_out: Out) -> None:
        super().__init__()
        self.hidden = nn.Linear(d_in, d_hid)
        self.norm = nn.LayerNorm(d_hid)
        self.out = nn.Linear(d_hid, d_out)
        self.drop = nn.Dropout(0.1)

    def __call__(self, x: Tensor[Batch, In]) -> Tensor[Batch, Out]:
        return self.out(self.drop(self.norm(self.hidden(x).relu())))


model = MLP(d_in, d_hid, d_out)
x: Tensor[Batch, In] = stag.randn(n, d_in)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
assert_type(model(x), Tensor[Batch, Out])
assert_type(model.hidden.weight, Tensor[In, Hid])

assert_type(model.parameters(), list[Tensor[*AnyShape]])
for name, p in model.named_parameters():
    assert_type(name, str)
    assert_type(p, Tensor[*AnyShape])
assert_type(model.state_dict(), dict[str, Tensor[*AnyShape]])
model.load_state_dict(model.state_dict())
model.load_state_dict({k: v.numpy() for k, v in model.state_dict().items()}, strict=False)

# train() / eval() return the module itself, keeping its type.
assert_type(model.eval(), MLP)
assert_type(model.train(), MLP)
assert_type(model.training, bool)
assert_type(list(model.children()), list[nn.Module])
model.zero_grad()


# The gradient of a loss with respect to a model is a model of the same type.
def loss_fn(m: MLP, x: Tensor[Batch, In], y: Tensor[Batch]) -> Tensor[()]:
    return F.cross_entropy(m(x), y)


grads = stag.grad(loss_fn)(model, x, labels)
assert_type(grads, MLP)
assert_type(grads.out.weight, Tensor[Hid, Out])
loss, grads2 = stag.value_and_grad(loss_fn)(model, x, labels)
assert_type(loss, Tensor[()])
assert_type(grads2, MLP)

# init functions keep the tensor's type.
assert_type(nn.init.kaiming_uniform_(model.hidden.weight), Tensor[In, Hid])
assert_type(nn.init.zeros_(model.out.weight), Tensor[Hid, Out])
assert_type(
    nn.init.xavier_uniform_(model.out.weight, generator=stag.Generator(0)), Tensor[Hid, Out]
)

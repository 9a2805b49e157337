"""stag: tensors whose shapes are checked by mypy, with reverse-mode autograd on numpy.

Everything public is re-exported here; the modules behind it are private.
"""

from stag import data, io, nn, optim
from stag._autograd import enable_grad, is_grad_enabled, no_grad
from stag._creation import (
    Generator,
    arange,
    eye,
    full,
    full_like,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from stag._dims import L1, AnyShape, Dyn
from stag._errors import DTypeError, ShapeError
from stag._functional import (
    derivative,
    grad,
    register_pytree,
    tree_flatten,
    tree_unflatten,
    value_and_grad,
)
from stag._functions import (
    abs,
    concat,
    cos,
    exp,
    log,
    matmul,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sqrt,
    stack,
    tanh,
    where,
)
from stag._shapecheck import (
    checking_enabled,
    disable_checking,
    install_import_hook,
    set_checking,
    shapecheck,
)
from stag._tensor import Tensor
from stag.io import CheckpointError, load, save

__all__ = [
    "L1",
    "AnyShape",
    "CheckpointError",
    "DTypeError",
    "Dyn",
    "Generator",
    "ShapeError",
    "Tensor",
    "abs",
    "arange",
    "checking_enabled",
    "concat",
    "cos",
    "data",
    "derivative",
    "disable_checking",
    "enable_grad",
    "exp",
    "eye",
    "full",
    "full_like",
    "grad",
    "install_import_hook",
    "io",
    "is_grad_enabled",
    "load",
    "log",
    "manual_seed",
    "matmul",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "register_pytree",
    "relu",
    "save",
    "set_checking",
    "shapecheck",
    "sigmoid",
    "sin",
    "sqrt",
    "stack",
    "tanh",
    "tensor",
    "tree_flatten",
    "tree_unflatten",
    "value_and_grad",
    "where",
    "zeros",
    "zeros_like",
]  # fmt: skip

__version__ = "0.1.0"

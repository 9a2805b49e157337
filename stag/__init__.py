"""stag: tensors whose shapes are checked by mypy, with reverse-mode autograd on numpy.

Everything public is re-exported here, each name once; the modules behind it are
private.  README's "API" section lists the same names (tests/test_api.py keeps
the two in step).
"""

from stag import data as data
from stag import io as io
from stag import nn as nn
from stag import optim as optim
from stag._autograd import enable_grad as enable_grad
from stag._autograd import is_grad_enabled as is_grad_enabled
from stag._autograd import no_grad as no_grad
from stag._backends import default_backend as default_backend
from stag._broadcasting import is_numpy_broadcasting as is_numpy_broadcasting
from stag._broadcasting import numpy_broadcasting as numpy_broadcasting
from stag._broadcasting import set_numpy_broadcasting as set_numpy_broadcasting
from stag._compile import Compiled as Compiled
from stag._compile import compile as compile
from stag._creation import Generator as Generator
from stag._creation import arange as arange
from stag._creation import eye as eye
from stag._creation import full as full
from stag._creation import full_like as full_like
from stag._creation import linspace as linspace
from stag._creation import manual_seed as manual_seed
from stag._creation import multinomial as multinomial
from stag._creation import ones as ones
from stag._creation import ones_like as ones_like
from stag._creation import rand as rand
from stag._creation import rand_like as rand_like
from stag._creation import randint as randint
from stag._creation import randn as randn
from stag._creation import randn_like as randn_like
from stag._creation import tensor as tensor
from stag._creation import zeros as zeros
from stag._creation import zeros_like as zeros_like
from stag._dims import L1 as L1
from stag._dims import AnyShape as AnyShape
from stag._dims import Dyn as Dyn
from stag._dims import Prod as Prod
from stag._dlpack import from_dlpack as from_dlpack
from stag._einsum import einsum as einsum
from stag._errors import BackendError as BackendError
from stag._errors import CaptureError as CaptureError
from stag._errors import DTypeError as DTypeError
from stag._errors import ShapeError as ShapeError

# <generated: functions>
from stag._free_functions import abs as abs
from stag._free_functions import broadcast_to as broadcast_to
from stag._free_functions import concat as concat
from stag._free_functions import cos as cos
from stag._free_functions import cumsum as cumsum
from stag._free_functions import erf as erf
from stag._free_functions import exp as exp
from stag._free_functions import expm1 as expm1
from stag._free_functions import log as log
from stag._free_functions import log1p as log1p
from stag._free_functions import log2 as log2
from stag._free_functions import log10 as log10
from stag._free_functions import matmul as matmul
from stag._free_functions import maximum as maximum
from stag._free_functions import minimum as minimum
from stag._free_functions import relu as relu
from stag._free_functions import sigmoid as sigmoid
from stag._free_functions import sin as sin
from stag._free_functions import split as split
from stag._free_functions import sqrt as sqrt
from stag._free_functions import stack as stack
from stag._free_functions import tanh as tanh
from stag._free_functions import tril as tril
from stag._free_functions import triu as triu
from stag._free_functions import where as where

# </generated: functions>
from stag._ipython import load_ipython_extension as load_ipython_extension
from stag._ipython import unload_ipython_extension as unload_ipython_extension
from stag._shapecheck import checking_enabled as checking_enabled
from stag._shapecheck import disable_checking as disable_checking
from stag._shapecheck import install_import_hook as install_import_hook
from stag._shapecheck import set_checking as set_checking
from stag._shapecheck import shapecheck as shapecheck
from stag._tensor import Tensor as Tensor
from stag._transforms import derivative as derivative
from stag._transforms import grad as grad
from stag._transforms import grad_of as grad_of
from stag._transforms import register_pytree as register_pytree
from stag._transforms import tree_flatten as tree_flatten
from stag._transforms import tree_unflatten as tree_unflatten
from stag._transforms import value_and_grad as value_and_grad
from stag.io import CheckpointError as CheckpointError
from stag.io import load as load
from stag.io import save as save

__version__ = "0.1.0"

import typing as _typing

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)

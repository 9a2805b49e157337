"""Activations, the softmax family, losses, normalisation and convolutions, as functions.

PyTorch's ``torch.nn.functional`` with numpy's ``axis=`` keyword; the layers of
``stag.nn`` call these.  ``relu``, ``sigmoid`` and ``tanh`` are ``stag``'s own.
"""

import typing as _typing

from stag._free_functions import relu as relu
from stag._free_functions import sigmoid as sigmoid
from stag._free_functions import tanh as tanh
from stag.nn._activations import dropout as dropout
from stag.nn._activations import gelu as gelu
from stag.nn._activations import log_softmax as log_softmax
from stag.nn._activations import logsumexp as logsumexp
from stag.nn._activations import softmax as softmax
from stag.nn._attention import scaled_dot_product_attention as scaled_dot_product_attention
from stag.nn._conv_functional import conv2d as conv2d
from stag.nn._conv_functional import max_pool2d as max_pool2d
from stag.nn._losses import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from stag.nn._losses import cross_entropy as cross_entropy
from stag.nn._losses import mse_loss as mse_loss
from stag.nn._losses import nll_loss as nll_loss
from stag.nn._normalization import batch_norm as batch_norm
from stag.nn._normalization import layer_norm as layer_norm
from stag.nn._pooling import adaptive_avg_pool2d as adaptive_avg_pool2d
from stag.nn._pooling import avg_pool2d as avg_pool2d

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)

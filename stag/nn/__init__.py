"""Neural-network building blocks, PyTorch's names with typed shapes.

- ``Module``: the base class (parameters from attributes, ``state_dict``, modes).
- Layers: ``Linear``, ``TiedLinear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``GELU``, ``Softmax``,
  ``Dropout``, ``Identity``, ``LayerNorm``, ``BatchNorm1d``, ``BatchNorm2d``,
  ``Embedding``, ``Flatten``, ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``,
  ``AdaptiveAvgPool2d``; ``Sequential`` and the ``Layer`` protocol it chains.
- Containers: ``ModuleList``, ``ModuleDict``.
- Loss modules: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``.
- ``stag.nn.functional``: the same as functions; ``stag.nn.init``: initialisers.
"""

import typing as _typing

from stag.nn import functional as functional
from stag.nn import init as init
from stag.nn._attention import MultiheadAttention as MultiheadAttention
from stag.nn._batch_norm import BatchNorm1d as BatchNorm1d
from stag.nn._batch_norm import BatchNorm2d as BatchNorm2d
from stag.nn._containers import ModuleDict as ModuleDict
from stag.nn._containers import ModuleList as ModuleList
from stag.nn._conv import Conv2d as Conv2d
from stag.nn._conv import MaxPool2d as MaxPool2d
from stag.nn._layers import Embedding as Embedding
from stag.nn._layers import Flatten as Flatten
from stag.nn._layers import LayerNorm as LayerNorm
from stag.nn._layers import Linear as Linear
from stag.nn._layers import TiedLinear as TiedLinear
from stag.nn._loss_modules import BCEWithLogitsLoss as BCEWithLogitsLoss
from stag.nn._loss_modules import CrossEntropyLoss as CrossEntropyLoss
from stag.nn._loss_modules import MSELoss as MSELoss
from stag.nn._loss_modules import NLLLoss as NLLLoss
from stag.nn._module import Module as Module
from stag.nn._pooling import AdaptiveAvgPool2d as AdaptiveAvgPool2d
from stag.nn._pooling import AvgPool2d as AvgPool2d
from stag.nn._sequential import Layer as Layer
from stag.nn._sequential import Sequential as Sequential
from stag.nn._shape_keeping import GELU as GELU
from stag.nn._shape_keeping import Dropout as Dropout
from stag.nn._shape_keeping import Identity as Identity
from stag.nn._shape_keeping import ReLU as ReLU
from stag.nn._shape_keeping import Sigmoid as Sigmoid
from stag.nn._shape_keeping import Softmax as Softmax
from stag.nn._shape_keeping import Tanh as Tanh

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)

"""Neural-network building blocks, PyTorch's names with typed shapes.

- ``Module``: the base class (parameters from attributes, ``state_dict``, modes).
- Layers: ``Linear``, ``ReLU``, ``Tanh``, ``Sigmoid``, ``GELU``, ``Softmax``,
  ``Dropout``, ``LayerNorm``, ``Embedding``, ``Flatten``, ``Conv2d``,
  ``MaxPool2d``; ``Sequential`` and
  the ``Layer`` protocol it chains.
- Loss modules: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``.
- ``stag.nn.functional``: the same as functions; ``stag.nn.init``: initialisers.
"""

from stag.nn import functional, init
from stag.nn._conv import Conv2d, MaxPool2d
from stag.nn._layers import (
    GELU,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    MSELoss,
    NLLLoss,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from stag.nn._module import Module
from stag.nn._sequential import Layer, Sequential

__all__ = [
    "GELU", "BCEWithLogitsLoss", "Conv2d", "CrossEntropyLoss", "Dropout", "Embedding", "Flatten", "Layer",
    "LayerNorm", "Linear", "MSELoss", "MaxPool2d", "Module", "NLLLoss", "ReLU", "Sequential", "Sigmoid",
    "Softmax", "Tanh", "functional", "init",
]  # fmt: skip

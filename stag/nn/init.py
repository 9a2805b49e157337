"""Initialisers: fill a tensor in place with PyTorch's default distributions.

Each takes an optional ``generator=`` and works on parameters (``stag/nn/_init.py``).
"""

import typing as _typing

from stag.nn._init import calculate_fans as calculate_fans
from stag.nn._init import calculate_gain as calculate_gain
from stag.nn._init import kaiming_uniform_ as kaiming_uniform_
from stag.nn._init import normal_ as normal_
from stag.nn._init import ones_ as ones_
from stag.nn._init import uniform_ as uniform_
from stag.nn._init import xavier_uniform_ as xavier_uniform_
from stag.nn._init import zeros_ as zeros_

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)

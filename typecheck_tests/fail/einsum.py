"""einsum: what every checker rejects, with the mypy plugin or without it.

The plugin's own checks of the subscript string are in `plugin_einsum.py`.
"""

from typing import Literal

import numpy as np

import stag
from stag import Tensor

a: Tensor[Literal[3], Literal[4]] = stag.randn(3, 4)

stag.einsum("ij", np.ones((3, 4)))  # E: arg-type
stag.einsum("ij,jk", a, [a])  # E: arg-type
stag.einsum(["ij"], a)  # E: arg-type
stag.einsum("ij", a, optimize=True)  # E: call-arg
stag.einsum()  # E: call-arg
count: int = stag.einsum("ij->", a)  # E: assignment

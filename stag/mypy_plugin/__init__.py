"""stag's mypy plugin: shape arithmetic at check time, and readable shape errors.

Enable it in the mypy configuration::

    [mypy]
    plugins = stag.mypy_plugin

What it adds to the signatures (which stay the whole story without it):

- ``flatten``: the merged dim is the product of the literal dims it merges;
- ``reshape``: literal sizes are kept without a declared target, one ``-1`` is
  inferred from the element count, and a count that differs is an error;
- ``stag.concat``: the joined dim is the sum of the literal sizes, and other dims
  that differ are an error (lists as well as tuples);
- ``stag.stack``: the new dim is the number of tensors (lists as well as tuples);
- ``conv2d`` / ``max_pool2d``: the output height and width from literal sizes,
  kernel, stride and padding; ``nn.Conv2d`` / ``nn.MaxPool2d``: the constructor's
  literal kernel, stride and padding in the module's type (``K, S, P``), and the same
  sizes for its calls;
- ``repeat`` / ``tile``: the repeated sizes (np.tile's rule for reps longer than the
  shape);
- ``t[a:b:c]``: a literal leading dim sliced by written bounds;
- ``permute`` / ``squeeze`` / ``unsqueeze`` at axes their overloads leave out, and
  ``nn.Flatten()``;
- a note naming the dims when ``@``, ``stag.matmul``, ``+ - * /`` or a ``Linear``,
  ``LayerNorm`` or ``Conv2d`` call rejects a shape, e.g.
  ``matmul: inner dimensions differ: In (dim -1 of the left) vs Hid (dim 0 of the right)``.

Its own errors have the code ``shape``.  A dim the plugin cannot compute with (a named
dim, ``Dyn``, a type variable, a widened ``int``) leaves the plain signature's result as
it is: the plugin never makes an error out of something it does not know, and it adds
no second error to a line mypy has already rejected (a note there instead).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from mypy.options import Options
from mypy.plugin import (
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import FunctionLike, Type

from . import _targets as target
from ._conv import (
    conv2d_call_hook,
    conv2d_hook,
    conv2d_init_hook,
    max_pool2d_call_hook,
    max_pool2d_hook,
    max_pool2d_init_hook,
)
from ._einsum import einsum_hook
from ._join import concat_hook, stack_hook
from ._movement import (
    flatten_hook,
    flatten_module_hook,
    getitem_hook,
    permute_hook,
    repeat_hook,
    reshape_hook,
    squeeze_hook,
    tile_hook,
    unsqueeze_hook,
)
from ._notes import (
    LAYER_INPUTS,
    OPERATOR_NAMES,
    matmul_function_sig,
    matmul_method_sig,
    operator_sig,
)
from ._shapes import SHAPE as SHAPE


def sources_digest() -> str:
    """A digest of this package's modules and of ``stag/_einsum.py`` (the einsum hook runs
    its grammar): it changes with any edit to any of them."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in [*sorted(here.glob("*.py")), here.parent / "_einsum.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class StagPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.sources = sources_digest()

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        # mypy's cache notices a change to a plugin's own file only (it hashes
        # __init__.py); the hooks live in the sibling modules, so their digest goes into
        # every module's cache entry, and an edit to any of them rechecks.
        return self.sources

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return {
            target.TENSOR_FLATTEN: flatten_hook,
            target.TENSOR_RESHAPE: reshape_hook,
            target.TENSOR_GETITEM: getitem_hook,
            target.TENSOR_PERMUTE: permute_hook,
            target.TENSOR_SQUEEZE: squeeze_hook,
            target.TENSOR_UNSQUEEZE: unsqueeze_hook,
            target.TENSOR_REPEAT: repeat_hook,
            target.TENSOR_TILE: tile_hook,
            target.FLATTEN_CALL: flatten_module_hook,
            target.CONV2D_CALL: conv2d_call_hook,
            target.MAX_POOL2D_CALL: max_pool2d_call_hook,
        }.get(fullname)

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return {
            target.CONCAT: concat_hook,
            target.STACK: stack_hook,
            target.EINSUM: einsum_hook,
            target.CONV2D: conv2d_hook,
            target.MAX_POOL2D: max_pool2d_hook,
            target.CONV2D_MODULE: conv2d_init_hook,
            target.MAX_POOL2D_MODULE: max_pool2d_init_hook,
        }.get(fullname)

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        owner, _, method = fullname.rpartition(".")
        if fullname in LAYER_INPUTS:
            return LAYER_INPUTS[fullname]
        if owner != target.TENSOR:
            return None
        if method == "__matmul__":
            return matmul_method_sig
        if method in OPERATOR_NAMES:
            return operator_sig(OPERATOR_NAMES[method])
        return None

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return matmul_function_sig if fullname == target.MATMUL else None


def plugin(version: str) -> type[StagPlugin]:
    """mypy's entry point: the plugin class for any mypy version."""
    return StagPlugin

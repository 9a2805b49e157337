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

from mypy.nodes import TypeInfo
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
from ._broadcast import OPERATORS, function_sig, masked_fill_sig, operator_sig
from ._calls import solved
from ._conv import (
    conv2d_call_hook,
    conv2d_hook,
    conv2d_init_hook,
    max_pool2d_call_hook,
    max_pool2d_hook,
    max_pool2d_init_hook,
)
from ._einsum import einsum_hook
from ._indexing import getitem_sig
from ._join import concat_hook, stack_hook
from ._literals import (
    arange_hook,
    count_hook,
    dims_hook,
    eye_hook,
    full_hook,
    module_init_sig,
    trailing_dims_hook,
)
from ._movement import (
    flatten_hook,
    flatten_module_hook,
    permute_hook,
    repeat_hook,
    reshape_hook,
    squeeze_hook,
    tile_hook,
    unsqueeze_hook,
)
from ._notes import LAYER_INPUTS, matmul_function_sig, matmul_method_sig
from ._products import prod_hook
from ._shapes import SHAPE as SHAPE


def sources_digest() -> str:
    """A digest of this package's modules and of ``stag/_einsum.py`` (the einsum hook runs
    its grammar): it changes with any edit to any of them."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in [*sorted(here.glob("*.py")), here.parent / "_einsum.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# The hooked names (stag/mypy_plugin/_targets.py) and their hooks: mypy asks for a hook
# at every call it checks, so the tables are built once.
METHOD_HOOKS: dict[str, Callable[[MethodContext], Type]] = {
    target.TENSOR_FLATTEN: flatten_hook,
    target.TENSOR_RESHAPE: reshape_hook,
    target.TENSOR_PERMUTE: permute_hook,
    target.TENSOR_SQUEEZE: squeeze_hook,
    target.TENSOR_UNSQUEEZE: unsqueeze_hook,
    target.TENSOR_REPEAT: repeat_hook,
    target.TENSOR_TILE: tile_hook,
    target.TENSOR_EXPAND: dims_hook,
    target.TENSOR_ASSERT_SHAPE: dims_hook,
    target.FLATTEN_CALL: flatten_module_hook,
    target.CONV2D_CALL: conv2d_call_hook,
    target.MAX_POOL2D_CALL: max_pool2d_call_hook,
}
FUNCTION_HOOKS: dict[str, Callable[[FunctionContext], Type]] = {
    target.CONCAT: concat_hook,
    target.STACK: stack_hook,
    target.EINSUM: einsum_hook,
    target.CONV2D: conv2d_hook,
    target.MAX_POOL2D: max_pool2d_hook,
    target.CONV2D_MODULE: conv2d_init_hook,
    target.MAX_POOL2D_MODULE: max_pool2d_init_hook,
    target.ZEROS: dims_hook,
    target.ONES: dims_hook,
    target.RAND: dims_hook,
    target.RANDN: dims_hook,
    target.FULL: full_hook,
    target.ARANGE: arange_hook,
    target.EYE: eye_hook,
    target.LINSPACE: count_hook(2),
    target.RANDINT: trailing_dims_hook(2),
    target.PROD: prod_hook,
}


class StagPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.sources = sources_digest()
        self.modules: dict[str, bool] = {}  # full name: a Module subclass

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        # mypy's cache notices a change to a plugin's own file only (it hashes
        # __init__.py); the hooks live in the sibling modules, so their digest goes into
        # every module's cache entry, and an edit to any of them rechecks.
        return self.sources

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return METHOD_HOOKS.get(fullname)

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return FUNCTION_HOOKS.get(fullname)

    def _is_module(self, fullname: str) -> bool:
        """A subclass of `stag.nn.Module` (a constructor call's hook is the class's)."""
        if fullname not in self.modules:
            node = self.lookup_fully_qualified(fullname)
            info = node.node if node is not None else None
            self.modules[fullname] = isinstance(info, TypeInfo) and info.has_base(target.MODULE)
        return self.modules[fullname]

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        owner, _, method = fullname.rpartition(".")
        if fullname in LAYER_INPUTS:
            return LAYER_INPUTS[fullname]
        if fullname in target.SOLVED_METHODS:
            return solved(target.SOLVED_METHODS[fullname])
        if owner != target.TENSOR:
            return None
        if method == "__matmul__":
            return matmul_method_sig
        if method == "__getitem__":
            return getitem_sig
        if method == "masked_fill":
            return masked_fill_sig
        if method in OPERATORS:
            return operator_sig(OPERATORS[method])
        return None

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname in target.SOLVED_CALLS:
            return solved(target.SOLVED_CALLS[fullname])
        if self._is_module(fullname):
            return module_init_sig
        return {
            target.MATMUL: matmul_function_sig,
            target.MAXIMUM: function_sig("maximum", ("x", "y")),
            target.MINIMUM: function_sig("minimum", ("x", "y")),
            target.WHERE: function_sig("where", ("cond", "x", "y")),
        }.get(fullname)


def plugin(version: str) -> type[StagPlugin]:
    """mypy's entry point: the plugin class for any mypy version."""
    return StagPlugin

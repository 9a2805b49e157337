"""``%load_ext stag``: ``@stag.shapecheck`` on what later notebook cells define.

As jaxtyping's IPython extension does for its own decorator: an AST transformer,
registered with the shell, rewrites each cell before it runs, with the import hook's
rules (``install_import_hook``): every function and method the cell defines gets
``@stag.shapecheck`` innermost, so classes are checked through their methods;
``@overload`` stubs and ``@no_type_check`` functions are left alone.  ``%unload_ext
stag`` stops it for the cells after.  IPython is never imported here: the shell
passes itself in.
"""

from __future__ import annotations

import ast
from typing import Protocol

from stag._shapecheck._import_hook import _Instrument


class _Shell(Protocol):
    """What the extension touches of IPython's ``InteractiveShell``."""

    ast_transformers: list[ast.NodeTransformer]


class ShapecheckCells(ast.NodeTransformer):
    """Decorates a cell's functions and methods; a cell that defines none is left as is."""

    def visit(self, node: ast.AST) -> ast.AST:
        defines = (ast.FunctionDef, ast.AsyncFunctionDef)
        if not any(isinstance(n, defines) for n in ast.walk(node)):
            return node
        result: ast.AST = _Instrument().visit(node)
        return result


def load_ipython_extension(ipython: _Shell) -> None:
    """Called by ``%load_ext stag``: check the functions and classes of later cells."""
    if not any(isinstance(t, ShapecheckCells) for t in ipython.ast_transformers):
        ipython.ast_transformers.append(ShapecheckCells())


def unload_ipython_extension(ipython: _Shell) -> None:
    """Called by ``%unload_ext stag``: later cells run as written."""
    ipython.ast_transformers[:] = [
        t for t in ipython.ast_transformers if not isinstance(t, ShapecheckCells)
    ]

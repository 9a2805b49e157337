"""``install_import_hook``: ``@shapecheck`` on every function of a package, at import.

A finder in ``sys.meta_path`` hands the package's modules to a loader that parses
the source, appends ``@__stag_shapecheck__.shapecheck`` to the decorators of every
function and method (innermost, so ``@classmethod`` / ``@property`` wrap the checked
function), and compiles the result.  Overloads and ``@no_type_check`` functions are
left alone.  Instrumented modules are compiled from source each time (no ``.pyc``),
so a cached plain build is never picked up by mistake.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec, SourceFileLoader
from types import CodeType, TracebackType
from typing import Self

_ALIAS = "__stag_shapecheck__"  # a dunder name: not mangled inside class bodies
_SKIP = {"overload", "no_type_check"}


class _Instrument(ast.NodeTransformer):
    def visit_Module(self, node: ast.Module) -> ast.Module:
        position = 0
        for i, statement in enumerate(node.body):
            is_docstring = (
                i == 0
                and isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            )
            is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
            if is_docstring or is_future:
                position = i + 1
        node.body.insert(position, ast.Import([ast.alias("stag._shapecheck", _ALIAS)]))
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self._decorate(node)
        self.generic_visit(node)
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        self._decorate(node)
        self.generic_visit(node)
        return node

    def _decorate(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if any(_decorator_name(d) in _SKIP for d in node.decorator_list):
            return
        decorator = ast.Attribute(ast.Name(_ALIAS, ast.Load()), "shapecheck", ast.Load())
        node.decorator_list.append(ast.copy_location(decorator, node))


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _decorator_name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class _Loader(SourceFileLoader):
    """Loads a module's source with every annotated function decorated by ``shapecheck``."""

    def get_code(self, fullname: str) -> CodeType:
        from importlib.util import decode_source

        path = self.get_filename(fullname)
        tree = ast.parse(decode_source(self.get_data(path)), filename=path)
        tree = ast.fix_missing_locations(_Instrument().visit(tree))
        return compile(tree, path, "exec", dont_inherit=True)


class _Finder:
    """A ``sys.meta_path`` finder (the protocol needs only ``find_spec``)."""

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = packages

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: object = None
    ) -> ModuleSpec | None:
        if not any(fullname == p or fullname.startswith(p + ".") for p in self.packages):
            return None
        for finder in sys.meta_path:  # whichever finder would have found it (editable installs)
            find = getattr(finder, "find_spec", None)
            if isinstance(finder, _Finder) or find is None:  # another hook: it would ask us
                continue
            spec: ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                if isinstance(spec.loader, SourceFileLoader):
                    spec.loader = _Loader(spec.loader.name, spec.loader.path)
                return spec
        return None


class ImportHook:
    """An installed hook; ``uninstall()`` it, or use it as a context manager."""

    def __init__(self, finder: _Finder) -> None:
        self._finder = finder

    def uninstall(self) -> None:
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()


def install_import_hook(packages: str | Sequence[str]) -> ImportHook:
    """Shape-check every function of ``packages`` (and their submodules) imported from now on.

    **Arguments:**

    - ``packages``: a package or module name, or several: ``"mypkg"``, ``["a", "b.c"]``.

    **Returns:** an ``ImportHook``; ``hook.uninstall()`` (or leaving a ``with`` block)
    stops instrumenting later imports.  Modules imported before the hook are untouched.
    """
    names = (packages,) if isinstance(packages, str) else tuple(packages)
    finder = _Finder(names)
    sys.meta_path.insert(0, finder)
    return ImportHook(finder)

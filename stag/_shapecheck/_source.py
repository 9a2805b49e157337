"""The annotation text as the user wrote it, read back from the source for messages."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable


def annotation_sources(fn: Callable[..., object]) -> dict[str, list[str]]:
    """Each annotation's ``Tensor[...]`` texts in reading order, from ``fn``'s source.

    Only for error messages; an unreadable source gives {} and the rendered hint is used.
    """
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return {}
    node = next(
        (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
        None,
    )
    if node is None:
        return {}
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    code = getattr(inspect.unwrap(fn), "__code__", None)
    names = code.co_varnames[: len(every)] if code is not None else ()
    if node.name != getattr(fn, "__name__", None) or tuple(a.arg for a in every) != names:
        return {}  # the file changed since it was imported: trust the rendered hints
    annotations = {a.arg: a.annotation for a in every if a.annotation is not None}
    if node.returns is not None:
        annotations["return"] = node.returns
    return {name: _tensor_texts(source, annotation) for name, annotation in annotations.items()}


def _tensor_texts(source: str, annotation: ast.expr) -> list[str]:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        source = annotation.value  # a quoted annotation: read the string's own code
        try:
            annotation = ast.parse(source, mode="eval").body
        except SyntaxError:
            return []
    found = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.Subscript):
            value = node.value
            name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
            if name == "Tensor":
                found.append(node)
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return [ast.get_source_segment(source, n) or ast.unparse(n) for n in found]

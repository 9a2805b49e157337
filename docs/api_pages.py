"""A mkdocs hook: one API page per public namespace, generated from the package itself.

Every public name of a namespace (its attributes not starting with ``_``, submodules
aside: the rule of ``tests/test_api.py``) gets a ``::: namespace.name`` block, which
mkdocstrings renders with its typed signature and docstring.  Nothing to keep in step
by hand: a new public name is on its page at the next build.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

NAMESPACES = [
    "stag", "stag.nn", "stag.nn.functional", "stag.nn.init", "stag.optim",
    "stag.optim.lr_scheduler", "stag.io", "stag.data", "stag.distributed",
]  # fmt: skip


def public_names(namespace: str) -> list[str]:
    """The namespace's public names, in the order its module defines them."""
    module = importlib.import_module(namespace)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    ]


def inherited(value: object) -> list[str]:
    """The members ``value`` (a class) inherits from classes of stag that no page documents.

    ``Tensor`` stands on ``stag._values.Values``: a user reads ``numpy`` and ``shape``
    as ``Tensor``'s, so its page lists them as its own.
    """
    if not inspect.isclass(value):
        return []
    public = {
        id(getattr(importlib.import_module(ns), name))
        for ns in NAMESPACES
        for name in public_names(ns)
    }
    names = {
        name: None
        for base in value.__mro__[1:]
        if base.__module__.split(".")[0] == "stag" and id(base) not in public
        for name, member in vars(base).items()
        if (inspect.isfunction(member) or isinstance(member, property))
        and not (name.startswith("_") and not name.startswith("__"))
        and name not in vars(value)
    }
    return list(names)


def block(namespace: str, name: str) -> str:
    members = inherited(getattr(importlib.import_module(namespace), name))
    if not members:
        return f"::: {namespace}.{name}"
    return f"::: {namespace}.{name}\n    options:\n      inherited_members: {members}"


def page(namespace: str) -> str:
    module = importlib.import_module(namespace)
    summary = (inspect.getdoc(module) or "").split("\n\n", 1)[0]
    blocks = [block(namespace, name) for name in public_names(namespace)]
    return f"# `{namespace}`\n\n{summary}\n\n" + "\n\n".join(blocks) + "\n"


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    for namespace in NAMESPACES:
        files.append(File.generated(config, f"api/{namespace}.md", content=page(namespace)))
    return files

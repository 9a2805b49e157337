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


def page(namespace: str) -> str:
    module = importlib.import_module(namespace)
    summary = (inspect.getdoc(module) or "").split("\n\n", 1)[0]
    blocks = [f"::: {namespace}.{name}" for name in public_names(namespace)]
    return f"# `{namespace}`\n\n{summary}\n\n" + "\n\n".join(blocks) + "\n"


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    for namespace in NAMESPACES:
        files.append(File.generated(config, f"api/{namespace}.md", content=page(namespace)))
    return files

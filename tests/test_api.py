"""README's API tables and the package agree: every public name is listed, and only those.

A public namespace re-exports its names (`from ._x import y as y`); its public names are
the attributes not starting with `_`, submodules aside.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import stag
from stag import _transforms

README = Path(__file__).resolve().parent.parent / "README.md"
NAMESPACES = [
    "stag", "stag.nn", "stag.nn.functional", "stag.nn.init", "stag.optim",
    "stag.optim.lr_scheduler", "stag.io", "stag.data", "stag.distributed",
]  # fmt: skip


def readme_names() -> dict[str, set[str]]:
    """The names README's API section lists, by namespace (a namespace may span rows)."""
    section = README.read_text().split("## API", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, set[str]] = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        namespace = re.fullmatch(r"`([\w.]+)`.*", cells[0]) if len(cells) >= 2 else None
        if namespace:
            listed.setdefault(namespace[1], set()).update(re.findall(r"`(\w+)`", cells[1]))
    return listed


def package_names(namespace: str) -> set[str]:
    module = importlib.import_module(namespace)
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }


def test_the_readme_lists_every_namespace():
    assert set(readme_names()) == set(NAMESPACES)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_the_readme_lists_exactly_the_public_names(namespace):
    listed, public = readme_names()[namespace], package_names(namespace)
    assert not public - listed, f"public in {namespace} but not in README: {public - listed}"
    assert not listed - public, f"in README but not public in {namespace}: {listed - public}"


def test_tree_unflatten_rebuilds_what_tree_flatten_took_apart():
    tree = {"w": stag.zeros(2), "layers": [(stag.ones(3), 4)], "name": "mlp"}
    leaves, rebuild = stag.tree_flatten(tree)
    assert [type(leaf).__name__ for leaf in leaves] == ["Tensor", "Tensor", "int", "str"]
    doubled = [leaf * 2 if isinstance(leaf, stag.Tensor) else leaf for leaf in leaves]
    out = stag.tree_unflatten(rebuild, doubled)
    assert out["layers"][0][1] == 4 and out["name"] == "mlp"
    assert out["layers"][0][0].numpy().tolist() == [2.0, 2.0, 2.0]
    assert stag.tree_unflatten is _transforms.tree_unflatten

"""The op table (`stag/_ops`) and everything derived from it stay in step.

An op is declared once, with its facade (shape rule, method, function, operator, doc);
`python -m stag._codegen` writes the typed API from it. These tests fail when a file
the generator writes is stale, or when one of an op's hand-written places is missing:
its test row (test_ops_elementwise.UNARY, checked there), its type cases, its README row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import stag
from stag import _codegen
from stag._ops import PRIMITIVES, facades
from stag._tensor import Tensor

ROOT = Path(__file__).resolve().parent.parent
OPS = {name: facade for name, facade, _ in facades()}
UNARY_OPS = sorted(name for name, facade in OPS.items() if facade.rule == "unary")


def test_generated_sections_match_the_op_table():
    diffs = _codegen.stale()
    assert not diffs, "run `python -m stag._codegen`:\n" + "\n".join(diffs)


def test_a_stale_section_is_detected():
    source = (ROOT / "stag/_tensor.py").read_text()
    section = _codegen.SECTIONS[0]
    emptied = _codegen.fill(source, _codegen.Section(section.path, section.name, lambda: iter(())))
    assert emptied != source and _codegen.fill(emptied, section) == source


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_declared_op_is_in_the_api(name):
    facade = OPS[name]
    if facade.method:
        assert callable(getattr(Tensor, name)), f"Tensor.{name}"
    if facade.function:
        assert callable(getattr(stag, name)), f"stag.{name}"
    for dunder in (facade.operator, facade.reflected):
        if dunder is not None:
            assert callable(getattr(Tensor, dunder)), f"Tensor.{dunder}"
    assert name in PRIMITIVES or facade.impl is not None


def _tagged(path: str, marked: bool) -> set[str]:
    """Ops named by `# op: <name>` tags in a type-test file (lines with an `# E:` mark)."""
    tags = set()
    for line in (ROOT / path).read_text().splitlines():
        found = re.search(r"#\s*op:\s*(\w+)\s*$", line)
        if found and (not marked or "# E:" in line):
            tags.add(found[1])
    return tags


def test_every_unary_op_has_a_pass_case():
    assert _tagged("typecheck_tests/pass/unary_ops.py", marked=False) == set(UNARY_OPS)


def test_every_unary_op_has_a_fail_case():
    assert _tagged("typecheck_tests/fail/unary_ops.py", marked=True) == set(UNARY_OPS)


def test_the_readme_rules_table_names_every_unary_op():
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines() if "unary rule" in line
    )
    assert set(UNARY_OPS) <= set(re.findall(r"\w+", row))

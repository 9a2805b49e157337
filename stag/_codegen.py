"""``python -m stag._codegen``: write the typed API of the ops declared in ``stag/_ops``.

An op is declared once, in its family module (``defprim(..., facade=unary(...))``).
From its ``Facade`` this module renders the ``Tensor`` method with the overloads of its
shape rule, the free function, the re-export in ``stag/__init__.py`` and the README's
rows, into sections of those files between ``<generated: NAME>`` markers (a README
row carries ``<!-- generated: NAME -->``).  The sections are plain code, checked by
mypy and pyright like the rest; ``tests/test_codegen.py`` fails when a file and this
generator disagree.  ``--check`` only compares, and exits 1 with a diff when stale.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from stag._ops import Facade, Primitive, facades

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 100  # the line length ruff keeps (pyproject.toml)


# ------------------------------------------------------------------ the shape rules
# Each rule is a list of overloads: (self type or "" for plain self, parameters, result).
# Overload order, everywhere: exact shape (or a Python scalar) first, then trailing-dim
# broadcast both ways, then keep-dims broadcast both ways (last axis, then leading
# axis), then a 0-d tensor on either side; the implementation's signature comes last.
OPERATOR_RULE = [
    ("", "other: Tensor[*Shape] | Scalar", "Tensor[*Shape]"),
    ("Tensor[*B, N]", "other: Tensor[N]", "Tensor[*B, N]"),
    ("Tensor[N]", "other: Tensor[*B, N]", "Tensor[*B, N]"),
    ("Tensor[*B, N]", "other: Tensor[*B, L1]", "Tensor[*B, N]"),
    ("Tensor[*B, L1]", "other: Tensor[*B, N]", "Tensor[*B, N]"),
    ("Tensor[M, *S]", "other: Tensor[L1, *S]", "Tensor[M, *S]"),
    ("Tensor[L1, *S]", "other: Tensor[M, *S]", "Tensor[M, *S]"),
    ("", "other: Tensor[()]", "Tensor[*Shape]"),
    ("Tensor[()]", "other: Tensor[*S]", "Tensor[*S]"),
]
OPERATOR_IMPL = ("", "other: Tensor[*AnyShape] | Scalar", "Tensor[*AnyShape]")

REDUCTION_RULE = [
    ("", "axis: None = None, *, keepdims: Literal[False] = False", "Tensor[()]"),
    ("Tensor[*B, N]", "axis: Literal[-1], *, keepdims: Literal[False] = False", "Tensor[*B]"),
    ("Tensor[*B, N]", "axis: Literal[-1], *, keepdims: Literal[True]", "Tensor[*B, L1]"),
    ("Tensor[N, *B]", "axis: Literal[0], *, keepdims: Literal[False] = False", "Tensor[*B]"),
    ("Tensor[N, *B]", "axis: Literal[0], *, keepdims: Literal[True]", "Tensor[L1, *B]"),
    ("", "axis: Axis = None, *, keepdims: bool = False", "Tensor[*AnyShape]"),
]
REDUCTION_IMPL = ("", "axis: Axis = None, *, keepdims: bool = False", "Tensor[*AnyShape]")

INDEX_RULE = [
    ("", "axis: None = None", "Tensor[()]"),
    ("Tensor[*B, N]", "axis: Literal[-1]", "Tensor[*B]"),
    ("Tensor[N, *B]", "axis: Literal[0]", "Tensor[*B]"),
    ("", "axis: int | None = None", "Tensor[*AnyShape]"),
]
INDEX_IMPL = ("", "axis: int | None = None", "Tensor[*AnyShape]")

BINARY_FUNCTION_RULE = [
    ("x: Tensor[*B, N], y: Tensor[N]", "Tensor[*B, N]"),
    ("x: Tensor[*B, N], y: Tensor[*B, L1]", "Tensor[*B, N]"),
    ("x: Tensor[*S], y: Tensor[*S] | Scalar", "Tensor[*S]"),
]
BINARY_FUNCTION_IMPL = ("x: Tensor[*AnyShape], y: Tensor[*AnyShape] | Scalar", "Tensor[*AnyShape]")

_INPLACE_SYMBOLS = {"__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/="}


# ---------------------------------------------------------------------- rendering
def signature(name: str, params: str, result: str, indent: str, stub: bool) -> list[str]:
    """``def name(params) -> result:`` on one line when it fits, else wrapped as ruff does."""
    tail = " ..." if stub else ""
    line = f"{indent}def {name}({params}) -> {result}:{tail}"
    if len(line) <= WIDTH:
        return [line]
    return [f"{indent}def {name}(", f"{indent}    {params}", f"{indent}) -> {result}:{tail}"]


def overloads(name: str, rule: Sequence[tuple[str, ...]], indent: str) -> list[str]:
    lines = []
    for entry in rule:
        lines.append(f"{indent}@overload")
        lines += signature(name, *_params_result(entry), indent, stub=True)
    return lines


def _params_result(entry: tuple[str, ...]) -> tuple[str, str]:
    """A method rule's (self type, params, result), or a function rule's (params, result)."""
    if len(entry) == 2:
        return entry[0], entry[1]
    self_type, params, result = entry
    owner = f"self: {self_type}" if self_type else "self"
    return f"{owner}, {params}" if params else owner, result


def with_extra(rule: Sequence[tuple[str, str, str]], extra: str) -> list[tuple[str, str, str]]:
    """The rule with ``extra`` keyword-only parameters after each one's own."""
    return [(s, f"{p}, {extra}" if extra else p, r) for s, p, r in rule]


def body(facade: Facade, family: str, name: str, call: str, indent: str) -> list[str]:
    inner = indent + "    "
    lines = [f'{inner}"""{facade.doc}"""'] if facade.doc else []
    impl = f"composites.{facade.impl}" if facade.impl else None  # stag/_composites.py
    target = f"apply({family}.{name}, {call})" if impl is None else f"{impl}({call})"
    return lines + [f"{inner}return {target}"]


def family_of(prim: Primitive) -> str:
    """The ``stag._ops`` module that declares ``prim`` (``elementwise``, ``reduce``, ...)."""
    import stag._ops as ops

    for family in ("elementwise", "reduce", "movement", "linalg", "conv"):
        if getattr(getattr(ops, family), prim.name, None) is prim:
            return family
    raise LookupError(f"primitive {prim.name!r} is not declared in a stag._ops family module")


# ----------------------------------------------------------------- the sections
def tensor_operators() -> Iterator[str]:
    for name, facade, prim in facades():
        if facade.rule != "operator" or prim is None or facade.operator is None:
            continue
        family = family_of(prim)
        yield from overloads(facade.operator, OPERATOR_RULE, "    ")
        yield from signature(facade.operator, *_params_result(OPERATOR_IMPL), "    ", stub=False)
        yield f"        return binary({family}.{name}, self, other)"
        yield ""
        if facade.reflected is not None:
            yield f"    def {facade.reflected}(self, other: Scalar) -> Tensor[*Shape]:"
            constant = f'scalar_constant(other, self, "{name}")'
            yield f"        return binary({family}.{name}, {constant}, self)"
            yield ""


def tensor_inplace() -> Iterator[str]:
    """``x += y``: written into ``x`` at run time.  The checkers read it as ``x = x + y``
    (mypy cannot check an overloaded ``__iadd__`` beside an overloaded ``__add__``), and
    the rules agree: ``y`` must broadcast into ``x``'s shape, so its type stays."""
    inplace = [(name, f, p) for name, f, p in facades() if f.inplace is not None and p]
    if not inplace:
        return
    yield "    if not TYPE_CHECKING:  # see _codegen.tensor_inplace"
    yield ""
    for name, facade, prim in inplace:
        yield f"        def {facade.inplace}(self, other: Tensor[*AnyShape] | Scalar) -> Self:"
        symbol = _INPLACE_SYMBOLS[facade.inplace or ""]
        yield f'            return self._update("{symbol}", {family_of(prim)}.{name}, other)'
        yield ""


def tensor_unary() -> Iterator[str]:
    for name, facade, prim in facades():
        if facade.rule != "unary" or prim is None:
            continue
        family = family_of(prim)
        if facade.method:
            yield f"    def {name}(self) -> Tensor[*Shape]:"
            yield from body(facade, family, name, "self", "    ")
            if facade.operator is not None:
                yield ""
                yield f"    {facade.operator} = {name}"
        elif facade.operator is not None:
            yield f"    def {facade.operator}(self) -> Tensor[*Shape]:"
            yield from body(facade, family, name, "self", "    ")
        yield ""


def tensor_reductions() -> Iterator[str]:
    for name, facade, prim in facades():
        if facade.rule == "reduction":
            rule, impl = with_extra(REDUCTION_RULE, facade.extra), REDUCTION_IMPL
            call = "self, axis=axis, keepdims=keepdims"
            if facade.extra:
                impl = with_extra([impl], facade.extra)[0]
                names = [part.split(":")[0].strip() for part in facade.extra.split(",")]
                call = ", ".join(["self, axis, keepdims", *names]) if facade.impl else call
        elif facade.rule == "index":
            rule, impl, call = INDEX_RULE, INDEX_IMPL, "self, axis=axis, keepdims=False"
        else:
            continue
        family = "reduce" if prim is None else family_of(prim)
        yield from overloads(name, rule, "    ")
        self_type, params, result = impl
        # **pytorch catches PyTorch's keywords (dim=, keepdim=) at run time only: the
        # overloads above take none, so the checkers still refuse them.
        yield from signature(
            name,
            *_params_result((self_type, f"{params}, **pytorch: object", result)),
            "    ",
            stub=False,
        )
        lines = body(facade, family, name, call, "    ")
        guard = ["        if pytorch:", f'            refuse_keywords("{name}", pytorch)']
        yield from lines[:-1] + guard + lines[-1:]
        yield ""


def free_functions() -> Iterator[str]:
    for name, facade, prim in facades():
        if not facade.function or prim is None:
            continue
        family = family_of(prim)
        if facade.rule == "unary":
            yield f"def {name}(x: Tensor[*S]) -> Tensor[*S]:"
            yield from body(facade, family, name, "x", "")
        elif facade.rule == "binary":
            yield from overloads(name, BINARY_FUNCTION_RULE, "")
            yield from signature(name, *BINARY_FUNCTION_IMPL, "", stub=False)
            yield f'    """{facade.doc}"""'
            yield f'    expect_tensor("{name}", x)'
            yield f"    return binary({family}.{name}, x, y)"
        yield ""
        yield ""


def function_names() -> list[str]:
    """Every public function of ``_free_functions``: generated or written there by hand."""
    import stag._free_functions as module

    generated = [name for name, facade, _ in facades() if facade.function]
    by_hand = [
        name
        for name, value in vars(module).items()
        if callable(value)
        and getattr(value, "__module__", "") == module.__name__
        and not name.startswith("_")
    ]
    return sorted(set(generated) | set(by_hand), key=_natural)


def _natural(name: str) -> list[str | int]:
    """isort's order: numbers in a name compare as numbers (log2 before log10)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def reexports() -> Iterator[str]:
    # sorted, and placed where isort puts stag._free_functions: ruff leaves the block alone
    for name in function_names():
        yield f"from stag._free_functions import {name} as {name}"


def readme_unary_row() -> Iterator[str]:
    names = " ".join([name for name, f, _ in facades() if f.rule == "unary"] + ["clip"])
    yield f"| unary (`{names}`) | shape kept | <!-- generated: unary rule -->"


def readme_function_row() -> Iterator[str]:
    names = ", ".join(f"`{name}`" for name in function_names())
    yield f"| `stag` functions | {names} | <!-- generated: functions -->"


# --------------------------------------------------------------------- the files
@dataclass(frozen=True)
class Section:
    path: str  # relative to the repository root
    name: str
    render: Callable[[], Iterator[str]]
    blank: int = 0  # blank lines after the text: ruff's spacing before the closing marker
    row: bool = False  # one README line carrying the marker, instead of a marked block

    def text(self) -> list[str]:
        lines = list(self.render())
        while lines and not lines[-1]:
            lines.pop()
        return lines + [""] * self.blank


SECTIONS = (
    Section("stag/_tensor.py", "operators", tensor_operators, blank=1),
    Section("stag/_tensor.py", "in-place operators", tensor_inplace, blank=1),
    Section("stag/_tensor.py", "unary methods", tensor_unary, blank=1),
    Section("stag/_tensor.py", "reductions", tensor_reductions, blank=1),
    Section("stag/_free_functions.py", "functions", free_functions, blank=2),
    Section("stag/__init__.py", "functions", reexports, blank=1),
    Section("README.md", "unary rule", readme_unary_row, row=True),
    Section("README.md", "functions", readme_function_row, row=True),
)


def fill(source: str, section: Section) -> str:
    """``source`` with ``section``'s generated text in place of what its markers hold."""
    lines = source.split("\n")
    if section.row:
        marker = f"<!-- generated: {section.name} -->"
        rows = [i for i, line in enumerate(lines) if marker in line]
        if len(rows) != 1:
            raise LookupError(f"{section.path}: expected one line with {marker}, found {len(rows)}")
        return "\n".join(lines[: rows[0]] + section.text() + lines[rows[0] + 1 :])
    start, end = _block(lines, section)
    return "\n".join(lines[: start + 1] + section.text() + lines[end:])


def _block(lines: list[str], section: Section) -> tuple[int, int]:
    opening, closing = f"# <generated: {section.name}>", f"# </generated: {section.name}>"
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(opening)]
    ends = [i for i, line in enumerate(lines) if line.strip() == closing]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise LookupError(f"{section.path}: expected one '{opening}' ... '{closing}' block")
    return starts[0], ends[0]


def generated_files() -> dict[str, tuple[str, str]]:
    """Each file with generated sections: (its text now, its text as generated)."""
    files: dict[str, tuple[str, str]] = {}
    for section in SECTIONS:
        path = ROOT / section.path
        current = files[section.path][1] if section.path in files else path.read_text()
        files[section.path] = (path.read_text(), fill(current, section))
    return files


def stale() -> list[str]:
    """A unified diff per file whose generated sections are out of date (empty: all fresh)."""
    diffs = []
    for path, (now, generated) in generated_files().items():
        if now != generated:
            lines = difflib.unified_diff(
                now.splitlines(), generated.splitlines(), path, f"{path} (generated)", lineterm=""
            )
            diffs.append("\n".join(lines))
    return diffs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stag._codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        diffs = stale()
        print("\n".join(diffs) or "generated sections are up to date")
        return 1 if diffs else 0
    for path, (now, generated) in generated_files().items():
        if now != generated:
            (ROOT / path).write_text(generated)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

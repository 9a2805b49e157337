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
import itertools
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
#
# Broadcasting (stag/_broadcasting.py has the rule and its reason): a shape that is a
# suffix of the other, and explicit size-1 dims on either side, broadcast; a rank
# promotion that also stretches a size-1 dim of the other operand does not.  The
# overloads state the common forms, both ways round: (left, right, result), ordered
# from the most specific; the mypy plugin computes every form on tensors of known rank.
SAME = "Tensor[*Shape]"
BROADCAST_RULE = [
    (SAME, "Tensor[*Shape] | Scalar", SAME),
    # a suffix: implicit leading dims (a bias, a (T, T) mask)
    ("Tensor[*B, N]", "Tensor[N]", "Tensor[*B, N]"),
    ("Tensor[N]", "Tensor[*B, N]", "Tensor[*B, N]"),
    ("Tensor[K, *B, M, N]", "Tensor[M, N]", "Tensor[K, *B, M, N]"),
    ("Tensor[M, N]", "Tensor[K, *B, M, N]", "Tensor[K, *B, M, N]"),
    # explicit size-1 dims, equal ranks: an outer product, a column, a row
    ("Tensor[*B, M, L1]", "Tensor[*B, L1, N]", "Tensor[*B, M, N]"),
    ("Tensor[*B, L1, N]", "Tensor[*B, M, L1]", "Tensor[*B, M, N]"),
    ("Tensor[M, L1, *S]", "Tensor[L1, N, *S]", "Tensor[M, N, *S]"),  # pairwise: x[:, None] - x
    ("Tensor[L1, N, *S]", "Tensor[M, L1, *S]", "Tensor[M, N, *S]"),
    ("Tensor[*B, N]", "Tensor[*B, L1]", "Tensor[*B, N]"),
    ("Tensor[*B, L1]", "Tensor[*B, N]", "Tensor[*B, N]"),
    ("Tensor[M, *S]", "Tensor[L1, *S]", "Tensor[M, *S]"),
    ("Tensor[L1, *S]", "Tensor[M, *S]", "Tensor[M, *S]"),
    # a 0-d tensor
    (SAME, "Tensor[()]", SAME),
    ("Tensor[()]", "Tensor[*S]", "Tensor[*S]"),
]
# The comparisons leave out the outer product: mypy checks `a < b` against `b > a` (each
# is the other's reflection) and cannot tell these forms from the column ones when the
# sizes are 1 ("unsafely overlapping").  The mypy plugin computes them.
OUTER = set(BROADCAST_RULE[5:9])
COMPARISONS = {"__lt__", "__le__", "__gt__", "__ge__"}


def operator_rule(dunder: str) -> list[tuple[str, str, str]]:
    rule = [e for e in BROADCAST_RULE if dunder not in COMPARISONS or e not in OUTER]
    return [("" if a == SAME else a, f"other: {b}", r) for a, b, r in rule]


OPERATOR_IMPL = ("", "other: Tensor[*AnyShape] | Scalar", "Tensor[*AnyShape]")
# == and != are elementwise: their overloads are not object's signature (mypy's override
# check), the one justified ignore of each.
OVERRIDES_OBJECT = {"__eq__", "__ne__"}
IGNORE_OVERRIDE = "  # type: ignore[override]  # elementwise, as in numpy and PyTorch"

REDUCTION_RULE = [
    ("", "axis: None = None, *, keepdims: Literal[False] = False", "Tensor[()]"),
    ("Tensor[*B, N]", "axis: Literal[-1], *, keepdims: Literal[False] = False", "Tensor[*B]"),
    ("Tensor[*B, N]", "axis: Literal[-1], *, keepdims: Literal[True]", "Tensor[*B, L1]"),
    ("Tensor[N, *B]", "axis: Literal[0], *, keepdims: Literal[False] = False", "Tensor[*B]"),
    ("Tensor[N, *B]", "axis: Literal[0], *, keepdims: Literal[True]", "Tensor[L1, *B]"),
    ("", "axis: Axis = None, *, keepdims: bool = False", "Tensor[*AnyShape]"),
]

INDEX_RULE = [
    ("", "axis: None = None", "Tensor[()]"),
    ("Tensor[*B, N]", "axis: Literal[-1]", "Tensor[*B]"),
    ("Tensor[N, *B]", "axis: Literal[0]", "Tensor[*B]"),
    ("", "axis: int | None = None", "Tensor[*AnyShape]"),
]

# As functions, the same shape comes last: mypy finds a first `x: Tensor[*Shape], y:
# Tensor[*Shape]` broader than every other form (it solves `*Shape` by joining).
BINARY_FUNCTION_RULE = [(f"x: {a}, y: {b}", r) for a, b, r in BROADCAST_RULE[1:]] + [
    (f"x: {a}, y: {b}", r) for a, b, r in BROADCAST_RULE[:1]
]
BINARY_FUNCTION_IMPL = ("x: Tensor[*AnyShape], y: Tensor[*AnyShape] | Scalar", "Tensor[*AnyShape]")

# Movement: `permute` of every order of 2, 3 and 4 axes; `swapaxes` (and PyTorch's
# two-axis `transpose`) of any two of the first four axes, or of the last three, under
# any number of other dims; `transpose()` reversing 2, 3 or 4 axes.  An order they
# leave out is `Tensor[*AnyShape]` (the mypy plugin computes it on a known rank).
DIMS = ("M", "K", "N", "P")


def _tensor(dims: Sequence[str]) -> str:
    return f"Tensor[{', '.join(dims)}]"


def _literals(names: Sequence[str], axes: Sequence[int]) -> str:
    return ", ".join(f"{name}: Literal[{axis}]" for name, axis in zip(names, axes, strict=True))


def permute_rule() -> list[tuple[str, str, str]]:
    rule = []
    for rank in (2, 3, 4):
        dims, names = DIMS[:rank], [f"a{i}" for i in range(rank)]
        for order in itertools.permutations(range(rank)):
            moved = [dims[axis] for axis in order]
            rule.append((_tensor(dims), _literals(names, order) + ", /", _tensor(moved)))
    return rule + [("", "*axes: int", "Tensor[*AnyShape]")]


def swap_rule(names: tuple[str, str], tail: str) -> list[tuple[str, str, str]]:
    """Overloads swapping two axes named by ``names``; ``tail`` ends the parameters."""
    rule = []
    for i, j in itertools.permutations(range(4), 2):  # leading axes, then *S
        dims = list(DIMS[: max(i, j) + 1])
        moved = dims.copy()
        moved[i], moved[j] = dims[j], dims[i]
        params = _literals(names, (i, j)) + tail
        rule.append((_tensor([*dims, "*S"]), params, _tensor([*moved, "*S"])))
    for i, j in itertools.permutations(range(1, 4), 2):  # *B, then trailing axes
        dims = list(DIMS[: max(i, j)])
        moved = dims.copy()
        moved[-i], moved[-j] = dims[-j], dims[-i]
        params = _literals(names, (-i, -j)) + tail
        rule.append((_tensor(["*B", *dims]), params, _tensor(["*B", *moved])))
    return rule


def transpose_rule() -> list[tuple[str, str, str]]:
    reversed_ = [(_tensor(DIMS[:r]), "", _tensor(DIMS[:r][::-1])) for r in (2, 3, 4)]
    every = ("", "", "Tensor[*AnyShape]")
    return [*reversed_, every, *swap_rule(("axis1", "axis2"), ", /"), ("", "*axes: int", every[2])]


def swapaxes_rule() -> list[tuple[str, str, str]]:
    return [*swap_rule(("axis1", "axis2"), ""), ("", "axis1: int, axis2: int", "Tensor[*AnyShape]")]


MOVEMENT = (
    ("transpose", transpose_rule, "*axes: int", "composites.transposed(self, axes)"),
    (
        "swapaxes",
        swapaxes_rule,
        "axis1: int, axis2: int",
        'composites.swapped(self, "swapaxes", axis1, axis2)',
    ),
    ("permute", permute_rule, "*axes: int", "composites.permuted(self, axes)"),
)
MOVEMENT_DOCS = {
    "transpose": "All axes reversed (numpy's ``x.transpose()``), or two swapped "
    "(PyTorch's ``x.transpose(1, 2)``, as ``swapaxes``).",
    "swapaxes": "Axes ``axis1`` and ``axis2`` exchanged.",
    "permute": "Axes reordered: axis ``i`` of the result is axis ``axes[i]`` of ``self``.",
}

_INPLACE_SYMBOLS = {"__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/="}


# ---------------------------------------------------------------------- rendering
def signature(name: str, params: str, result: str, indent: str, stub: bool) -> list[str]:
    """``def name(params) -> result:`` on one line when it fits, else wrapped as ruff does."""
    tail = " ..." if stub else ""
    line = f"{indent}def {name}({params}) -> {result}:{tail}"
    if len(line) <= WIDTH:
        return [line]
    return [f"{indent}def {name}(", f"{indent}    {params}", f"{indent}) -> {result}:{tail}"]


def overloads(
    name: str, rule: Sequence[tuple[str, ...]], indent: str, first: str = ""
) -> list[str]:
    """One ``@overload`` stub per rule entry; ``first`` trails the first decorator."""
    lines: list[str] = []
    for entry in rule:
        lines.append(f"{indent}@overload{'' if lines else first}")
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
        ignore = IGNORE_OVERRIDE if facade.operator in OVERRIDES_OBJECT else ""
        yield from overloads(facade.operator, operator_rule(facade.operator), "    ", ignore)
        yield from signature(facade.operator, *_params_result(OPERATOR_IMPL), "    ", stub=False)
        yield f"        return binary({family}.{name}, self, other)"
        yield ""
        if facade.reflected is not None:
            yield f"    def {facade.reflected}(self, other: Scalar) -> Tensor[*Shape]:"
            constant = f'scalar_constant(other, self, "{name}")'
            yield f"        return binary({family}.{name}, {constant}, self)"
            yield ""


def tensor_movement() -> Iterator[str]:
    for name, rule, params, call in MOVEMENT:
        yield from overloads(name, rule(), "    ")
        yield from signature(name, f"self, {params}", "Tensor[*AnyShape]", "    ", stub=False)
        yield f'        """{MOVEMENT_DOCS[name]}"""'
        yield f"        return {call}"
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
            rule = with_extra(REDUCTION_RULE, facade.extra)
            call = "self, axis=axis, keepdims=keepdims"
            if facade.extra:
                names = [part.split(":")[0].strip() for part in facade.extra.split(",")]
                call = ", ".join(["self, axis, keepdims", *names]) if facade.impl else call
        elif facade.rule == "index":
            rule, call = INDEX_RULE, "self, axis=axis, keepdims=False"
        else:
            continue
        family = "reduce" if prim is None else family_of(prim)
        yield from overloads(name, rule, "    ")
        self_type, params, result = rule[-1]  # the last overload, any axis, is the implementation
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
    Section("stag/_tensor.py", "movement", tensor_movement, blank=1),
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

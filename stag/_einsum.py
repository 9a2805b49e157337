"""``stag.einsum``: Einstein summation, and the subscript grammar it shares with the plugin.

A subscript string is read in three steps, each usable without the others:
``parse`` checks the string alone (its letters, ``->``, one ``...`` per term) against
the operand count; ``expand`` gives every dim a letter of its own once the operands'
ranks are known (the ``...`` dims get letters the string does not use, right-aligned
as numpy broadcasts them); ``bind`` gives each letter its size, or reports the first
letter bound to two sizes.  The run-time function binds ints; the mypy plugin
(``stag.mypy_plugin._einsum``) binds the dims of the operands' types with the same
code, so both read a string the same way.
"""

from __future__ import annotations

import operator
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from stag._dims import AnyShape
from stag._errors import ShapeError
from stag._operands import expect_tensor, promote
from stag._ops import linalg
from stag._tensor import Tensor, apply

ELLIPSIS = "..."
_LETTERS = string.ascii_letters  # numpy's labels: 52 in all
D = TypeVar("D")

Term = tuple[str, ...]  # letters, and at most one ELLIPSIS


@dataclass(frozen=True)
class Subscripts:
    """A subscript string split into terms; ``output`` is None when the string has no ``->``."""

    inputs: tuple[Term, ...]
    output: Term | None


@dataclass(frozen=True)
class Equation:
    """One letter per dim of every operand and of the result (no ``...`` left).

    ``ellipsis`` holds the letters that stand for the broadcast ``...`` dims.
    """

    inputs: tuple[str, ...]
    output: str
    ellipsis: str


# --- the string alone ------------------------------------------------------------------


def _term(text: str, where: str) -> Term:
    """The letters and ``...`` of one term; a ValueError for anything else."""
    tokens: list[str] = []
    rest = text.replace(" ", "")
    while rest:
        if rest.startswith(ELLIPSIS):
            tokens.append(ELLIPSIS)
            rest = rest[3:]
        elif rest[0] in _LETTERS:
            tokens.append(rest[0])
            rest = rest[1:]
        else:
            bad = "a '.' that is not part of '...'" if rest[0] == "." else repr(rest[0])
            raise ValueError(
                f"einsum: {bad} in the subscripts of {where}; subscripts are letters and '...'"
            )
    if tokens.count(ELLIPSIS) > 1:
        raise ValueError(f"einsum: more than one '...' in the subscripts of {where}")
    return tuple(tokens)


def _check_output(output: Term, inputs: tuple[Term, ...]) -> None:
    seen = {letter for term in inputs for letter in term}
    for letter, count in Counter(output).items():
        if count > 1:
            raise ValueError(f"einsum: the output names {letter!r} more than once")
        if letter not in seen and letter != ELLIPSIS:
            raise ValueError(f"einsum: the output's {letter!r} is in no operand's subscripts")


def parse(subscripts: str, count: int) -> Subscripts:
    """Check ``subscripts`` for ``count`` operands; a ValueError names what is wrong."""
    left, arrow, right = subscripts.partition("->")
    texts = left.split(",")
    if len(texts) != count:
        raise ValueError(
            f"einsum: {subscripts!r} has subscripts for {len(texts)} operand"
            f"{'s' * (len(texts) != 1)}, got {count}"
        )
    inputs = tuple(_term(text, f"operand {i}") for i, text in enumerate(texts))
    if not arrow:
        return Subscripts(inputs, None)
    if "," in right:
        raise ValueError(f"einsum: {subscripts!r} has more than one output (a ',' after '->')")
    output = _term(right, "the output")
    _check_output(output, inputs)
    return Subscripts(inputs, output)


# --- with the operands' ranks ----------------------------------------------------------


def _ellipsis_rank(term: Term, rank: int, operand: int) -> int:
    """How many dims the term's ``...`` stands for (0 without one)."""
    letters = len(term) - (ELLIPSIS in term)
    if rank < letters or (ELLIPSIS not in term and rank != letters):
        raise ShapeError(
            f"einsum: operand {operand} has {rank} dim{'s' * (rank != 1)} but its subscripts "
            f"{''.join(term)!r} name {letters}"
        )
    return rank - letters


def _spelled(term: Term, fresh: str) -> str:
    """The term with its ``...`` spelled as the last ``len(fresh)`` fresh letters."""
    return "".join(fresh if token == ELLIPSIS else token for token in term)


def _implicit_output(inputs: tuple[Term, ...], fresh: str) -> str:
    # numpy's rule: the '...' dims, then the letters used once, in alphabetical order
    counts = Counter(letter for term in inputs for letter in term if letter != ELLIPSIS)
    return fresh + "".join(sorted(letter for letter, n in counts.items() if n == 1))


def expand(subscripts: Subscripts, ranks: Sequence[int]) -> Equation:
    """One letter per dim, for operands of these ranks (a ShapeError when one differs)."""
    dots = [_ellipsis_rank(t, r, i) for i, (t, r) in enumerate(zip(subscripts.inputs, ranks))]
    used = {letter for term in subscripts.inputs for letter in term}
    spare = [letter for letter in _LETTERS if letter not in used]
    width = max(dots, default=0)
    if width > len(spare):
        raise ValueError("einsum: too many dims: numpy's einsum names at most 52")
    fresh = "".join(spare[:width])
    inputs = tuple(_spelled(t, fresh[width - n :]) for t, n in zip(subscripts.inputs, dots))
    if subscripts.output is None:
        return Equation(inputs, _implicit_output(subscripts.inputs, fresh), fresh)
    if width and ELLIPSIS not in subscripts.output:
        raise ShapeError(
            f"einsum: the output {''.join(subscripts.output)!r} has no '...' for the "
            f"{width} dim{'s' * (width != 1)} the operands' '...' stand for"
        )
    return Equation(inputs, _spelled(subscripts.output, fresh), fresh)


# --- with the operands' dims -----------------------------------------------------------


@dataclass(frozen=True)
class Site(Generic[D]):
    """Where a letter got a dim: operand ``operand``, dim ``axis``."""

    operand: int
    axis: int
    dim: D


@dataclass(frozen=True)
class Conflict(Generic[D]):
    """A letter bound to two dims that cannot both hold."""

    letter: str
    first: Site[D]
    second: Site[D]


def bind(
    equation: Equation,
    shapes: Sequence[Sequence[D]],
    same: Callable[[D, D], bool],
    broadcast: Callable[[D, D], D | None],
) -> dict[str, D] | Conflict[D]:
    """Each letter's dim, or the first conflict.

    A letter repeated within one operand needs ``same`` dims there; across operands
    its dims ``broadcast`` (numpy's rule: equal, or one of them 1), None meaning they
    cannot.
    """
    bound: dict[str, Site[D]] = {}
    for operand, (term, shape) in enumerate(zip(equation.inputs, shapes)):
        local: dict[str, Site[D]] = {}
        for axis, (letter, dim) in enumerate(zip(term, shape)):
            site = Site(operand, axis, dim)
            first = local.setdefault(letter, site)
            if not same(first.dim, dim):
                return Conflict(letter, first, site)
            local[letter] = _kept(first, site, broadcast(first.dim, dim))
        for letter, site in local.items():
            earlier = bound.setdefault(letter, site)
            merged = broadcast(earlier.dim, site.dim)
            if merged is None:
                return Conflict(letter, earlier, site)
            bound[letter] = _kept(earlier, site, merged)
    return {letter: site.dim for letter, site in bound.items()}


def _kept(earlier: Site[D], later: Site[D], merged: D | None) -> Site[D]:
    """The site whose dim the merge kept (the earlier one when both are alike)."""
    return earlier if merged is None or merged == earlier.dim else later


def conflict_subject(conflict: Conflict[D], equation: Equation, quote: str = "'") -> str:
    """``letter 'j'``, or ``a '...' dim`` for a letter that stands for one."""
    if conflict.letter in equation.ellipsis:
        return f"a {quote}...{quote} dim"
    return f"letter {quote}{conflict.letter}{quote}"


# --- the function ----------------------------------------------------------------------


def _broadcast_size(a: int, b: int) -> int | None:
    return a if b == 1 else b if a == 1 or a == b else None


def _check(equation: Equation, operands: Sequence[Tensor[*AnyShape]]) -> None:
    found = bind(equation, [t.shape for t in operands], operator.eq, _broadcast_size)
    if isinstance(found, Conflict):
        first, second = found.first, found.second
        raise ShapeError(
            f"einsum: {conflict_subject(found, equation)} is {first.dim} in operand "
            f"{first.operand} (dim {first.axis}) but {second.dim} in operand "
            f"{second.operand} (dim {second.axis})"
        )


def einsum(subscripts: str, *operands: Tensor[*AnyShape]) -> Tensor[*AnyShape]:
    """Einstein summation over the operands' dims, as ``np.einsum``, with a gradient for each.

    ``einsum("bij,bjk->bik", a, b)`` is a batched matrix product; every subscript
    string numpy accepts works (implicit output, ``...``, repeated letters).

    **Arguments:**
    - ``subscripts``: one term of letters per operand, ``,``-separated, and optionally
      ``->`` and the output's letters.
    - ``operands``: the tensors, one per term.

    **Returns:** ``Tensor[*AnyShape]``; with stag's mypy plugin and a literal
    ``subscripts``, the output's dims taken from the operands' types.
    """
    expect_tensor("einsum", *operands)
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a str, got {type(subscripts).__name__}")
    if not operands:
        raise ValueError("einsum: expected at least one tensor, got none")
    equation = expand(parse(subscripts, len(operands)), [t.ndim for t in operands])
    _check(equation, operands)
    tensors = promote("einsum", operands)
    return apply(linalg.einsum, *tensors, inputs=equation.inputs, output=equation.output)

"""stag.einsum: every subscript string numpy accepts, its values, gradients and errors.

The cases are drawn: one to three operands, letters repeated within an operand
(traces, diagonals), letters summed within one operand, `...` with broadcasting, size-1
dims that broadcast against a letter's size, implicit and explicit outputs.  Values are
checked against `np.einsum` and `torch.einsum`, gradients by finite differences and
against torch's autograd; both of numpy's paths (plain loops, and `optimize=True` above
`OPTIMIZE_FROM`) are run.
"""

from __future__ import annotations

import contextlib
from unittest import mock

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats
from hypothesis import given
from hypothesis import strategies as st

import stag
from stag._ops import linalg

# an upper-case letter: the implicit output puts it first, as numpy orders letters
LETTERS = "abcdB"


@st.composite
def equations(draw: st.DrawFn) -> tuple[str, list[tuple[int, ...]]]:
    """A subscript string numpy accepts, and its operands' shapes."""
    sizes = {c: draw(st.integers(1, 3)) for c in LETTERS}
    dots = draw(st.lists(st.integers(1, 3), max_size=2))  # the '...' dims once broadcast
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, 3))):
        term, shape = _term(draw, sizes, dots)
        terms.append(term)
        shapes.append(shape)
    return ",".join(terms) + _output(draw, terms), shapes


def _term(draw: st.DrawFn, sizes: dict[str, int], dots: list[int]) -> tuple[str, tuple[int, ...]]:
    letters = draw(st.lists(st.sampled_from(LETTERS), max_size=3))
    # a letter's size, or 1 (broadcast); a repeated letter has one size in its operand
    own = {c: draw(st.sampled_from([sizes[c], 1])) for c in dict.fromkeys(letters)}
    tokens, shape = list(letters), [own[c] for c in letters]
    if draw(st.booleans()):
        tail = dots[len(dots) - draw(st.integers(0, len(dots))) :]
        at = draw(st.integers(0, len(tokens)))
        tokens.insert(at, "...")
        shape[at:at] = [draw(st.sampled_from([n, 1])) for n in tail]
    return "".join(tokens), tuple(shape)


def _output(draw: st.DrawFn, terms: list[str]) -> str:
    if draw(st.booleans()):
        return ""  # implicit
    used = list(dict.fromkeys(c for t in terms for c in t.replace("...", "")))
    kept = draw(st.permutations(used))[: draw(st.integers(0, len(used)))]
    if any("..." in t for t in terms) or draw(st.booleans()):
        kept.insert(draw(st.integers(0, len(kept))), "...")
    return "->" + "".join(kept)


def einsum_case(data):
    """The registry's gradcheck case (tests/test_primitive_registry.py)."""
    subscripts, shapes = data.draw(equations())
    arrays = [data.draw(floats(s)) for s in shapes]
    return (lambda *ts: stag.einsum(subscripts, *ts)), arrays


@contextlib.contextmanager
def numpy_path(optimized: bool):
    """Every einsum through np.einsum's optimize=True (or through its plain loops)."""
    with mock.patch.object(linalg, "OPTIMIZE_FROM", 0 if optimized else 2**62):
        yield


def _tensors(arrays, requires_grad=False):
    return [stag.tensor(a, dtype=np.float64, requires_grad=requires_grad) for a in arrays]


# --- values and gradients on drawn cases ---------------------------------------------


@pytest.mark.parametrize("optimized", [False, True], ids=["loops", "optimize"])
@FAST
@given(data=st.data())
def test_values_match_numpy(optimized, data):
    subscripts, shapes = data.draw(equations())
    arrays = [data.draw(floats(s)) for s in shapes]
    with numpy_path(optimized):
        out = stag.einsum(subscripts, *_tensors(arrays))
    expected = np.einsum(subscripts, *arrays)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("optimized", [False, True], ids=["loops", "optimize"])
@FAST
@given(data=st.data())
def test_gradients_match_finite_differences(optimized, data):
    fn, arrays = einsum_case(data)
    with numpy_path(optimized):
        check_grads(fn, *arrays, rtol=1e-4)


@FAST
@given(data=st.data())
def test_values_and_gradients_match_torch(data):
    torch = pytest.importorskip("torch")
    subscripts, shapes = data.draw(equations())
    arrays = [data.draw(floats(s)) for s in shapes]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = torch.einsum(subscripts, *theirs)
    ours = _tensors(arrays, requires_grad=True)
    out = stag.einsum(subscripts, *ours)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * stag.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    for mine, theirs_leaf in zip(ours, theirs, strict=True):
        assert mine.grad is not None
        np.testing.assert_allclose(mine.grad.numpy(), theirs_leaf.grad.numpy(), atol=1e-12)


@FAST
@given(data=st.data())
def test_only_the_operands_that_require_grad_get_one(data):
    subscripts, shapes = data.draw(equations())
    arrays = [data.draw(floats(s)) for s in shapes]
    wanted = [data.draw(st.booleans()) for _ in arrays]
    tensors = [stag.tensor(a, dtype=np.float64, requires_grad=r) for a, r in zip(arrays, wanted)]
    out = stag.einsum(subscripts, *tensors)
    if out.requires_grad:
        out.sum().backward()
    for t, r in zip(tensors, wanted, strict=True):
        assert (t.grad is not None) == r
        if r:
            assert t.grad is not None and t.grad.shape == t.shape


# --- the named forms -------------------------------------------------------------------

RNG = np.random.default_rng(7)
FORMS = {
    "attention scores": ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    "attention values": ("bhqk,bhkd->bhqd", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    "matmul": ("ij,jk->ik", [(3, 4), (4, 5)]),
    "matmul implicit": ("ij,jk", [(3, 4), (4, 5)]),
    "batched matmul": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    "outer product": ("i,j->ij", [(3,), (4,)]),
    "dot product": ("i,i", [(5,)] * 2),
    "trace": ("ii", [(4, 4)]),
    "diagonal": ("ii->i", [(4, 4)]),
    "batch diagonal": ("...ii->...i", [(2, 3, 4, 4)]),
    "transpose": ("ij->ji", [(3, 4)]),
    "sum": ("ij->", [(3, 4)]),
    "row sums": ("ij->i", [(3, 4)]),
    "bilinear form": ("i,ij,j->", [(3,), (3, 4), (4,)]),
    "chain of three": ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    "broadcast batch": ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    "spaces": ("b i j , b j k -> b i k", [(2, 3, 4), (2, 4, 5)]),
    "0-d operands": (",->", [(), ()]),
}


@pytest.mark.parametrize("form", FORMS)
def test_named_forms_match_numpy_and_their_gradients_check(form):
    subscripts, shapes = FORMS[form]
    arrays = [RNG.standard_normal(s) for s in shapes]
    out = check_grads(lambda *ts: stag.einsum(subscripts, *ts), *arrays)
    np.testing.assert_allclose(out.numpy(), np.einsum(subscripts, *arrays), rtol=1e-12)


def test_attention_is_the_matmul_it_spells():
    q, k = (stag.tensor(RNG.standard_normal((2, 3, 4, 5))) for _ in range(2))
    scores = stag.einsum("bhqd,bhkd->bhqk", q, k)
    np.testing.assert_allclose(scores.numpy(), (q @ k.swapaxes(-1, -2)).numpy(), rtol=1e-12)


def test_float32_stays_float32_and_ints_meet_floats_as_elsewhere():
    x32 = stag.ones(2, 3)
    assert stag.einsum("ij->j", x32).dtype == np.float32
    ints = stag.tensor(np.arange(6).reshape(2, 3))
    assert stag.einsum("ij,ij->", ints, x32).dtype == np.float32
    with pytest.raises(stag.DTypeError, match="einsum"):
        stag.einsum("ij,ij->", x32, stag.ones(2, 3, dtype=np.float64))


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subscripts", "shapes", "message"),
    [
        (
            "bij,bjk->bik",
            [(2, 5, 3), (2, 4, 6)],
            "einsum: letter 'j' is 3 in operand 0 (dim 2) but 4 in operand 1 (dim 1)",
        ),
        ("ii", [(3, 4)], "einsum: letter 'i' is 3 in operand 0 (dim 0) but 4 in operand 0 (dim 1)"),
        ("ii", [(3, 1)], "einsum: letter 'i' is 3 in operand 0 (dim 0) but 1 in operand 0 (dim 1)"),
        (
            "...i,...i",
            [(2, 3), (4, 3)],
            "einsum: a '...' dim is 2 in operand 0 (dim 0) but 4 in operand 1 (dim 0)",
        ),
        ("ijk", [(2, 3)], "einsum: operand 0 has 2 dims but its subscripts 'ijk' name 3"),
        ("i...j", [(2,)], "einsum: operand 0 has 1 dim but its subscripts 'i...j' name 2"),
        ("...i->i", [(2, 3)], "einsum: the output 'i' has no '...' for the 1 dim"),
    ],
)
def test_a_shape_that_does_not_fit_is_a_shape_error_naming_the_letter(subscripts, shapes, message):
    with pytest.raises(stag.ShapeError) as info:
        stag.einsum(subscripts, *(stag.zeros(*s) for s in shapes))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("subscripts", "count", "message"),
    [
        ("ij,jk", 1, "einsum: 'ij,jk' has subscripts for 2 operands, got 1"),
        ("ij", 2, "einsum: 'ij' has subscripts for 1 operand, got 2"),
        ("i.j", 1, "einsum: a '.' that is not part of '...' in the subscripts of operand 0"),
        ("i1", 1, "einsum: '1' in the subscripts of operand 0"),
        ("i->i->i", 1, "einsum: '-' in the subscripts of the output"),
        ("ij-", 1, "einsum: '-' in the subscripts of operand 0"),
        ("...i...", 1, "einsum: more than one '...' in the subscripts of operand 0"),
        ("i->ii", 1, "einsum: the output names 'i' more than once"),
        ("i->j", 1, "einsum: the output's 'j' is in no operand's subscripts"),
        ("i,j->i,j", 2, "einsum: 'i,j->i,j' has more than one output"),
    ],
)
def test_a_malformed_string_is_a_value_error(subscripts, count, message):
    with pytest.raises(ValueError) as info:
        stag.einsum(subscripts, *(stag.zeros(2) for _ in range(count)))
    assert type(info.value) is ValueError
    assert str(info.value).startswith(message)


def test_no_operands_and_non_tensors_are_refused():
    with pytest.raises(ValueError, match="einsum: expected at least one tensor"):
        stag.einsum("")
    with pytest.raises(TypeError, match=r"einsum: .*wrap it with stag\.tensor"):
        stag.einsum("ij", np.ones((2, 2)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="einsum: subscripts must be a str"):
        stag.einsum(["i"], stag.ones(2))  # type: ignore[arg-type]


TOKENS = ["a", "b", "c", "...", ".", ",", "->", "-", ">", " ", "1", "A"]


@FAST
@given(
    text=st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
    shapes=st.lists(st.lists(st.integers(1, 2), max_size=3).map(tuple), min_size=1, max_size=2),
)
def test_any_string_is_numpys_result_or_an_einsum_error(text, shapes):
    arrays = [np.arange(1.0, 1.0 + np.prod(s)).reshape(s) for s in shapes]
    try:
        expected = np.einsum(text, *arrays)
    except ValueError:
        with pytest.raises(ValueError, match="^einsum: "):
            stag.einsum(text, *_tensors(arrays))
        return
    np.testing.assert_allclose(stag.einsum(text, *_tensors(arrays)).numpy(), expected)

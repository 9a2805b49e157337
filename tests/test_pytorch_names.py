"""PyTorch's idioms fail with stag's spelling in the message (the checkers reject them
too: typecheck_tests/fail/pytorch_names.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

import stag
from stag import Tensor, nn
from stag._pytorch_names import (
    DATA,
    LR_SCHEDULER,
    MODULE_ATTRIBUTES,
    NN_FUNCTIONAL,
    NN_INIT,
    NN_MODULES,
    STAG_FUNCTIONS,
    TENSOR_ATTRIBUTES,
)
from stag.nn import functional as F


def x() -> Tensor[int, int]:
    return stag.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4))


@pytest.mark.parametrize("name", sorted(TENSOR_ATTRIBUTES))
def test_a_pytorch_tensor_attribute_names_stags_spelling(name: str) -> None:
    with pytest.raises(AttributeError) as error:
        getattr(x(), name)
    assert str(error.value) == (
        f"Tensor has no attribute {name!r} (PyTorch's); write {TENSOR_ATTRIBUTES[name]}"
    )
    assert not hasattr(x(), name)  # duck-typing code sees no such attribute


def test_the_table_shadows_no_attribute_of_tensor() -> None:
    # A name of the table that Tensor has (size, T, ...) keeps its meaning.
    for name in TENSOR_ATTRIBUTES:
        refusal = Tensor.__dict__.get(name)
        assert isinstance(refusal, property) and refusal.fget is not None
        assert refusal.fget.__qualname__ == "refusal.<locals>.refuse", name


def test_other_missing_attributes_keep_pythons_error() -> None:
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute 'frobnicate'$"):
        x().frobnicate  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize(
    ("module", "owner", "table"),
    [
        (stag, "module stag", STAG_FUNCTIONS),
        (nn, "module stag.nn", NN_MODULES),
        (F, "module stag.nn.functional", NN_FUNCTIONAL),
        (stag.data, "module stag.data", DATA),
        (nn.init, "module stag.nn.init", NN_INIT),
        (stag.optim.lr_scheduler, "module stag.optim.lr_scheduler", LR_SCHEDULER),
    ],
)
def test_a_pytorch_function_or_layer_names_stags_spelling(
    module: object, owner: str, table: dict[str, str]
) -> None:
    for name, hint in table.items():
        assert not hasattr(module, name), f"{owner}.{name} exists: drop it from the table"
        with pytest.raises(AttributeError) as error:
            getattr(module, name)
        assert str(error.value) == f"{owner} has no attribute {name!r} (PyTorch's); write {hint}"
    with pytest.raises(AttributeError, match=rf"^{owner} has no attribute 'frobnicate'$"):
        getattr(module, "frobnicate")  # noqa: B009


def test_size_is_the_element_count_and_calling_it_says_shape() -> None:
    t = x()
    assert t.size == 12 and isinstance(t.size, int)
    with pytest.raises(TypeError, match=re.escape("write x.shape, or x.shape[axis]")):
        t.size()  # type: ignore[operator]
    with pytest.raises(TypeError, match=re.escape("not PyTorch's size()")):
        t.size(0)  # type: ignore[operator]


KEYWORD_CALLS: dict[str, Callable[[Tensor[int, int]], object]] = {
    "sum": lambda t: t.sum(dim=1),  # type: ignore[call-overload]
    "mean": lambda t: t.mean(1, keepdim=True),  # type: ignore[call-overload]
    "max": lambda t: t.max(dim=0),  # type: ignore[call-overload]
    "argmax": lambda t: t.argmax(dim=-1),  # type: ignore[call-overload]
    "var": lambda t: t.var(unbiased=False),  # type: ignore[call-overload]
    "std": lambda t: t.std(dim=0),  # type: ignore[call-overload]
    "softmax": lambda t: F.softmax(t, dim=-1),  # type: ignore[arg-type]
    "log_softmax": lambda t: F.log_softmax(t, dim=-1),  # type: ignore[arg-type]
    "logsumexp": lambda t: F.logsumexp(t, dim=-1),  # type: ignore[call-overload]
    "stack": lambda t: stag.stack([t, t], dim=0),  # type: ignore[call-overload]
    "concat": lambda t: stag.concat([t, t], dim=1),  # type: ignore[call-overload]
}


@pytest.mark.parametrize("op", sorted(KEYWORD_CALLS))
def test_pytorchs_keywords_name_numpys(op: str) -> None:
    with pytest.raises(TypeError) as error:
        KEYWORD_CALLS[op](x())
    message = str(error.value)
    assert message.startswith(f"{op}() got unexpected keyword argument(s) ")
    assert (
        "(PyTorch's; stag's is axis)" in message
        or "stag's is keepdims" in message
        or ("stag's is ddof" in message)
    )


def test_an_unknown_keyword_is_named_without_a_hint() -> None:
    with pytest.raises(TypeError, match=r"^sum\(\) got unexpected keyword argument\(s\) 'axes'$"):
        x().sum(axes=1)  # type: ignore[call-overload]


def test_a_pytorch_module_method_names_stags_spelling() -> None:
    model = nn.Linear(2, 3)
    for name, hint in MODULE_ATTRIBUTES.items():
        assert not hasattr(nn.Module, name), f"Module.{name} exists: drop it from the table"
        with pytest.raises(AttributeError) as error:
            getattr(model, name)
        assert str(error.value) == (
            f"'Linear' object has no attribute {name!r} (PyTorch's); write {hint}"
        )
    with pytest.raises(AttributeError, match=r"^'Linear' object has no attribute 'frobnicate'$"):
        model.frobnicate  # type: ignore[attr-defined]  # noqa: B018


def test_softmax_modules_dim_names_axis() -> None:
    with pytest.raises(TypeError) as error:
        nn.Softmax(dim=1)  # type: ignore[arg-type]
    assert str(error.value) == (
        "Softmax() got unexpected keyword argument(s) 'dim' (PyTorch's; stag's is axis)"
    )


def test_squeeze_without_an_axis_says_to_name_it() -> None:
    with pytest.raises(TypeError) as info:
        stag.zeros(2, 1).squeeze()  # type: ignore[call-arg]
    assert str(info.value) == (
        "squeeze: name the axis, x.squeeze(axis): the static shape must know which size-1 "
        "dim goes (PyTorch's squeeze() drops every one)"
    )


def test_stags_spellings_give_pytorchs_values() -> None:
    t = x()
    assert np.array_equal(t.sum(axis=1).numpy(), t.numpy().sum(1))
    assert F.softmax(t, axis=-1).shape == (3, 4)
    assert stag.concat([t, t], axis=1).shape == (3, 8)
    # the hints for flip, isnan, logsumexp, dot, outer, trace and t()
    a = t.numpy()
    assert np.array_equal(t[::-1].numpy(), np.flip(a, 0))
    assert np.array_equal(t[:, ::-1].numpy(), np.flip(a, 1))
    nan = stag.tensor(np.array([1.0, np.nan]))
    assert (nan != nan).numpy().tolist() == [False, True]  # noqa: PLR0124  # the hint itself
    expected = np.log(np.exp(a).sum(-1))
    np.testing.assert_allclose(F.logsumexp(t, axis=-1).numpy(), expected, rtol=1e-6)
    v = t[0]
    np.testing.assert_allclose((v @ v).item(), a[0] @ a[0], rtol=1e-6)
    np.testing.assert_allclose((v[:, None] * v[None, :]).numpy(), np.outer(a[0], a[0]))
    square = t[:, :3]
    np.testing.assert_allclose(stag.einsum("ii->", square).item(), np.trace(a[:, :3]), rtol=1e-6)
    assert np.array_equal(t.T.numpy(), a.T)

"""Run-time shape checking: ``@stag.shapecheck`` and ``stag.install_import_hook``.

Every violation kind is pinned with its exact message; the annotations here are
evaluated ones (no ``from __future__ import annotations``); the import-hook package
``shapecheck_pkg`` covers string annotations.
"""

import asyncio
import importlib
import inspect
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Generic, Literal, NewType, TypeVar

import numpy as np
import pytest
from beartype.roar import BeartypeCallHintParamViolation, BeartypeCallHintReturnViolation
from jaxtyping import Float
from typing_extensions import TypeVarTuple, Unpack

import stag
from stag import AnyShape, DTypeError, Dyn, ShapeError, Tensor

ROOT = Path(__file__).resolve().parent.parent

B = TypeVarTuple("B")
In = TypeVar("In")
Out = TypeVar("Out")
N = TypeVar("N")
I = TypeVar("I")  # the input dim of Linear[I, O]
O = TypeVar("O")
Batch = NewType("Batch", int)
Hidden = NewType("Hidden", int)
L3 = Literal[3]
L784 = Literal[784]


@stag.shapecheck
def layer(x: Tensor[*B, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[*B, Out]:
    return x @ w + b


def raises(exc: type[Exception], message: str) -> Any:
    """``pytest.raises`` matching the whole message, literally."""
    return pytest.raises(exc, match=f"^{__import__('re').escape(message)}$")


# ------------------------------------------------------------------ the brief's example
def test_matching_shapes_pass_and_the_result_is_the_functions() -> None:
    out = layer(stag.randn(32, 784), stag.randn(784, 10), stag.randn(10))
    assert out.shape == (32, 10)


def test_a_dim_bound_by_an_earlier_argument_names_who_bound_it() -> None:
    with raises(
        ShapeError,
        "layer(): parameter b has shape (11,), expected Tensor[Out]; "
        "Out=10 was bound by w (784, 10)",
    ):
        layer(stag.randn(32, 784), stag.randn(784, 10), stag.randn(11))


def test_the_variadic_prefix_is_bound_once_for_the_call() -> None:
    @stag.shapecheck
    def add(x: Tensor[*B, N], y: Tensor[*B, N]) -> Tensor[*B, N]:
        return x + y

    assert add(stag.zeros(2, 5, 3), stag.zeros(2, 5, 3)).shape == (2, 5, 3)
    with raises(
        ShapeError,
        "add(): parameter y has shape (4, 5, 3), expected Tensor[*B, N]; "
        "*B=(2, 5) was bound by x (2, 5, 3)",
    ):
        add(stag.zeros(2, 5, 3), stag.zeros(4, 5, 3))


def test_unpack_spelling_is_the_same_as_the_star() -> None:
    @stag.shapecheck
    def f(x: Tensor[Unpack[B], N], y: Tensor[Unpack[B]]) -> None:  # noqa: UP044  # the old spelling
        pass

    f(stag.zeros(2, 3), stag.zeros(2))
    with raises(ShapeError, "f(): parameter y has shape (3,), expected Tensor[Unpack[B]]; "
                "*B=(2,) was bound by x (2, 3)"):  # fmt: skip
        f(stag.zeros(2, 3), stag.zeros(3))


# --------------------------------------------------------------------- each dim kind
def test_literal_size_mismatch_names_the_dim_and_the_alias_as_written() -> None:
    @stag.shapecheck
    def f(x: Tensor[Batch, L784]) -> None:
        pass

    f(stag.zeros(5, 784))
    with raises(
        ShapeError, "f(): parameter x has shape (5, 785), expected Tensor[Batch, L784]; "
        "dim 1 must be 784"
    ):  # fmt: skip
        f(stag.zeros(5, 785))


def test_literal_after_a_variadic_prefix_counts_dims_from_the_left() -> None:
    @stag.shapecheck
    def f(x: Tensor[*B, L3, Literal[1, 2]]) -> None:
        pass

    f(stag.zeros(7, 7, 3, 2))
    with raises(ShapeError, "f(): parameter x has shape (7, 7, 3, 5), "
                "expected Tensor[*B, L3, Literal[1, 2]]; dim 3 must be 1 or 2"):  # fmt: skip
        f(stag.zeros(7, 7, 3, 5))


def test_wrong_rank() -> None:
    @stag.shapecheck
    def f(x: Tensor[Batch, L3], y: Tensor[*B, N, N]) -> None:
        pass

    with raises(ShapeError, "f(): parameter x has shape (3,), expected Tensor[Batch, L3]; "
                "expected 2 dims, got 1"):  # fmt: skip
        f(stag.zeros(3), stag.zeros(2, 2))
    with raises(ShapeError, "f(): parameter y has shape (2,), expected Tensor[*B, N, N]; "
                "expected at least 2 dims, got 1"):  # fmt: skip
        f(stag.zeros(4, 3), stag.zeros(2))


def test_a_named_dim_repeated_in_one_tensor() -> None:
    @stag.shapecheck
    def trace(x: Tensor[N, N]) -> Tensor[()]:
        return x.sum()

    trace(stag.zeros(3, 3))
    with raises(ShapeError, "trace(): parameter x has shape (3, 4), expected Tensor[N, N]; "
                "N=3 was bound by x (3, 4)"):  # fmt: skip
        trace(stag.zeros(3, 4))


def test_newtype_dims_bind_by_name_across_parameters() -> None:
    @stag.shapecheck
    def f(x: Tensor[Batch, L3], y: Tensor[Batch]) -> None:
        pass

    with raises(ShapeError, "f(): parameter y has shape (5,), expected Tensor[Batch]; "
                "Batch=4 was bound by x (4, 3)"):  # fmt: skip
        f(stag.zeros(4, 3), stag.zeros(5))


def module_dims() -> tuple[Any, Any, Any]:
    """The dims a module defines: called twice, two modules that name their dims alike."""
    Batch = NewType("Batch", int)
    N = TypeVar("N")
    B = TypeVarTuple("B")
    return Batch, N, B


def test_two_dims_that_share_a_name_are_two_dims() -> None:
    """The memo keys on the dim object, not its name; messages still show the name."""
    BatchA, NA, BA = module_dims()
    BatchB, NB, BB = module_dims()

    @stag.shapecheck
    def f(
        a: Tensor[BatchA], b: Tensor[BatchB], n: Tensor[NA], m: Tensor[NB],
        x: Tensor[*BA], y: Tensor[*BB], z: Tensor[BatchA],
    ) -> None:  # fmt: skip
        pass

    sized = (stag.zeros(2), stag.zeros(3), stag.zeros(4), stag.zeros(5))
    f(*sized, stag.zeros(6, 7), stag.zeros(8), stag.zeros(2))
    with raises(ShapeError, "f(): parameter z has shape (3,), expected Tensor[BatchA]; "
                "Batch=2 was bound by a (2,)"):  # fmt: skip
        f(*sized, stag.zeros(6, 7), stag.zeros(8), stag.zeros(3))


def test_zero_d_tensor() -> None:
    @stag.shapecheck
    def f(x: Tensor[()]) -> None:
        pass

    f(stag.tensor(1.0))
    with raises(ShapeError, "f(): parameter x has shape (1,), expected Tensor[()]; "
                "expected 0 dims, got 1"):  # fmt: skip
        f(stag.zeros(1))


def test_dyn_int_and_anyshape_are_unchecked_but_keep_their_rank() -> None:
    @stag.shapecheck
    def f(a: Tensor[Dyn, L3], b: Tensor[int], c: Tensor[*AnyShape], d: Tensor) -> None:
        pass

    f(stag.zeros(9, 3), stag.zeros(4), stag.zeros(), stag.zeros(1, 2, 3))
    f(stag.zeros(1, 3), stag.zeros(7), stag.zeros(2, 2, 2, 2), stag.zeros())
    with raises(ShapeError, "f(): parameter a has shape (9,), expected Tensor[Dyn, L3]; "
                "expected 2 dims, got 1"):  # fmt: skip
        f(stag.zeros(9), stag.zeros(4), stag.zeros(), stag.zeros(1))


def test_return_value_is_checked_with_the_arguments_bindings() -> None:
    @stag.shapecheck
    def bad(x: Tensor[*B, In], w: Tensor[In, Out]) -> Tensor[*B, Out]:
        return (x @ w).T

    with raises(ShapeError, "bad(): return value has shape (10, 32), expected Tensor[*B, Out]; "
                "Out=10 was bound by w (784, 10)"):  # fmt: skip
        bad(stag.zeros(32, 784), stag.zeros(784, 10))


def test_a_dim_first_seen_in_the_return_is_bound_there() -> None:
    @stag.shapecheck
    def split(x: Tensor[N]) -> tuple[Tensor[Hidden], Tensor[Hidden]]:
        return x[:2], x[2:]

    split(stag.zeros(4))
    with raises(ShapeError, "split(): return value[1] has shape (3,), expected Tensor[Hidden]; "
                "Hidden=2 was bound by the return value[0] (2,)"):  # fmt: skip
        split(stag.zeros(5))


def test_rendered_hint_when_the_source_cannot_be_read() -> None:
    namespace: dict[str, object] = {"stag": stag, "Tensor": Tensor, "L784": L784, "N": N}
    exec(  # noqa: S102  # a function whose source inspect cannot find
        "@stag.shapecheck\ndef f(x: Tensor[N, L784], y: Tensor[N]) -> None: pass\n", namespace
    )
    f = namespace["f"]
    assert callable(f)
    with raises(ShapeError, "f(): parameter x has shape (2, 3), expected Tensor[N, Literal[784]]; "
                "dim 1 must be 784"):  # fmt: skip
        f(stag.zeros(2, 3), stag.zeros(2))


def test_unreadable_dims_are_reported_at_the_first_call() -> None:
    @stag.shapecheck
    def f(x: Tensor[str]) -> None:  # type: ignore[type-var]  # the point of the test
        pass

    with pytest.raises(TypeError, match="shapecheck: cannot read the dim <class 'str'>"):
        f(stag.zeros(1))


def test_an_annotation_that_does_not_resolve_is_skipped_with_one_warning() -> None:
    @stag.shapecheck
    def f(x: Tensor[N], cfg: "Config", y: Tensor[N], out: "Tensor[Nowhere]") -> "Result":  # type: ignore[name-defined]  # noqa: F821  # the point of the test
        return None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f(stag.zeros(2), None, stag.zeros(2), stag.zeros(1))  # nothing checks cfg, out, the result
        with raises(ShapeError, "f(): parameter y has shape (3,), expected Tensor[N]; "
                    "N=2 was bound by x (2,)"):  # fmt: skip
            f(stag.zeros(2), None, stag.zeros(3), stag.zeros(1))
    expected = (
        "shapecheck: f() leaves parameter cfg (names Config), parameter out (names Nowhere) "
        "and the return value (names Result) unchecked: what they name is not defined at "
        "run time (imported only under `if TYPE_CHECKING:`?)"
    )
    assert [str(w.message) for w in caught] == [expected]
    assert caught[0].filename == __file__ and caught[0].category is UserWarning


# ----------------------------------------------------------------- scopes and calls
def test_nested_and_recursive_calls_each_get_their_own_memo() -> None:
    @stag.shapecheck
    def halve(x: Tensor[N]) -> Tensor[Dyn]:
        return x[: len(x) // 2]

    @stag.shapecheck
    def outer(x: Tensor[N]) -> Tensor[N]:
        halve(x[:2])  # N is 2 inside, 6 here
        return x

    @stag.shapecheck
    def shrink(x: Tensor[N]) -> Tensor[N]:
        if len(x) > 1:
            shrink(x[1:])
        return x

    assert outer(stag.zeros(6)).shape == (6,)
    assert shrink(stag.zeros(5)).shape == (5,)


def test_keyword_arguments_defaults_and_star_args() -> None:
    @stag.shapecheck
    def f(x: Tensor[N], *rest: Tensor[N], scale: Tensor[N] | None = None) -> None:
        pass

    f(stag.zeros(3), stag.zeros(3), stag.zeros(3), scale=stag.zeros(3))
    f(x=stag.zeros(3))
    with raises(ShapeError, "f(): parameter rest[1] has shape (4,), expected Tensor[N]; "
                "N=3 was bound by x (3,)"):  # fmt: skip
        f(stag.zeros(3), stag.zeros(3), stag.zeros(4))
    with raises(ShapeError, "f(): parameter scale has shape (2,), expected Tensor[N]; "
                "N=3 was bound by x (3,)"):  # fmt: skip
        f(stag.zeros(3), scale=stag.zeros(2))


def test_lists_and_tuples_of_tensors_are_checked_elementwise() -> None:
    @stag.shapecheck
    def total(xs: list[Tensor[N, L3]]) -> Tensor[N, L3]:
        return stag.stack(xs).sum(axis=0)

    total([stag.zeros(2, 3), stag.zeros(2, 3)])
    with raises(ShapeError, "total(): parameter xs[1] has shape (4, 3), expected Tensor[N, L3]; "
                "N=2 was bound by xs[0] (2, 3)"):  # fmt: skip
        total([stag.zeros(2, 3), stag.zeros(4, 3)])


def test_mappings_of_tensors_are_checked_value_by_value_with_the_shared_memo() -> None:
    @stag.shapecheck
    def step(params: dict[str, Tensor[N, L3]], grads: Mapping[str, Tensor[N, L3]]) -> None:
        pass

    step({"w": stag.zeros(2, 3), "b": stag.zeros(2, 3)}, {"w": stag.zeros(2, 3)})
    step({}, {})
    with raises(ShapeError, "step(): parameter params['b'] has shape (4, 3), "
                "expected Tensor[N, L3]; N=2 was bound by params['w'] (2, 3)"):  # fmt: skip
        step({"w": stag.zeros(2, 3), "b": stag.zeros(4, 3)}, {})
    with raises(ShapeError, "step(): parameter grads['w'] has shape (5, 3), "
                "expected Tensor[N, L3]; N=2 was bound by params['w'] (2, 3)"):  # fmt: skip
        step({"w": stag.zeros(2, 3)}, MappingProxyType({"w": stag.zeros(5, 3)}))
    with raises(ShapeError, "step(): parameter grads['w'] has shape (2, 4), "
                "expected Tensor[N, L3]; dim 1 must be 3"):  # fmt: skip
        step({}, {"w": stag.zeros(2, 4)})
    with raises(TypeError, "step(): parameter params['w'] has type list, expected Tensor[N, L3]"):
        step({"w": [1.0]}, {})  # type: ignore[dict-item]


def test_mapping_values_under_any_key_type_and_in_the_result() -> None:
    @stag.shapecheck
    def by_layer(xs: dict[int, Tensor[N]]) -> dict[str, Annotated[Tensor[N], np.float64]]:
        return {str(k): v.astype(np.float64) for k, v in xs.items()}

    assert by_layer({0: stag.zeros(2), 1: stag.zeros(2)})["1"].shape == (2,)
    with raises(ShapeError, "by_layer(): parameter xs[1] has shape (3,), expected Tensor[N]; "
                "N=2 was bound by xs[0] (2,)"):  # fmt: skip
        by_layer({0: stag.zeros(2), 1: stag.zeros(3)})

    @stag.shapecheck
    def wrong(xs: dict[int, Tensor[N]]) -> dict[str, Tensor[N]]:
        return {"last": stag.zeros(len(xs) + 5)}  # type: ignore[dict-item]

    with raises(ShapeError, "wrong(): return value['last'] has shape (6,), expected Tensor[N]; "
                "N=2 was bound by xs[0] (2,)"):  # fmt: skip
        wrong({0: stag.zeros(2)})


def test_a_union_of_two_tensor_shapes_takes_the_first_that_fits() -> None:
    @stag.shapecheck
    def f(x: Tensor[N] | Tensor[N, N], y: Tensor[N]) -> None:
        pass

    f(stag.zeros(3), stag.zeros(3))
    f(stag.zeros(3, 3), stag.zeros(3))
    with raises(ShapeError, "f(): parameter x has shape (2, 3), expected Tensor[N]; "
                "expected 1 dims, got 2"):  # fmt: skip
        f(stag.zeros(2, 3), stag.zeros(3))


# ------------------------------------------------------------------ classes, methods
class Linear(Generic[I, O]):
    weight: Tensor[I, O]
    bias: Tensor[O] | None

    def __init__(self, weight: Tensor[I, O], bias: Tensor[O] | None) -> None:
        self.weight, self.bias = weight, bias

    @stag.shapecheck
    def __call__(self, x: Tensor[*B, I]) -> Tensor[*B, O]:
        y = x @ self.weight
        return y if self.bias is None else y + self.bias

    @classmethod
    @stag.shapecheck
    def create(cls, w: Tensor[I, O]) -> "Linear[I, O]":
        return cls(w, None)

    @stag.shapecheck
    @staticmethod
    def fan_in(w: Tensor[I, O]) -> int:
        return w.shape[0]


def test_a_generic_modules_dims_come_from_its_own_parameters() -> None:
    lin = Linear(stag.zeros(4, 2), stag.zeros(2))
    assert lin(stag.zeros(5, 4)).shape == (5, 2)
    with raises(ShapeError, "Linear.__call__(): parameter x has shape (5, 3), "
                "expected Tensor[*B, I]; I=4 was bound by self.weight (4, 2)"):  # fmt: skip
        lin(stag.zeros(5, 3))


def test_a_module_whose_own_parameters_disagree() -> None:
    lin = Linear(stag.zeros(4, 2), stag.zeros(3))
    with raises(ShapeError, "Linear.__call__(): attribute self.bias has shape (3,), "
                "expected Tensor[O]; O=2 was bound by self.weight (4, 2)"):  # fmt: skip
        lin(stag.zeros(5, 4))
    assert Linear(stag.zeros(4, 2), None)(stag.zeros(4)).shape == (2,)


def test_classmethods_and_staticmethods_in_either_decorator_order() -> None:
    assert Linear.create(stag.zeros(4, 2)).weight.shape == (4, 2)
    assert Linear.fan_in(stag.zeros(4, 2)) == 4
    with raises(ShapeError, "Linear.fan_in(): parameter w has shape (4,), expected Tensor[I, O]; "
                "expected 2 dims, got 1"):  # fmt: skip
        Linear.fan_in(stag.zeros(4))
    with raises(ShapeError, "Linear.create(): parameter w has shape (4,), expected Tensor[I, O]; "
                "expected 2 dims, got 1"):  # fmt: skip
        Linear.create(stag.zeros(4))


def test_stag_nn_linear_binds_its_dims_from_its_weight() -> None:
    linear_class = getattr(stag.nn, "Linear", None)
    if linear_class is None:
        pytest.skip("stag.nn.Linear is not there yet")
    call = stag.shapecheck(linear_class.__call__)
    lin = linear_class(784, 10)
    assert call(lin, stag.randn(32, 784)).shape == (32, 10)
    # the call is LastDimMap's (Linear, TiedLinear and Sequential share it); I is bound
    # from Linear's own self.weight
    with raises(ShapeError, "LastDimMap.__call__(): parameter x has shape (32, 783), "
                "expected Tensor[*B, I]; I=784 was bound by self.weight (784, 10)"):  # fmt: skip
        call(lin, stag.randn(32, 783))


# -------------------------------------------------------------------------- bad input
def test_a_numpy_array_where_a_tensor_is_annotated() -> None:
    with raises(TypeError, "layer(): parameter x has type numpy.ndarray, expected Tensor[*B, In]; "
                "wrap it with stag.tensor(...)"):  # fmt: skip
        layer(np.zeros((2, 3)), stag.zeros(3, 1), stag.zeros(1))  # type: ignore[arg-type]


def test_a_non_tensor_where_a_tensor_is_annotated() -> None:
    with raises(TypeError, "layer(): parameter b has type list, expected Tensor[Out]"):
        layer(stag.zeros(2, 3), stag.zeros(3, 1), [1.0])  # type: ignore[arg-type]


def test_non_tensor_parameters_are_checked_by_beartype() -> None:
    @stag.shapecheck
    def scale(x: Tensor[N], factor: float, name: str = "x") -> Tensor[N]:
        return x * factor

    scale(stag.zeros(2), 3)  # an int is a float, as in mypy (PEP 484's numeric tower)
    scale(stag.zeros(2), 3.0, "y")
    with pytest.raises(BeartypeCallHintParamViolation, match=r"parameter name=.* violates"):
        scale(stag.zeros(2), 3.0, name=1)  # type: ignore[arg-type]

    @stag.shapecheck
    def not_a_tensor(x: Tensor[N]) -> Tensor[N]:
        return 1.0  # type: ignore[return-value]

    with raises(TypeError, "not_a_tensor(): return value has type float, expected Tensor[N]"):
        not_a_tensor(stag.zeros(2))

    @stag.shapecheck
    def count(x: Tensor[N]) -> int:
        return "two"  # type: ignore[return-value]

    with pytest.raises(BeartypeCallHintReturnViolation, match="return 'two' violates"):
        count(stag.zeros(2))


def test_optional_tensor_accepts_none() -> None:
    @stag.shapecheck
    def f(x: Tensor[N], mask: Tensor[N] | None) -> None:
        pass

    f(stag.zeros(2), None)
    with raises(ShapeError, "f(): parameter mask has shape (3,), expected Tensor[N]; "
                "N=2 was bound by x (2,)"):  # fmt: skip
        f(stag.zeros(2), stag.zeros(3))


def test_a_dtype_named_by_annotated() -> None:
    @stag.shapecheck
    def f(x: Annotated[Tensor[N], np.float64]) -> None:
        pass

    f(stag.zeros(2, dtype=np.float64))
    with raises(DTypeError, "f(): parameter x has dtype float32, expected float64"):
        f(stag.zeros(2))


def test_exceptions_inside_the_function_pass_through_unchanged() -> None:
    error = KeyError("inside")

    @stag.shapecheck
    def f(x: Tensor[N]) -> Tensor[N]:
        raise error

    with pytest.raises(KeyError) as caught:
        f(stag.zeros(2))
    assert caught.value is error


def test_shape_errors_are_value_errors_and_carry_no_chained_cause() -> None:
    with pytest.raises(ValueError) as caught:
        layer(stag.randn(2, 3), stag.randn(3, 4), stag.randn(5))
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_the_checking_frames_hide_from_pytest_tracebacks() -> None:
    with pytest.raises(ShapeError) as caught:
        layer(stag.randn(2, 3), stag.randn(3, 4), stag.randn(5))
    package = Path(stag._shapecheck.__file__).parent  # every module of stag._shapecheck
    frames = [e for e in caught.traceback if Path(e.path).parent == package]
    assert len({f.path for f in frames}) > 1  # the wrapper's module and the checker's
    assert all(f.frame.f_locals.get("__tracebackhide__") for f in frames)


# -------------------------------------------------------------------- the decorator
def test_the_wrapper_keeps_the_signature_and_metadata() -> None:
    assert layer.__name__ == "layer"
    assert inspect.signature(layer) == inspect.signature(layer.__wrapped__)  # type: ignore[attr-defined]
    assert stag.shapecheck(layer) is layer  # applied twice: once


def test_functions_without_annotations_are_returned_as_they_are() -> None:
    def f(x):  # type: ignore[no-untyped-def]
        return x

    assert stag.shapecheck(f) is f


def test_decorating_a_class_is_an_error() -> None:
    with pytest.raises(TypeError, match="decorate functions and methods, not the class"):
        stag.shapecheck(Linear)


# ------------------------------------------------------------------ subprocess runs
def run_python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_beartype_loads_at_the_first_call_that_needs_it_and_jaxtyping_never() -> None:
    code = (
        "import sys, stag\n"
        "@stag.shapecheck\n"
        "def f(x: stag.Tensor[int]) -> stag.Tensor[int]: return x\n"
        "@stag.shapecheck\n"
        "def g(x: stag.Tensor[int], n: int) -> None: pass\n"
        "print('beartype' in sys.modules, 'jaxtyping' in sys.modules)\n"
        "f(stag.zeros(2))  # tensors only: stag's own check covers it all\n"
        "print('beartype' in sys.modules, 'jaxtyping' in sys.modules)\n"
        "g(stag.zeros(2), 1)\n"
        "print('beartype' in sys.modules, 'jaxtyping' in sys.modules)\n"
    )
    assert run_python(code).splitlines() == ["False False", "False False", "True False"]


# ---------------------------------------------------------------------- jaxtyping
@stag.shapecheck
def mixed(
    x: Tensor[N, L3], a: Float[np.ndarray, "n 3"], b: Float[np.ndarray, " n"]
) -> Float[np.ndarray, " n"]:
    return b


def test_jaxtyping_annotations_keep_working_beside_stags() -> None:
    assert mixed(stag.zeros(5, 3), np.zeros((2, 3)), np.zeros(2)).shape == (2,)
    with pytest.raises(BeartypeCallHintParamViolation, match="size of dimension n is 4"):
        mixed(stag.zeros(5, 3), np.zeros((2, 3)), np.zeros(4))
    with raises(ShapeError, "mixed(): parameter x has shape (5, 4), expected Tensor[N, L3]; "
                "dim 1 must be 3"):  # fmt: skip
        mixed(stag.zeros(5, 4), np.zeros((2, 3)), np.zeros(2))


# -------------------------------------------------------------------- import hook
def forget_shapecheck_pkg() -> None:
    for name in [n for n in sys.modules if n.split(".")[0] == "shapecheck_pkg"]:
        del sys.modules[name]


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """Imports a module of ``shapecheck_pkg`` through the import hook."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    forget_shapecheck_pkg()

    def load(name: str) -> Any:
        with stag.install_import_hook("shapecheck_pkg"):
            return importlib.import_module(f"shapecheck_pkg.{name}")

    yield load
    forget_shapecheck_pkg()


@pytest.fixture
def hooked_pkg(hooked: Callable[[str], Any]) -> Any:
    return hooked("layers")


def test_import_hook_checks_every_function_of_the_package(hooked_pkg: Any) -> None:
    assert hooked_pkg.dense(stag.zeros(2, 3), stag.zeros(3, 4), stag.zeros(4)).shape == (2, 4)
    with raises(ShapeError, "dense(): parameter b has shape (5,), expected Tensor[O]; "
                "O=4 was bound by w (3, 4)"):  # fmt: skip
        hooked_pkg.dense(stag.zeros(2, 3), stag.zeros(3, 4), stag.zeros(5))
    with raises(ShapeError, "wrong_result(): return value has shape (1, 3), "
                "expected Tensor[Hidden, L3]; Hidden=2 was bound by x (2, 3)"):  # fmt: skip
        hooked_pkg.wrong_result(stag.zeros(2, 3))


def test_import_hook_reaches_methods_and_classmethods_and_skips_overloads(
    hooked_pkg: Any,
) -> None:
    lin = hooked_pkg.Linear.zeros(3, 4)
    assert lin(stag.zeros(2, 3)).shape == (2, 4)
    with raises(ShapeError, "Linear.__call__(): parameter x has shape (2, 5), "
                "expected Tensor[N, I]; I=3 was bound by self.weight (3, 4)"):  # fmt: skip
        lin(stag.zeros(2, 5))
    assert hooked_pkg.first(stag.zeros(3)).shape == ()
    with raises(ShapeError, "first(): parameter x has shape (4,), "
                "expected Tensor[L3]; dim 0 must be 3"):  # fmt: skip
        hooked_pkg.first(stag.zeros(4))


def test_import_hook_reaches_properties_and_respects_no_type_check(hooked_pkg: Any) -> None:
    lin = hooked_pkg.Linear.zeros(3, 4)
    with raises(ShapeError, "Linear.transposed(): return value has shape (3, 4), "
                "expected Tensor[O, I]; O=4 was bound by self.weight (3, 4)"):  # fmt: skip
        lin.transposed  # noqa: B018
    assert hooked_pkg.unchecked(stag.zeros(5)).shape == (5,)


def test_import_hook_keeps_coroutine_and_generator_functions_what_they_are(
    hooked_pkg: Any,
) -> None:
    assert inspect.iscoroutinefunction(hooked_pkg.fetched)
    assert inspect.isgeneratorfunction(hooked_pkg.columns)
    assert asyncio.run(hooked_pkg.fetched(stag.zeros(2, 3))).shape == (2, 3)
    with raises(ShapeError, "columns(): parameter x has shape (2, 4), "
                "expected Tensor[N, L3]; dim 1 must be 3"):  # fmt: skip
        next(hooked_pkg.columns(stag.zeros(2, 4)))


def test_import_hook_skips_what_is_imported_only_under_type_checking(
    hooked: Callable[[str], Any],
) -> None:
    deferred = hooked("deferred")
    with pytest.warns(UserWarning) as caught:
        assert deferred.scaled(stag.zeros(2), 0.5, stag.zeros(2)).shape == (2,)
    expected = (
        "shapecheck: scaled() leaves parameter factor (names Fraction) unchecked: what it "
        "names is not defined at run time (imported only under `if TYPE_CHECKING:`?)"
    )
    assert [str(w.message) for w in caught] == [expected]
    with raises(ShapeError, "scaled(): parameter y has shape (3,), expected Tensor[N]; "
                "N=2 was bound by x (2,)"):  # fmt: skip
        deferred.scaled(stag.zeros(2), 0.5, stag.zeros(3))


def test_import_hook_binds_class_dims_beside_a_type_checking_only_attribute(
    hooked: Callable[[str], Any],
) -> None:
    deferred = hooked("deferred")
    with pytest.warns(UserWarning, match=r"^shapecheck: Scaled\.__init__\(\) leaves parameter"):
        layer = deferred.Scaled(stag.zeros(3, 4), 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the attribute factor binds no dim: nothing to say
        assert layer(stag.zeros(2, 3)).shape == (2, 4)
        with raises(ShapeError, "Scaled.__call__(): parameter x has shape (2, 5), "
                    "expected Tensor[N, I]; I=3 was bound by self.weight (3, 4)"):  # fmt: skip
            layer(stag.zeros(2, 5))


def test_two_hooks_on_one_package_instrument_it_once(hooked: Callable[[str], Any]) -> None:
    with stag.install_import_hook(["shapecheck_pkg"]):
        module = hooked("layers")
    assert module.dense.__wrapped__.__name__ == "dense"
    assert not hasattr(module.dense.__wrapped__, "__wrapped__")


def test_import_hook_leaves_other_packages_and_later_imports_alone(hooked_pkg: Any) -> None:
    assert not hasattr(stag.randn, "__stag_shapecheck__")
    assert not any(type(f).__name__ == "_Finder" for f in sys.meta_path)


@pytest.mark.parametrize("name", ["tensor_ops", "scalar_autograd", "functional"])
def test_the_examples_run_with_every_function_checked(name: str) -> None:
    code = (
        "import importlib, stag\n"
        "with stag.install_import_hook('examples'):\n"
        f"    m = importlib.import_module('examples.{name}')\n"
        "assert m.main(['--quick']) == 0\n"
        "print('checked', sum(getattr(f, '__stag_shapecheck__', False) for f in vars(m).values()))\n"
    )
    out = run_python(code).splitlines()
    assert out[-1].startswith("checked ") and int(out[-1].split()[1]) > 0


# ------------------------------------------------------- ops' own run-time checks
def test_ops_raise_shape_error_for_sizes_the_types_could_not_see() -> None:
    x: Tensor[Dyn, Dyn] = stag.zeros(2, 3)
    y: Tensor[Dyn] = stag.zeros(4)
    with raises(ShapeError, "add: shapes (2, 3) and (4,) cannot be broadcast"):
        x + y
    w: Tensor[Dyn, Dyn] = stag.zeros(4, 5)
    with pytest.raises(ShapeError, match="^matmul: inner dimensions differ"):
        x @ w
    with pytest.raises(ShapeError, match="^assert_shape: expected shape"):
        stag.tensor(np.zeros((2, 3))).assert_shape(2, 4)


def checked_is(fn: Callable[..., object]) -> bool:
    return bool(getattr(fn, "__stag_shapecheck__", False))

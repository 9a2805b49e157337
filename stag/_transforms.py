"""The functional API, JAX style: ``grad``, ``value_and_grad``, ``derivative``.

Arguments are pytrees: tuples, lists, dicts, dataclass instances and any
class registered with ``register_pytree``, with tensors at the leaves.  The
gradient of an argument has the argument's structure and static type; the
callers' own tensors and their ``.grad`` are left untouched.  Leaves that are
not tensors (ints, strings, None) are static: they pass through unchanged.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, Literal, TypeVar, overload

import numpy as np
from typing_extensions import ParamSpec, TypeVarTuple

from stag import _autograd
from stag import _backends as backends
from stag._autograd import Array
from stag._dims import AnyShape
from stag._errors import ShapeError
from stag._operands import expect_tensor
from stag._tensor import Tensor

T = TypeVar("T")
T0 = TypeVar("T0")
T1 = TypeVar("T1")
P = ParamSpec("P")
Sh = TypeVarTuple("Sh")

Leaves = list[Any]
Rebuild = Callable[[Leaves], Any]
_registry: dict[type, tuple[Callable[[Any], list[Any]], Callable[[Any, list[Any]], Any]]] = {}


def register_pytree(
    cls: type[T],
    flatten: Callable[[T], list[Any]],
    unflatten: Callable[[T, list[Any]], T],
) -> None:
    """Teach the pytree functions a container: ``flatten(obj)`` lists its children,
    ``unflatten(obj, children)`` builds a copy of ``obj`` holding new children."""
    _registry[cls] = (flatten, unflatten)


def tree_flatten(tree: Any) -> tuple[Leaves, Rebuild]:
    """The leaves of ``tree`` in a fixed order, and a function that rebuilds it."""
    if isinstance(tree, Tensor):
        return [tree], lambda leaves: leaves[0]
    children, build = _children(tree)
    if build is None:
        return [tree], lambda leaves: leaves[0]
    leaves: Leaves = []
    rebuilds: list[tuple[int, Rebuild]] = []
    for child in children:
        child_leaves, rebuild = tree_flatten(child)
        rebuilds.append((len(child_leaves), rebuild))
        leaves.extend(child_leaves)

    def unflatten(new_leaves: Leaves) -> Any:
        rebuilt, start = [], 0
        for count, rebuild in rebuilds:
            rebuilt.append(rebuild(new_leaves[start : start + count]))
            start += count
        return build(rebuilt)

    return leaves, unflatten


def tree_unflatten(rebuild: Rebuild, leaves: Leaves) -> Any:
    """Inverse of ``tree_flatten``."""
    return rebuild(leaves)


def _children(node: Any) -> tuple[list[Any], Callable[[list[Any]], Any] | None]:
    for cls, (flatten, unflatten) in _registry.items():
        if isinstance(node, cls):
            return flatten(node), functools.partial(unflatten, node)
    if isinstance(node, tuple) and hasattr(node, "_fields"):  # namedtuple
        return list(node), lambda kids: type(node)(*kids)
    if isinstance(node, tuple | list):
        return list(node), lambda kids: type(node)(kids)
    if isinstance(node, dict):
        keys = list(node)
        return [node[k] for k in keys], lambda kids: type(node)(zip(keys, kids, strict=True))
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        names = [f.name for f in dataclasses.fields(node)]
        return [getattr(node, n) for n in names], lambda kids: dataclasses.replace(
            node, **dict(zip(names, kids, strict=True))
        )
    return [], None


def _value_and_grads(
    f: Callable[..., Tensor[()]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: Sequence[int],
) -> tuple[Tensor[()], list[Any]]:
    args_list = list(args)
    fresh: list[tuple[Leaves, Rebuild]] = []
    for i in argnums:
        if not -len(args) <= i < len(args):
            raise ValueError(f"grad: argnums {i} out of range for {len(args)} positional arguments")
        leaves, rebuild = tree_flatten(args_list[i])
        new = [
            Tensor(leaf._data, requires_grad=leaf.dtype.kind == "f")
            if isinstance(leaf, Tensor)
            else leaf
            for leaf in leaves
        ]
        fresh.append((new, rebuild))
        args_list[i] = rebuild(new)
    with _autograd.enable_grad():
        out = f(*args_list, **kwargs)
    if not isinstance(out, Tensor) or out._data.ndim != 0:
        shape = out.shape if isinstance(out, Tensor) else type(out).__name__
        raise ShapeError(f"grad: the function must return a 0-d Tensor, got {shape}")
    wrt = [leaf for leaves, _ in fresh for leaf in leaves if isinstance(leaf, Tensor)]
    found = iter(_autograd.collect(out, wrt) if out._requires_grad else [None] * len(wrt))
    grads = []
    for leaves, rebuild in fresh:
        grad_leaves = [
            Tensor(_gradient_array(leaf._data, next(found))) if isinstance(leaf, Tensor) else leaf
            for leaf in leaves
        ]
        grads.append(rebuild(grad_leaves))
    return out.detach(), grads


def _gradient_array(like: Array, g: Array | None) -> Array:
    """``g`` in ``like``'s dtype, or zeros where nothing depended on ``like``."""
    if g is None:
        return _autograd.filled_like(like, 0)
    if type(g) is np.ndarray:
        return np.asarray(g, dtype=like.dtype)
    converted: Array = backends.kernels(g).astype(g, like.dtype)  # another library: its astype
    return converted


@overload
def grad(
    f: Callable[Concatenate[T, P], Tensor[()]], argnums: Literal[0] = 0
) -> Callable[Concatenate[T, P], T]: ...
@overload
def grad(f: Callable[[T0, T1], Tensor[()]], argnums: Literal[1]) -> Callable[[T0, T1], T1]: ...
@overload
def grad(
    f: Callable[[T0, T1], Tensor[()]], argnums: tuple[Literal[0], Literal[1]]
) -> Callable[[T0, T1], tuple[T0, T1]]: ...
@overload
def grad(f: Callable[..., Tensor[()]], argnums: int | tuple[int, ...]) -> Callable[..., Any]: ...
def grad(f: Callable[..., Tensor[()]], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``f``'s gradient function: same arguments, returns d f / d argument ``argnums``.

    The gradient has the argument's structure (a dict of tensors gives a dict
    of tensors of the same shapes); a tuple ``argnums`` gives a tuple of them.
    """
    value_grad = value_and_grad(f, argnums)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        return value_grad(*args, **kwargs)[1]

    return gradient


@overload
def value_and_grad(
    f: Callable[Concatenate[T, P], Tensor[()]], argnums: Literal[0] = 0
) -> Callable[Concatenate[T, P], tuple[Tensor[()], T]]: ...
@overload
def value_and_grad(
    f: Callable[[T0, T1], Tensor[()]], argnums: Literal[1]
) -> Callable[[T0, T1], tuple[Tensor[()], T1]]: ...
@overload
def value_and_grad(
    f: Callable[[T0, T1], Tensor[()]], argnums: tuple[Literal[0], Literal[1]]
) -> Callable[[T0, T1], tuple[Tensor[()], tuple[T0, T1]]]: ...
@overload
def value_and_grad(
    f: Callable[..., Tensor[()]], argnums: int | tuple[int, ...]
) -> Callable[..., tuple[Tensor[()], Any]]: ...
def value_and_grad(
    f: Callable[..., Tensor[()]], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[Tensor[()], Any]]:
    """Like ``grad`` but returns ``(f(*args), gradient)`` from one forward pass."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def value_grad(*args: Any, **kwargs: Any) -> tuple[Tensor[()], Any]:
        value, grads = _value_and_grads(f, args, kwargs, nums)
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    return value_grad


def derivative(fn: Callable[[], Tensor[()]], wrt: Tensor[*Sh]) -> Tensor[*Sh]:
    """d fn() / d wrt, for one tensor of the expression, leaving every ``.grad`` alone.

    ``wrt`` must require grad (a leaf made with ``requires_grad=True``).
    """
    expect_tensor("derivative", wrt)
    if not wrt._requires_grad:
        raise RuntimeError("derivative: wrt does not require grad, so nothing depends on it")
    with _autograd.enable_grad():
        out = fn()
    if out._data.ndim != 0:
        raise ShapeError(f"derivative: fn must return a 0-d Tensor, got shape {out.shape}")
    (g,) = _autograd.collect(out, [wrt]) if out._requires_grad else [None]
    return Tensor(_gradient_array(wrt._data, g))


@overload
def grad_of(output: Tensor[()], wrt: Tensor[*Sh], *, retain_graph: bool = False) -> Tensor[*Sh]: ...
@overload
def grad_of(
    output: Tensor[()], wrt: Sequence[Tensor[*AnyShape]], *, retain_graph: bool = False
) -> list[Tensor[*AnyShape]]: ...
def grad_of(
    output: Tensor[()],
    wrt: Tensor[*AnyShape] | Sequence[Tensor[*AnyShape]],
    *,
    retain_graph: bool = False,
) -> Tensor[*AnyShape] | list[Tensor[*AnyShape]]:
    """d output / d ``wrt``, for any tensors of ``output``'s graph, leaves or computed ones.

    PyTorch's ``torch.autograd.grad(output, wrt)``: no ``.grad`` is touched, and a
    tensor ``output`` does not depend on gets zeros.  ``retain_graph=True`` keeps the
    graph for another backward.

    **Arguments:** ``output``, a 0-d tensor; ``wrt``, a tensor or a sequence of them.
    **Returns:** one gradient (or a list), each of its tensor's shape and dtype.
    """
    expect_tensor("grad_of", output)
    targets = [wrt] if isinstance(wrt, Tensor) else list(wrt)
    expect_tensor("grad_of", *targets)
    if output._data.ndim != 0:
        raise ShapeError(f"grad_of: output must be a 0-d tensor, got shape {output.shape}")
    if not output._requires_grad:
        grads: list[Array | None] = [None] * len(targets)
    else:
        grads = list(_autograd.collect(output, targets, retain_graph=retain_graph))
    found: list[Tensor[*AnyShape]] = [
        Tensor(_gradient_array(t._data, g)) for t, g in zip(targets, grads, strict=True)
    ]
    return found[0] if isinstance(wrt, Tensor) else found

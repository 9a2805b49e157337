"""Annotations read into dim patterns: ``Tensor[*B, In]`` becomes index lists to match.

A ``Tensor[...]`` hint is found at top level, inside ``Annotated`` (which may name a
dtype), unions, ``tuple[...]``, ``list[...]``, ``Sequence[...]`` and the values of
``dict[K, ...]`` / ``Mapping[K, ...]``; everything else in an annotation is left to
beartype.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, Union

import numpy as np
import typing_extensions

from stag._dims import Prod
from stag._tensor import Tensor


class _Dim(NamedTuple):
    """One dim of a pattern: a literal size set, a dim to bind, or unchecked."""

    binder: object | None  # the TypeVar or NewType; None for a literal or an unchecked dim
    sizes: frozenset[int]  # empty for a named or an unchecked dim


class TensorSpec(NamedTuple):
    """A ``Tensor[...]`` hint as index lists, so that a match is two short loops.

    Dims after a variadic part have negative indices, counted from the end.  A dim
    is the TypeVar, NewType or TypeVarTuple object itself, so two dims that share a
    name (``Batch`` of two modules) stay two dims.
    """

    rank: int  # the number of dims outside the variadic part
    variadic: bool  # a variadic part: rank is the least number of dims
    prefix: object | None  # the TypeVarTuple that binds the variadic part (None: unchecked)
    head: int  # how many dims come before the variadic part
    literals: tuple[tuple[int, frozenset[int]], ...]  # (index, allowed sizes)
    names: tuple[tuple[int, object], ...]  # (index, the dim: a TypeVar or NewType)
    dtype: np.dtype[Any] | None
    text: str  # the hint, rendered
    position: int  # which Tensor[...] of its annotation this is, in reading order
    generic: bool  # mentions a TypeVar (class-level dims bind only from these)


class UnionSpec(NamedTuple):
    options: tuple[Spec, ...]


class TupleSpec(NamedTuple):
    items: tuple[Spec | None, ...]


class SeqSpec(NamedTuple):
    item: Spec
    kind: type


class MapSpec(NamedTuple):
    """A mapping whose values hold tensors; the keys are beartype's to check."""

    value: Spec
    kind: type


Spec = TensorSpec | UnionSpec | TupleSpec | SeqSpec | MapSpec
_UNPACKS = (typing.Unpack, typing_extensions.Unpack)
_TYPEVARTUPLES = (typing.TypeVarTuple, typing_extensions.TypeVarTuple)
_SEQUENCES: dict[object, type] = {list: list, Sequence: Sequence, typing.Sequence: Sequence}
_MAPPINGS: dict[object, type] = {dict: dict, Mapping: Mapping, MutableMapping: MutableMapping}


class Counter:
    def __init__(self) -> None:
        self.n = 0


def parse(hint: object, counter: Counter) -> Spec | None:
    """The pattern of the tensors inside ``hint``, or None if it holds no ``Tensor[...]``."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        inner, *metadata = typing.get_args(hint)
        spec = parse(inner, counter)
        dtypes = [_dtype_of(m) for m in metadata if _dtype_of(m) is not None]
        if isinstance(spec, TensorSpec) and dtypes:
            return spec._replace(dtype=dtypes[0])
        return spec
    if isinstance(origin, type) and issubclass(origin, Tensor):
        counter.n += 1
        return _parse_tensor(hint, counter.n - 1)
    if origin is Union or origin is types.UnionType:
        options = [parse(arg, counter) for arg in typing.get_args(hint)]
        present = tuple(o for o in options if o is not None)
        return UnionSpec(present) if present else None
    args = typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = parse(args[0], counter)
        return None if item is None else SeqSpec(item, tuple)
    if origin is tuple:
        items = tuple(parse(arg, counter) for arg in args)
        return TupleSpec(items) if any(i is not None for i in items) else None
    if origin in _SEQUENCES and len(args) == 1:
        item = parse(args[0], counter)
        return None if item is None else SeqSpec(item, _SEQUENCES[origin])
    if origin in _MAPPINGS and len(args) == 2:
        value = parse(args[1], counter)
        return None if value is None else MapSpec(value, _MAPPINGS[origin])
    return None


def _dtype_of(metadata: object) -> np.dtype[Any] | None:
    if isinstance(metadata, np.dtype):
        return metadata
    if isinstance(metadata, type) and issubclass(metadata, np.generic):
        return np.dtype(metadata)
    return None


def _parse_tensor(hint: object, index: int) -> TensorSpec:
    head: list[_Dim] = []
    tail: list[_Dim] = []
    variadic = False
    prefix: object | None = None
    texts: list[str] = []
    generic = False
    for arg in typing.get_args(hint):
        star = _unpacked(arg)
        if star is None:
            dim, text = _parse_dim(arg, hint)
            (tail if variadic else head).append(dim)
            texts.append(text)
            generic = generic or isinstance(arg, TypeVar)
        elif isinstance(star, _TYPEVARTUPLES):
            if variadic:
                raise TypeError(f"shapecheck: two variadic parts in {hint}")
            variadic, prefix = True, star
            texts.append(f"*{star.__name__}")
            generic = True
        elif typing.get_origin(star) is tuple and typing.get_args(star)[-1:] == (Ellipsis,):
            if variadic:
                raise TypeError(f"shapecheck: two variadic parts in {hint}")
            variadic = True
            texts.append("*AnyShape" if typing.get_args(star)[0] is Any else f"*{star}")
        elif typing.get_origin(star) is tuple:  # *tuple[A, B]: the dims inline
            for inner in typing.get_args(star):
                dim, text = _parse_dim(inner, hint)
                (tail if variadic else head).append(dim)
                texts.append(text)
        else:
            raise TypeError(f"shapecheck: cannot read the variadic dims *{star} in {hint}")
    text = f"Tensor[{', '.join(texts) if texts else '()'}]"
    indexed = list(enumerate(head)) + [(i - len(tail), d) for i, d in enumerate(tail)]
    literals = tuple((i, d.sizes) for i, d in indexed if d.sizes)
    names = tuple((i, d.binder) for i, d in indexed if d.binder is not None)
    rank = len(head) + len(tail)
    return TensorSpec(
        rank, variadic, prefix, len(head), literals, names, None, text, index, generic
    )


def _unpacked(arg: object) -> object | None:
    """``B`` for ``*B`` / ``Unpack[B]``, ``tuple[...]`` for ``*tuple[...]``, else None."""
    if getattr(arg, "__origin__", None) in _UNPACKS:
        inner: object = typing.get_args(arg)[0]
        return inner
    if getattr(arg, "__unpacked__", False):
        return types.GenericAlias(tuple, typing.get_args(arg))
    return None


_ANY_DIM = _Dim(None, frozenset())


def _parse_dim(arg: object, hint: object) -> tuple[_Dim, str]:
    if arg is Any:
        return _ANY_DIM, "Dyn"
    if arg is int:
        return _ANY_DIM, "int"
    if typing.get_origin(arg) is Literal:
        sizes = typing.get_args(arg)
        if not all(type(s) is int and s >= 0 for s in sizes):
            raise TypeError(f"shapecheck: a Literal dim must hold sizes, got {arg} in {hint}")
        return _Dim(None, frozenset(sizes)), f"Literal[{', '.join(map(str, sizes))}]"
    if isinstance(arg, (typing.NewType, TypeVar)):
        return _Dim(arg, frozenset()), arg.__name__
    if typing.get_origin(arg) is Prod:  # bound as a dim of its own, checked by its factors
        for factor in typing.get_args(arg):
            _parse_dim(factor, hint)
        return _Dim(arg, frozenset()), dim_name(arg)
    raise TypeError(
        f"shapecheck: cannot read the dim {arg!r} in {hint}; a dim is a Literal size, "
        "a NewType, a TypeVar, a stag.Prod of dims or stag.Dyn"
    )


def dim_name(dim: object) -> str:
    """``N`` for the TypeVar ``N``, ``Batch`` for the NewType, ``Prod[H, D]``, ``3``: the
    name messages show."""
    if typing.get_origin(dim) is Prod:
        return f"Prod[{', '.join(map(dim_name, typing.get_args(dim)))}]"
    if typing.get_origin(dim) is Literal:
        return ", ".join(map(str, typing.get_args(dim)))
    return str(getattr(dim, "__name__", dim))


def is_product(dim: object) -> bool:
    return typing.get_origin(dim) is Prod


def factors(dim: object) -> tuple[object, ...]:
    """The two dims of a ``Prod[F1, F2]``: each a Literal, a named dim or a Prod."""
    return typing.get_args(dim)


def literal_size(dim: object) -> int | None:
    """The size of a ``Literal[n]`` dim, else None."""
    if typing.get_origin(dim) is Literal:
        (size,) = typing.get_args(dim)[:1]
        return size if type(size) is int else None
    return None

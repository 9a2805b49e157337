"""Run-time shape checking: the annotations mypy checked, verified again at call time.

``@stag.shapecheck`` reads a function's annotations at its first call and turns every
``Tensor[...]`` in them into a dim pattern; each call then matches the tensors against
those patterns with one memo of dim bindings for the whole call (the arguments in
order, then the return value), so ``Out`` bound to 10 by ``w`` must be 10 in ``b`` and
in the result.  Nested and recursive calls each get their own memo.

The route, split by what each side knows best:

* stag matches ``Tensor[...]`` hints itself (at top level, in ``X | None`` and unions,
  in ``tuple[...]``, ``list[...]`` and ``Sequence[...]``): the dims need one shared
  memo and messages that name the dim and who bound it, which a per-hint
  ``isinstance`` cannot give;
* beartype (``beartype.beartype`` with ``BeartypeConf(is_pep484_tower=True)``, so an
  ``int`` passes for ``float`` as in mypy) checks every other part of the signature:
  ``int``, ``str``, containers, dataclasses, and jaxtyping arrays, which run inside
  ``jaxtyping.jaxtyped`` so that their own dims are bound per call.  A function whose
  annotations are all top-level ``Tensor[...]`` hints has nothing left for beartype,
  and is not given to it (stag checks that each value is a ``Tensor`` as well).

Errors: ``ShapeError`` for a shape, ``DTypeError`` for a dtype named with
``Annotated[Tensor[...], np.float64]``, ``TypeError`` for a non-tensor where a tensor
is annotated, beartype's ``BeartypeCallHintViolation`` for everything beartype checks.

beartype and jaxtyping are imported at the first checked call that needs them, never
by ``import stag``.
``STAG_SHAPECHECK=0`` in the environment makes ``shapecheck`` return the function
itself; ``set_checking(False)`` / ``with disable_checking():`` skip the checks of
functions already decorated (one flag test per call).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import os
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, NamedTuple, ParamSpec, TypeVar, Union

import numpy as np
import typing_extensions

from stag._errors import DTypeError, ShapeError
from stag._tensor import Tensor

__all__ = ["checking_enabled", "disable_checking", "set_checking", "shapecheck"]

P = ParamSpec("P")
R = TypeVar("R")

ENV_VAR = "STAG_SHAPECHECK"
_COMPILED_IN = os.environ.get(ENV_VAR, "1").strip().lower() not in {"0", "false", "off", "no"}
_MARK = "__stag_shapecheck__"


class _Switch:
    enabled = _COMPILED_IN


def checking_enabled() -> bool:
    """Whether ``@shapecheck`` functions check their calls now."""
    return _Switch.enabled


def set_checking(enabled: bool) -> None:
    """Turn run-time shape checking on or off for the whole process.

    Off, a decorated function calls the original after one flag test.  With
    ``STAG_SHAPECHECK=0`` in the environment nothing is wrapped at all, and turning
    checking on later has no effect on those functions.
    """
    _Switch.enabled = bool(enabled)


@contextlib.contextmanager
def disable_checking() -> Iterator[None]:
    """A context manager (and decorator) that turns checking off inside it.

    The switch is process-wide, not per thread.
    """
    previous = _Switch.enabled
    _Switch.enabled = False
    try:
        yield
    finally:
        _Switch.enabled = previous


# --------------------------------------------------------------------- the decorator
def shapecheck(fn: Callable[P, R], /) -> Callable[P, R]:
    """Check every call of ``fn`` against its ``Tensor[...]`` annotations.

    **Arguments:**

    - ``fn``: a function, method, ``classmethod`` or ``staticmethod`` (either order).

    **Returns:** a wrapper with ``fn``'s signature that raises ``ShapeError`` when an
    argument's or the result's shape contradicts the annotations, e.g.
    ``layer(): parameter b has shape (11,), expected Tensor[Out]; Out=10 was bound by
    w (784, 10)``.
    """
    if isinstance(fn, (classmethod, staticmethod)):
        return type(fn)(shapecheck(fn.__func__))
    if isinstance(fn, type):
        raise TypeError(f"shapecheck: decorate functions and methods, not the class {fn!r}")
    if not _COMPILED_IN or getattr(fn, _MARK, False) or not getattr(fn, "__annotations__", None):
        return fn
    checker: _Checker[R] | None = None

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        if not _Switch.enabled:
            return fn(*args, **kwargs)
        nonlocal checker
        if checker is None:
            checker = _Checker(fn)
        return checker.call(args, kwargs)

    setattr(checked, _MARK, True)
    return checked


# ----------------------------------------------------------------------- dim patterns
class _Dim(NamedTuple):
    """One dim of a pattern: a literal size set, a name to bind, or unchecked."""

    name: str  # "" for a literal or an unchecked dim
    sizes: frozenset[int]  # empty for a named or an unchecked dim


class _TensorSpec(NamedTuple):
    """A ``Tensor[...]`` hint as index lists, so that a match is two short loops.

    Dims after a variadic part have negative indices, counted from the end.
    """

    rank: int  # the number of dims outside the variadic part
    variadic: str | None  # "*B" binds a prefix, "" is unchecked (*AnyShape), None: no prefix
    head: int  # how many dims come before the variadic part
    literals: tuple[tuple[int, frozenset[int]], ...]  # (index, allowed sizes)
    names: tuple[tuple[int, str], ...]  # (index, dim name)
    dtype: np.dtype[Any] | None
    text: str  # the hint, rendered
    position: int  # which Tensor[...] of its annotation this is, in reading order
    generic: bool  # mentions a TypeVar (class-level dims bind only from these)


class _UnionSpec(NamedTuple):
    options: tuple[_Spec, ...]


class _TupleSpec(NamedTuple):
    items: tuple[_Spec | None, ...]


class _SeqSpec(NamedTuple):
    item: _Spec
    kind: type


_Spec = _TensorSpec | _UnionSpec | _TupleSpec | _SeqSpec
_UNPACKS = (typing.Unpack, typing_extensions.Unpack)
_TYPEVARTUPLES = (typing.TypeVarTuple, typing_extensions.TypeVarTuple)
_SEQUENCES: dict[object, type] = {list: list, Sequence: Sequence, typing.Sequence: Sequence}


class _Counter:
    def __init__(self) -> None:
        self.n = 0


def _parse(hint: object, counter: _Counter) -> _Spec | None:
    """The pattern of the tensors inside ``hint``, or None if it holds no ``Tensor[...]``."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        inner, *metadata = typing.get_args(hint)
        spec = _parse(inner, counter)
        dtypes = [_dtype_of(m) for m in metadata if _dtype_of(m) is not None]
        if isinstance(spec, _TensorSpec) and dtypes:
            return spec._replace(dtype=dtypes[0])
        return spec
    if isinstance(origin, type) and issubclass(origin, Tensor):
        counter.n += 1
        return _parse_tensor(hint, counter.n - 1)
    if origin is Union or origin is types.UnionType:
        options = [_parse(arg, counter) for arg in typing.get_args(hint)]
        present = tuple(o for o in options if o is not None)
        return _UnionSpec(present) if present else None
    args = typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _parse(args[0], counter)
        return None if item is None else _SeqSpec(item, tuple)
    if origin is tuple:
        items = tuple(_parse(arg, counter) for arg in args)
        return _TupleSpec(items) if any(i is not None for i in items) else None
    if origin in _SEQUENCES and len(args) == 1:
        item = _parse(args[0], counter)
        return None if item is None else _SeqSpec(item, _SEQUENCES[origin])
    return None


def _dtype_of(metadata: object) -> np.dtype[Any] | None:
    if isinstance(metadata, np.dtype):
        return metadata
    if isinstance(metadata, type) and issubclass(metadata, np.generic):
        return np.dtype(metadata)
    return None


def _parse_tensor(hint: object, index: int) -> _TensorSpec:
    head: list[_Dim] = []
    tail: list[_Dim] = []
    variadic: str | None = None
    texts: list[str] = []
    generic = False
    for arg in typing.get_args(hint):
        star = _unpacked(arg)
        if star is None:
            dim, text = _parse_dim(arg, hint)
            (head if variadic is None else tail).append(dim)
            texts.append(text)
            generic = generic or isinstance(arg, TypeVar)
        elif isinstance(star, _TYPEVARTUPLES):
            if variadic is not None:
                raise TypeError(f"shapecheck: two variadic parts in {hint}")
            variadic = "*" + star.__name__
            texts.append(variadic)
            generic = True
        elif typing.get_origin(star) is tuple and typing.get_args(star)[-1:] == (Ellipsis,):
            if variadic is not None:
                raise TypeError(f"shapecheck: two variadic parts in {hint}")
            variadic = ""
            texts.append("*AnyShape" if typing.get_args(star)[0] is Any else f"*{star}")
        elif typing.get_origin(star) is tuple:  # *tuple[A, B]: the dims inline
            for inner in typing.get_args(star):
                dim, text = _parse_dim(inner, hint)
                (head if variadic is None else tail).append(dim)
                texts.append(text)
        else:
            raise TypeError(f"shapecheck: cannot read the variadic dims *{star} in {hint}")
    text = f"Tensor[{', '.join(texts) if texts else '()'}]"
    indexed = list(enumerate(head)) + [(i - len(tail), d) for i, d in enumerate(tail)]
    literals = tuple((i, d.sizes) for i, d in indexed if d.sizes)
    names = tuple((i, d.name) for i, d in indexed if d.name)
    rank = len(head) + len(tail)
    return _TensorSpec(rank, variadic, len(head), literals, names, None, text, index, generic)


def _unpacked(arg: object) -> object | None:
    """``B`` for ``*B`` / ``Unpack[B]``, ``tuple[...]`` for ``*tuple[...]``, else None."""
    if getattr(arg, "__origin__", None) in _UNPACKS:
        inner: object = typing.get_args(arg)[0]
        return inner
    if getattr(arg, "__unpacked__", False):
        return types.GenericAlias(tuple, typing.get_args(arg))
    return None


_ANY_DIM = _Dim("", frozenset())


def _parse_dim(arg: object, hint: object) -> tuple[_Dim, str]:
    if arg is Any:
        return _ANY_DIM, "Dyn"
    if arg is int:
        return _ANY_DIM, "int"
    if typing.get_origin(arg) is Literal:
        sizes = typing.get_args(arg)
        if not all(type(s) is int and s >= 0 for s in sizes):
            raise TypeError(f"shapecheck: a Literal dim must hold sizes, got {arg} in {hint}")
        return _Dim("", frozenset(sizes)), f"Literal[{', '.join(map(str, sizes))}]"
    if isinstance(arg, (typing.NewType, TypeVar)):
        return _Dim(arg.__name__, frozenset()), arg.__name__
    raise TypeError(
        f"shapecheck: cannot read the dim {arg!r} in {hint}; a dim is a Literal size, "
        "a NewType, a TypeVar or stag.Dyn"
    )


def _walk(hint: object) -> Iterator[object]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _walk(arg)


def _mentions_jaxtyping(hints: dict[str, object]) -> bool:
    return any(
        type(h).__module__.startswith("jaxtyping") for hint in hints.values() for h in _walk(hint)
    )


# -------------------------------------------------------------------------- the memo
# dim name -> (its size, the name of what bound it: "w", "xs[1]", "self.weight", that
# thing's shape); a variadic "*B" binds a tuple of sizes.
_Memo = dict[str, tuple[int | tuple[int, ...], str, tuple[int, ...]]]


class _Site(NamedTuple):
    """Where a value sits in a call, for messages: ``parameter b`` is bound-by ``b``."""

    where: str
    by: str
    annotation: str  # the parameter name (or "return") whose source text names the hint

    def item(self, key: object) -> _Site:
        return _Site(f"{self.where}[{key!r}]", f"{self.by}[{key!r}]", self.annotation)


def _match(spec: _TensorSpec, shape: tuple[int, ...], memo: _Memo, by: str) -> str | None:
    """Bind ``spec``'s dims to ``shape`` in ``memo``; the reason it fails, or None."""
    n = len(shape)
    if spec.variadic is None:
        if n != spec.rank:
            return f"expected {spec.rank} dims, got {n}"
    elif n < spec.rank:
        return f"expected at least {spec.rank} dims, got {n}"
    for i, sizes in spec.literals:
        if shape[i] not in sizes:
            want = " or ".join(map(str, sorted(sizes)))
            return f"dim {i % n} must be {want}"
    for i, name in spec.names:
        bound = memo.get(name)
        if bound is None:
            memo[name] = (shape[i], by, shape)
        elif bound[0] != shape[i]:
            return f"{name}={bound[0]} was bound by {bound[1]} {bound[2]}"
    if spec.variadic:
        prefix = shape[spec.head : spec.head + n - spec.rank]
        bound = memo.get(spec.variadic)
        if bound is None:
            memo[spec.variadic] = (prefix, by, shape)
        elif bound[0] != prefix:
            return f"{spec.variadic}={bound[0]} was bound by {bound[1]} {bound[2]}"
    return None


# ------------------------------------------------------------------------ the checker
class _Checker(typing.Generic[R]):
    """What one decorated function checks, read from its annotations once."""

    def __init__(self, fn: Callable[..., R]) -> None:
        self.fn = fn
        self.name = _display_name(fn)
        hints = _resolved_hints(fn)
        signature = inspect.signature(fn)
        self.params: list[tuple[int, str, _Spec, _Site]] = []
        self.star_args: tuple[int, _Spec, _Site] | None = None
        self.star_kwargs: tuple[_Spec, _Site] | None = None
        # every named parameter: a keyword argument with one of these names is not in **kwargs
        self.named = frozenset(
            name
            for name, param in signature.parameters.items()
            if param.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        )
        self.counts: dict[str, int] = {}
        self.specs: dict[str, _Spec | None] = {}
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for i, (name, param) in enumerate(signature.parameters.items()):
            spec = self._spec(name, hints)
            if spec is None:
                continue
            site = _Site(f"parameter {name}", name, name)
            if param.kind in positional:
                self.params.append((i, name, spec, site))
            elif param.kind is inspect.Parameter.KEYWORD_ONLY:
                self.params.append((sys.maxsize, name, spec, site))
            elif param.kind is inspect.Parameter.VAR_POSITIONAL:
                self.star_args = (i, spec, site)
            else:
                self.star_kwargs = (spec, site)
        self.ret: _Spec | None = None
        if not (inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn)):
            self.ret = self._spec("return", hints)
        first = next(iter(signature.parameters), None)
        self.binds_self = first == "self" and "self" not in hints
        # beartype is left out when stag's own checks already cover every annotation.
        covered = {name for name, spec in self.specs.items() if isinstance(spec, _TensorSpec)}
        self.inner = fn if covered >= hints.keys() else _beartyped(fn, hints)
        self._source: dict[str, list[str]] | None = None

    def _spec(self, name: str, hints: dict[str, object]) -> _Spec | None:
        if name not in hints:
            return None
        counter = _Counter()
        spec = self.specs[name] = _parse(hints[name], counter)
        self.counts[name] = counter.n
        return spec

    def call(self, args: tuple[object, ...], kwargs: dict[str, object]) -> R:
        __tracebackhide__ = True
        memo: _Memo = {}
        if self.binds_self and args:
            for attr, attr_spec, attr_site in _attribute_specs(type(args[0])):
                value = getattr(args[0], attr, None)
                if value is not None:
                    self._check(attr_spec, value, memo, attr_site)
        nargs = len(args)
        for index, name, spec, site in self.params:
            if index < nargs:
                value = args[index]
            elif name in kwargs:
                value = kwargs[name]
            else:
                continue  # a default: the function's own business
            if type(spec) is _TensorSpec and type(value) is Tensor:  # the common case, inlined
                reason = _match(spec, value._data.shape, memo, site.by)
                if reason is not None or spec.dtype is not None:
                    self._check(spec, value, memo, site, reason)
            else:
                self._check(spec, value, memo, site)
        if self.star_args is not None:
            start, spec, site = self.star_args
            for i in range(start, nargs):
                self._check(spec, args[i], memo, site.item(i - start))
        if self.star_kwargs is not None:
            spec, site = self.star_kwargs
            for key, value in kwargs.items():
                if key not in self.named:
                    self._check(spec, value, memo, site.item(key))
        result = self.inner(*args, **kwargs)
        ret = self.ret
        out: object = result
        if ret is None:
            return result
        reason = None
        if type(ret) is _TensorSpec and type(out) is Tensor and ret.dtype is None:
            reason = _match(ret, out._data.shape, memo, _RETURN.by)
            if reason is None:
                return result
        self._check(ret, out, memo, _RETURN, reason)
        return result

    def _check(
        self, spec: _Spec, value: object, memo: _Memo, site: _Site, reason: str | None = None
    ) -> None:
        """Match ``value`` against ``spec``, raising for a mismatch (the slow, general path)."""
        __tracebackhide__ = True
        if isinstance(spec, _TensorSpec):
            if not isinstance(value, Tensor):
                raise TypeError(self._not_a_tensor(spec, value, site))
            shape = value._data.shape
            reason = reason or _match(spec, shape, memo, site.by)
            if reason is not None:
                expected = self._text(spec, site)
                raise ShapeError(
                    f"{self.name}(): {site.where} has shape {shape}, expected {expected}; {reason}"
                )
            if spec.dtype is not None and value._data.dtype != spec.dtype:
                raise DTypeError(
                    f"{self.name}(): {site.where} has dtype {value._data.dtype}, "
                    f"expected {spec.dtype}"
                )
        elif isinstance(spec, _UnionSpec):
            self._check_union(spec, value, memo, site)
        elif isinstance(spec, _TupleSpec):
            if isinstance(value, tuple) and len(value) == len(spec.items):
                for i, (item, element) in enumerate(zip(spec.items, value)):
                    if item is not None:
                        self._check(item, element, memo, site.item(i))
        elif (
            isinstance(value, spec.kind)
            and isinstance(value, Sequence)
            and not isinstance(value, (str, bytes))
        ):
            item = spec.item
            plain = item if isinstance(item, _TensorSpec) and item.dtype is None else None
            binds = plain is not None and bool(plain.names or plain.variadic)
            for i, element in enumerate(value):
                reason = None
                if plain is not None and type(element) is Tensor:  # without a _Site per item
                    by = f"{site.by}[{i!r}]" if binds else ""  # named only where a dim binds
                    reason = _match(plain, element._data.shape, memo, by)
                    if reason is None:
                        continue
                self._check(item, element, memo, site.item(i), reason)

    def _check_union(self, spec: _UnionSpec, value: object, memo: _Memo, site: _Site) -> None:
        """The first option that matches wins; a value no option holds is beartype's."""
        __tracebackhide__ = True
        first_error: Exception | None = None
        for option in spec.options:
            if isinstance(option, _TensorSpec) and not isinstance(value, Tensor):
                continue
            trial = dict(memo)
            try:
                self._check(option, value, trial, site)
            except (ShapeError, DTypeError, TypeError) as error:
                first_error = first_error or error
                continue
            memo.update(trial)
            return
        if first_error is not None:
            raise first_error

    def _not_a_tensor(self, spec: _TensorSpec, value: object, site: _Site) -> str:
        kind = type(value)
        kind_name = kind.__qualname__ if kind.__module__ == "builtins" else _qualified(kind)
        hint = "; wrap it with stag.tensor(...)" if isinstance(value, np.ndarray) else ""
        return f"{self.name}(): {site.where} has type {kind_name}, expected {self._text(spec, site)}{hint}"

    def _text(self, spec: _TensorSpec, site: _Site) -> str:
        """The hint as the user wrote it (from the source), else as typing renders it."""
        if self._source is None:
            self._source = _annotation_sources(self.fn)
        texts = self._source.get(site.annotation, [])
        if len(texts) == self.counts.get(site.annotation, -1) and spec.position < len(texts):
            return texts[spec.position]
        return spec.text


_RETURN = _Site("return value", "the return value", "return")


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _display_name(fn: Callable[..., object]) -> str:
    qualname: str = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    return qualname.rsplit("<locals>.", 1)[-1]


def _resolved_hints(fn: Callable[..., object]) -> dict[str, object]:
    """``fn``'s annotations evaluated (strings too), with names from its closure."""
    closure = getattr(fn, "__closure__", None) or ()
    code = getattr(fn, "__code__", None)
    local = {}
    if code is not None:
        for name, cell in zip(code.co_freevars, closure):
            with contextlib.suppress(ValueError):  # an empty cell: the name is not bound yet
                local[name] = cell.cell_contents
    return typing.get_type_hints(fn, localns=local or None, include_extras=True)


def _beartyped(fn: Callable[..., R], hints: dict[str, object]) -> Callable[..., R]:
    """``fn`` with beartype checking its signature (and jaxtyping's memo when it has one).

    beartype decorates a copy of ``fn`` that carries the resolved annotations, so
    string annotations are read once, by the same rules as stag's, and ``fn`` itself
    is left untouched.
    """
    from beartype import BeartypeConf, beartype

    target: Callable[..., R] = fn
    if isinstance(fn, types.FunctionType):
        copy = types.FunctionType(
            fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
        )
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__qualname__ = fn.__qualname__
        copy.__module__ = fn.__module__
        copy.__annotations__ = dict(hints)
        target = copy
    checked = beartype(conf=BeartypeConf(is_pep484_tower=True))(target)
    if _mentions_jaxtyping(hints):
        import jaxtyping

        return jaxtyping.jaxtyped(checked, typechecker=None)
    return checked


_CLASS_SPECS: dict[type, tuple[tuple[str, _TensorSpec, _Site], ...]] = {}


def _attribute_specs(cls: type) -> tuple[tuple[str, _TensorSpec, _Site], ...]:
    """The attributes of ``cls`` annotated with a tensor of the class's type variables.

    ``weight: Tensor[I, O]`` on a ``Generic[I, O]`` module binds ``I`` and ``O`` from
    ``self.weight`` before a method's arguments are checked.
    """
    found = _CLASS_SPECS.get(cls)
    if found is None:
        specs = []
        generic = issubclass(cls, typing.Generic)
        hints = typing.get_type_hints(cls, include_extras=True) if generic else {}
        for attr, hint in hints.items():
            spec = _parse(hint, _Counter())
            if isinstance(spec, _UnionSpec):  # Tensor[O] | None
                tensors = [o for o in spec.options if isinstance(o, _TensorSpec)]
                spec = tensors[0] if len(tensors) == 1 else None
            if isinstance(spec, _TensorSpec) and spec.generic:
                specs.append((attr, spec, _Site(f"attribute self.{attr}", f"self.{attr}", "")))
        found = _CLASS_SPECS[cls] = tuple(specs)
    return found


def _annotation_sources(fn: Callable[..., object]) -> dict[str, list[str]]:
    """Each annotation's ``Tensor[...]`` texts in reading order, from ``fn``'s source.

    Only for error messages; an unreadable source gives {} and the rendered hint is used.
    """
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(fn)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return {}
    node = next(
        (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
        None,
    )
    if node is None:
        return {}
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    code = getattr(inspect.unwrap(fn), "__code__", None)
    names = code.co_varnames[: len(every)] if code is not None else ()
    if node.name != getattr(fn, "__name__", None) or tuple(a.arg for a in every) != names:
        return {}  # the file changed since it was imported: trust the rendered hints
    annotations = {a.arg: a.annotation for a in every if a.annotation is not None}
    if node.returns is not None:
        annotations["return"] = node.returns
    return {name: _tensor_texts(source, annotation) for name, annotation in annotations.items()}


def _tensor_texts(source: str, annotation: ast.expr) -> list[str]:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        source = annotation.value  # a quoted annotation: read the string's own code
        try:
            annotation = ast.parse(source, mode="eval").body
        except SyntaxError:
            return []
    found = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.Subscript):
            value = node.value
            name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
            if name == "Tensor":
                found.append(node)
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return [ast.get_source_segment(source, n) or ast.unparse(n) for n in found]

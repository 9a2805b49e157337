"""The per-function checker: every call's arguments and result against their patterns."""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple, TypeVar

import numpy as np

from stag._errors import DTypeError, ShapeError
from stag._tensor import Tensor

from ._beartype import beartyped
from ._hints import class_hints, function_hints
from ._matching import Memo, match
from ._source import annotation_sources
from ._specs import Counter, MapSpec, Spec, TensorSpec, TupleSpec, UnionSpec, parse

R = TypeVar("R")


class _Site(NamedTuple):
    """Where a value sits in a call, for messages: ``parameter b`` is bound-by ``b``."""

    where: str
    by: str
    annotation: str  # the parameter name (or "return") whose source text names the hint

    def item(self, key: object) -> _Site:
        return _Site(f"{self.where}[{key!r}]", f"{self.by}[{key!r}]", self.annotation)


class Checker(typing.Generic[R]):
    """What one decorated function checks, read from its annotations once."""

    def __init__(self, fn: Callable[..., R]) -> None:
        self.fn = fn
        self.name = _display_name(fn)
        hints = function_hints(fn, self.name)
        signature = inspect.signature(fn)
        self.params: list[tuple[int, str, Spec, _Site]] = []
        self.star_args: tuple[int, Spec, _Site] | None = None
        self.star_kwargs: tuple[Spec, _Site] | None = None
        # every named parameter: a keyword argument with one of these names is not in **kwargs
        self.named = frozenset(
            name
            for name, param in signature.parameters.items()
            if param.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        )
        self.counts: dict[str, int] = {}
        self.specs: dict[str, Spec | None] = {}
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
        self.ret: Spec | None = None
        if not (inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn)):
            self.ret = self._spec("return", hints)
        first = next(iter(signature.parameters), None)
        self.binds_self = first == "self" and "self" not in hints
        # beartype is left out when stag's own checks already cover every annotation.
        covered = {name for name, spec in self.specs.items() if isinstance(spec, TensorSpec)}
        self.inner = fn if covered >= hints.keys() else beartyped(fn, hints)
        self._source: dict[str, list[str]] | None = None

    def _spec(self, name: str, hints: dict[str, object]) -> Spec | None:
        if name not in hints:
            return None
        counter = Counter()
        spec = self.specs[name] = parse(hints[name], counter)
        self.counts[name] = counter.n
        return spec

    def call(self, args: tuple[object, ...], kwargs: dict[str, object]) -> R:
        __tracebackhide__ = True
        memo: Memo = {}
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
            if type(spec) is TensorSpec and type(value) is Tensor:  # the common case, inlined
                reason = match(spec, value._data.shape, memo, site.by)
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
        if type(ret) is TensorSpec and type(out) is Tensor and ret.dtype is None:
            reason = match(ret, out._data.shape, memo, _RETURN.by)
            if reason is None:
                return result
        self._check(ret, out, memo, _RETURN, reason)
        return result

    def _check(
        self, spec: Spec, value: object, memo: Memo, site: _Site, reason: str | None = None
    ) -> None:
        """Match ``value`` against ``spec``, raising for a mismatch (the slow, general path)."""
        __tracebackhide__ = True
        if isinstance(spec, TensorSpec):
            self._check_tensor(spec, value, memo, site, reason)
        elif isinstance(spec, UnionSpec):
            self._check_union(spec, value, memo, site)
        elif isinstance(spec, TupleSpec):
            if isinstance(value, tuple) and len(value) == len(spec.items):
                for i, (item, element) in enumerate(zip(spec.items, value)):
                    if item is not None:
                        self._check(item, element, memo, site.item(i))
        elif isinstance(spec, MapSpec):
            if isinstance(value, spec.kind) and isinstance(value, Mapping):
                self._check_items(spec.value, value.items(), memo, site)
        elif (
            isinstance(value, spec.kind)
            and isinstance(value, Sequence)
            and not isinstance(value, (str, bytes))
        ):
            self._check_items(spec.item, enumerate(value), memo, site)

    def _check_tensor(
        self, spec: TensorSpec, value: object, memo: Memo, site: _Site, reason: str | None
    ) -> None:
        __tracebackhide__ = True
        if not isinstance(value, Tensor):
            raise TypeError(self._not_a_tensor(spec, value, site))
        shape = value._data.shape
        reason = reason or match(spec, shape, memo, site.by)
        if reason is not None:
            expected = self._text(spec, site)
            raise ShapeError(
                f"{self.name}(): {site.where} has shape {shape}, expected {expected}; {reason}"
            )
        if spec.dtype is not None and value._data.dtype != spec.dtype:
            raise DTypeError(
                f"{self.name}(): {site.where} has dtype {value._data.dtype}, expected {spec.dtype}"
            )

    def _check_items(
        self, item: Spec, pairs: Iterable[tuple[object, object]], memo: Memo, site: _Site
    ) -> None:
        """Each ``(key, element)`` of a sequence or a mapping against ``item``."""
        __tracebackhide__ = True
        plain = item if isinstance(item, TensorSpec) and item.dtype is None else None
        binds = plain is not None and (bool(plain.names) or plain.prefix is not None)
        for key, element in pairs:
            reason = None
            if plain is not None and type(element) is Tensor:  # without a _Site per item
                by = f"{site.by}[{key!r}]" if binds else ""  # named only where a dim binds
                reason = match(plain, element._data.shape, memo, by)
                if reason is None:
                    continue
            self._check(item, element, memo, site.item(key), reason)

    def _check_union(self, spec: UnionSpec, value: object, memo: Memo, site: _Site) -> None:
        """The first option that matches wins; a value no option holds is beartype's."""
        __tracebackhide__ = True
        first_error: Exception | None = None
        for option in spec.options:
            if isinstance(option, TensorSpec) and not isinstance(value, Tensor):
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

    def _not_a_tensor(self, spec: TensorSpec, value: object, site: _Site) -> str:
        kind = type(value)
        kind_name = kind.__qualname__ if kind.__module__ == "builtins" else _qualified(kind)
        hint = "; wrap it with stag.tensor(...)" if isinstance(value, np.ndarray) else ""
        return f"{self.name}(): {site.where} has type {kind_name}, expected {self._text(spec, site)}{hint}"

    def _text(self, spec: TensorSpec, site: _Site) -> str:
        """The hint as the user wrote it (from the source), else as typing renders it."""
        if self._source is None:
            self._source = annotation_sources(self.fn)
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


_CLASS_SPECS: dict[type, tuple[tuple[str, TensorSpec, _Site], ...]] = {}


def _attribute_specs(cls: type) -> tuple[tuple[str, TensorSpec, _Site], ...]:
    """The attributes of ``cls`` annotated with a tensor of the class's type variables.

    ``weight: Tensor[I, O]`` on a ``Generic[I, O]`` module binds ``I`` and ``O`` from
    ``self.weight`` before a method's arguments are checked.
    """
    found = _CLASS_SPECS.get(cls)
    if found is None:
        specs = []
        generic = issubclass(cls, typing.Generic)
        hints = class_hints(cls) if generic else {}
        for attr, hint in hints.items():
            spec = parse(hint, Counter())
            if isinstance(spec, UnionSpec):  # Tensor[O] | None
                tensors = [o for o in spec.options if isinstance(o, TensorSpec)]
                spec = tensors[0] if len(tensors) == 1 else None
            if isinstance(spec, TensorSpec) and spec.generic:
                specs.append((attr, spec, _Site(f"attribute self.{attr}", f"self.{attr}", "")))
        found = _CLASS_SPECS[cls] = tuple(specs)
    return found

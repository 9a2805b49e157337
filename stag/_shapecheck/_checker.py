"""The per-function checker: every call's arguments and result against their patterns."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from stag._errors import DTypeError, ShapeError
from stag._tensor import Tensor

from ._beartype import argument_check, mentions_jaxtyping, result_check, wrapped
from ._classes import attribute_specs
from ._hints import function_hints
from ._matching import Memo, Site, match
from ._source import annotation_sources
from ._specs import Counter, MapSpec, Spec, TensorSpec, TupleSpec, UnionSpec, parse


class Checker:
    """What one decorated function checks, read from its annotations at its first call.

    A call is checked in two steps around the function, which the wrapper calls
    itself, so that no checking frame stays on the stack while the function runs:
    ``arguments`` returns the call's memo, ``result`` checks the result with it.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.name = _display_name(fn)
        self.ready = False
        self.call: Callable[..., Any] = fn  # what the wrapper calls between the two steps
        self._source: dict[str, list[str]] | None = None

    def _prepare(self) -> None:
        fn = self.fn
        hints = function_hints(fn, self.name)
        signature = inspect.signature(fn)
        self.counts: dict[str, int] = {}
        self.specs: dict[str, Spec | None] = {}
        self._read_parameters(signature, hints)
        self.yields = inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)
        self.ret = None if self.yields else self._spec("return", hints)
        self.plain_ret = _plain(self.ret)
        first = next(iter(signature.parameters), None)
        self.binds_self = first == "self" and "self" not in hints
        self._bridge(hints)
        self.ready = True

    def _read_parameters(self, signature: inspect.Signature, hints: dict[str, object]) -> None:
        # (index or maxsize for keyword-only, name, spec, site, spec if a dtype-free tensor)
        self.params: list[tuple[int, str, Spec, Site, TensorSpec | None]] = []
        self.star_args: tuple[int, Spec, Site] | None = None
        self.star_kwargs: tuple[Spec, Site] | None = None
        # every named parameter: a keyword argument with one of these names is not in **kwargs
        self.named = frozenset(
            name
            for name, param in signature.parameters.items()
            if param.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        )
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self.places: dict[str, int] = {}  # a named parameter's index, maxsize if keyword-only
        for i, (name, param) in enumerate(signature.parameters.items()):
            if param.kind in positional or param.kind is inspect.Parameter.KEYWORD_ONLY:
                self.places[name] = i if param.kind in positional else sys.maxsize
            spec = self._spec(name, hints)
            if spec is None:
                continue
            site = Site(f"parameter {name}", name, name)
            if name in self.places:
                self.params.append((self.places[name], name, spec, site, _plain(spec)))
            elif param.kind is inspect.Parameter.VAR_POSITIONAL:
                self.star_args = (i, spec, site)
            else:
                self.star_kwargs = (spec, site)

    def _bridge(self, hints: dict[str, object]) -> None:
        """beartype's part: the annotations that are not a top-level ``Tensor[...]``."""
        self.others: Callable[..., object] | None = None  # beartype's check of the arguments
        self.other_result: Callable[[object], object] | None = None  # ... of the result
        self.passing: type = object  # a result of this class need not go to other_result
        left = {k: h for k, h in hints.items() if not isinstance(self.specs.get(k), TensorSpec)}
        if self.yields:
            left.pop("return", None)  # a generator's result is the generator: nothing to check
        if not left:
            return
        if mentions_jaxtyping(left):
            self.call = wrapped(self.fn, hints)  # one jaxtyping memo around the whole call
            return
        parameters = {k: h for k, h in left.items() if k != "return"}
        if parameters:
            self.others = argument_check(self.fn, parameters, self.places)
        if "return" in left:
            self.other_result, self.passing = result_check(self.fn, left["return"])

    def _spec(self, name: str, hints: dict[str, object]) -> Spec | None:
        if name not in hints:
            return None
        counter = Counter()
        spec = self.specs[name] = parse(hints[name], counter)
        self.counts[name] = counter.n
        return spec

    def arguments(self, args: tuple[object, ...], kwargs: dict[str, object]) -> Memo:
        """Check one call's arguments; the memo of the dims they bound."""
        __tracebackhide__ = True
        if not self.ready:
            self._prepare()
        memo: Memo = {}
        if self.binds_self and args:
            self._check_attributes(args[0], memo)
        nargs = len(args)
        for index, name, spec, site, plain in self.params:
            if index < nargs:
                value = args[index]
            elif name in kwargs:
                value = kwargs[name]
            else:
                continue  # a default: the function's own business
            if plain is not None and type(value) is Tensor:  # the common case, inlined
                reason = match(plain, value._data.shape, memo, name)
                if reason is not None:
                    self._check(spec, value, memo, site, reason)
            else:
                self._check(spec, value, memo, site)
        if self.star_args is not None or self.star_kwargs is not None:
            self._check_rest(args, kwargs, memo)
        if self.others is not None:
            self.others(*args, **kwargs)
        return memo

    def _check_attributes(self, obj: object, memo: Memo) -> None:
        """Bind the dims of a generic class from ``self``'s own tensors (``self.weight``)."""
        __tracebackhide__ = True
        for attr, spec, site in attribute_specs(type(obj)):
            value = getattr(obj, attr, None)
            if value is not None:
                self._check(spec, value, memo, site)

    def _check_rest(self, args: tuple[object, ...], kwargs: dict[str, object], memo: Memo) -> None:
        """The arguments that ``*args`` and ``**kwargs`` collect."""
        __tracebackhide__ = True
        if self.star_args is not None:
            start, spec, site = self.star_args
            for i in range(start, len(args)):
                self._check(spec, args[i], memo, site.item(i - start))
        if self.star_kwargs is not None:
            spec, site = self.star_kwargs
            for key, value in kwargs.items():
                if key not in self.named:
                    self._check(spec, value, memo, site.item(key))

    def result(self, value: object, memo: Memo) -> None:
        """Check the call's result against the return annotation, with the call's memo."""
        __tracebackhide__ = True
        plain = self.plain_ret
        if plain is not None and type(value) is Tensor:  # the common case, inlined
            reason = match(plain, value._data.shape, memo, _RETURNED)
            if reason is not None:
                self._check(plain, value, memo, _RETURN, reason)
        elif self.ret is not None:
            self._check(self.ret, value, memo, _RETURN)
        if self.other_result is not None and not isinstance(value, self.passing):
            self.other_result(value)

    def _check(
        self, spec: Spec, value: object, memo: Memo, site: Site, reason: str | None = None
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
        self, spec: TensorSpec, value: object, memo: Memo, site: Site, reason: str | None
    ) -> None:
        __tracebackhide__ = True
        if not isinstance(value, Tensor):
            raise TypeError(self._not_a_tensor(spec, value, site))
        shape = value.shape
        reason = reason or match(spec, shape, memo, site.by)
        if reason is not None:
            expected = self._text(spec, site)
            raise ShapeError(
                f"{self.name}(): {site.where} has shape {shape}, expected {expected}; {reason}"
            )
        if spec.dtype is not None and value.dtype != spec.dtype:
            raise DTypeError(
                f"{self.name}(): {site.where} has dtype {value.dtype}, expected {spec.dtype}"
            )

    def _check_items(
        self, item: Spec, pairs: Iterable[tuple[object, object]], memo: Memo, site: Site
    ) -> None:
        """Each ``(key, element)`` of a sequence or a mapping against ``item``."""
        __tracebackhide__ = True
        plain = item if isinstance(item, TensorSpec) and item.dtype is None else None
        binds = plain is not None and (bool(plain.names) or plain.prefix is not None)
        for key, element in pairs:
            reason = None
            if plain is not None and type(element) is Tensor:  # without a Site per item
                by = f"{site.by}[{key!r}]" if binds else ""  # named only where a dim binds
                reason = match(plain, element._data.shape, memo, by)
                if reason is None:
                    continue
            self._check(item, element, memo, site.item(key), reason)

    def _check_union(self, spec: UnionSpec, value: object, memo: Memo, site: Site) -> None:
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

    def _not_a_tensor(self, spec: TensorSpec, value: object, site: Site) -> str:
        kind = type(value)
        kind_name = kind.__qualname__ if kind.__module__ == "builtins" else _qualified(kind)
        hint = "; wrap it with stag.tensor(...)" if isinstance(value, np.ndarray) else ""
        return f"{self.name}(): {site.where} has type {kind_name}, expected {self._text(spec, site)}{hint}"

    def _text(self, spec: TensorSpec, site: Site) -> str:
        """The hint as the user wrote it (from the source), else as typing renders it."""
        if self._source is None:
            self._source = annotation_sources(self.fn)
        texts = self._source.get(site.annotation, [])
        if len(texts) == self.counts.get(site.annotation, -1) and spec.position < len(texts):
            return texts[spec.position]
        return spec.text


_RETURNED = "the return value"  # what binds a dim first seen in the result
_RETURN = Site("return value", _RETURNED, "return")


def _plain(spec: Spec | None) -> TensorSpec | None:
    """``spec`` if it is a ``Tensor[...]`` with no dtype: matched inline, on the fast path."""
    return spec if isinstance(spec, TensorSpec) and spec.dtype is None else None


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _display_name(fn: Callable[..., object]) -> str:
    qualname: str = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    return qualname.rsplit("<locals>.", 1)[-1]

"""The reverse-mode engine: records, backward, grad mode.

A tensor that needs a gradient and was made by a primitive carries a *record* of
how (``Record``): the primitive, its input tensors, their arrays, keyword arguments
and version counters.  ``backward`` walks the tensors reachable from the root
newest-first (a heap on their creation numbers), calling each primitive's
vector-Jacobian products.

The engine imports nothing else of stag: it works on plain ``numpy`` arrays and on
any object with the fields of ``Traced`` (the facade's ``Tensor`` is one), calling
primitives through the fields of ``Differentiable``.  Making tensors (``apply``)
belongs to the facade, ``_tensor.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import threading
import weakref
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any, Literal, Protocol, Self, TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[Any]
Vjp: TypeAlias = Callable[..., Array]


class Differentiable(Protocol):
    """What backward reads of a primitive (``stag._ops.Primitive`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def vjps(self) -> tuple[Vjp, ...]: ...
    @property
    def variadic(self) -> bool: ...
    @property
    def freed_record(self) -> Record: ...


class Traced(Protocol):
    """The fields of a tensor that the engine reads and writes."""

    _data: Array
    _grad: Array | None
    _requires_grad: bool
    _record: Record | None
    _version: int
    _seq: int


# How a tensor was computed, kept on the tensor itself (``_record``): the primitive, its
# input tensors, their arrays, its keyword arguments, and each input's in-place version
# counter at record time (backward refuses to run if an input changed since).  A plain
# tuple: it is built on every recorded op, and a tuple is the cheapest object Python
# makes (a class here cost a tenth of a small op's time).  Backward frees it, unless
# retain_graph, by putting the primitive's ``freed_record`` (no inputs, no arrays) in its
# place; every primitive has at least one input, so no inputs means "freed".
Record: TypeAlias = tuple[
    Differentiable, tuple[Traced, ...], tuple[Array, ...], dict[str, Any], tuple[int, ...]
]

# Every tensor gets a creation number.  An op's output is always newer than its
# inputs, so walking tensors newest-first is a reverse topological order: by the
# time a tensor is reached, every tensor that used it has passed on its gradient.
creation_order = itertools.count()


# ------------------------------------------------------------------ grad mode
class _GradMode(threading.local):
    """Whether ops record, per thread (PyTorch's grad mode is thread-local too): an
    evaluation thread's ``no_grad`` leaves a training thread recording."""

    enabled = True  # every thread starts with recording on


grad_mode = _GradMode()


class _Everywhere:
    """``recording`` is True while no thread has grad mode off: then an op need not read
    the thread-local mode, which costs it about 350 instructions (1.5 % of a small op)."""

    recording = True


everywhere = _Everywhere()
_switch = threading.Lock()
_threads_off = 0  # threads whose grad mode is off now


def _set_grad_mode(enabled: bool) -> None:
    """Set this thread's grad mode, keeping ``everywhere.recording`` in step."""
    global _threads_off
    if grad_mode.enabled == enabled:
        return
    with _switch:
        _threads_off += -1 if enabled else 1
        grad_mode.enabled = enabled
        everywhere.recording = _threads_off == 0


def is_grad_enabled() -> bool:
    """Whether ops record the graph now (False inside ``no_grad``)."""
    return grad_mode.enabled


class no_grad(contextlib.ContextDecorator):
    """Context manager (and decorator) inside which no op records a graph.

    Results made inside have ``requires_grad == False``; use it for
    evaluation and for optimizer updates.
    """

    _enabled = False

    def __init__(self) -> None:
        self._saved: list[bool] = []  # a stack: a block may be entered again inside itself

    def _recreate_cm(self) -> Self:
        # a decorated function gets a fresh block per call: calls in two threads, or a
        # recursion, each restore what they found
        return type(self)()

    def __enter__(self) -> None:
        self._saved.append(grad_mode.enabled)
        _set_grad_mode(self._enabled)

    def __exit__(self, *exc: object) -> None:
        _set_grad_mode(self._saved.pop())


class enable_grad(no_grad):
    """Re-enable recording inside a ``no_grad`` block (also a decorator)."""

    _enabled = True


class RecordView:
    """A read-only view of a tensor's record (``tensor.grad_fn``).

    ``name`` is the primitive's name, ``parents`` its input tensors (empty once
    backward has freed the graph).
    """

    __slots__ = ("name", "parents")

    def __init__(self, record: Record) -> None:
        self.name: str = record[0].name
        self.parents: tuple[Traced, ...] = record[1]

    @property
    def freed(self) -> bool:
        return not self.parents

    def __repr__(self) -> str:
        return f"<{self.name}{' (freed)' if self.freed else ''}>"


# ------------------------------------------------------------------- backward
def _check_versions(t: Traced, record: Record) -> None:
    """Raise if ``record``'s graph was freed or an input it saved was changed in place."""
    _prim, parents, _datas, _kwargs, versions = record
    if not parents:
        raise RuntimeError(
            "backward through a graph that was already freed: a tensor on this path was "
            "used by an earlier backward(); pass retain_graph=True to the first backward "
            "to run it again"
        )
    if t._version != 0 or any(p._version != v for p, v in zip(parents, versions, strict=True)):
        raise RuntimeError(
            f"a tensor needed by '{record[0].name}' for its gradient was modified in place "
            "after it was used; compute the gradient before changing it, or use a copy"
        )


def backward(
    root: Traced,
    seed: Array,
    *,
    retain_graph: bool = False,
    capture: dict[int, Array | None] | None = None,
) -> None:
    """Propagate ``seed`` (d out / d root) back through the recorded graph.

    Without ``capture``, leaf gradients accumulate into ``leaf._grad`` as in
    PyTorch.  With ``capture`` (a dict keyed by ``id`` of the wanted tensors)
    the gradients of those tensors are stored there instead and no ``.grad``
    is touched: the functional API's path.
    """
    # keyed by the tensors themselves: their hash is object identity (see Tensor.__hash__)
    grads: dict[Traced, Array] = {root: seed}
    pending: list[tuple[int, Traced]] = [(-root._seq, root)]
    passed_on: set[int] = set()  # ids of arrays a VJP returned unchanged (add passes g twice)
    while pending:
        t = heappop(pending)[1]
        g = grads.pop(t)
        if capture is not None and id(t) in capture:
            capture[id(t)] = g
        record = t._record
        if record is None:
            if capture is None:
                _accumulate(t, g, id(g) in passed_on)
            continue
        if retained and capture is None and id(t) in retained:  # t.retain_grad()
            _accumulate(t, g, True)
        prim, parents, datas, kwargs, versions = record
        if not parents or t._version:
            _check_versions(t, record)
        vjps = prim.vjps
        for i, p in enumerate(parents):
            if p._version != versions[i]:
                _check_versions(t, record)
            if not p._requires_grad:
                continue
            if prim.variadic:
                gp = vjps[0](g, t._data, *datas, argnum=i, **kwargs)
            elif kwargs:
                gp = vjps[i](g, t._data, *datas, **kwargs)
            else:
                gp = vjps[i](g, t._data, *datas)
            if gp.shape != datas[i].shape:  # a VJP may answer at the broadcast shape
                gp = unbroadcast(gp, datas[i].shape)
            elif gp is g:
                passed_on.add(id(g))
            previous = grads.get(p)
            if previous is None:
                grads[p] = gp
                heappush(pending, (-p._seq, p))
            else:
                grads[p] = _sum(previous, gp)
        if not retain_graph:
            t._record = prim.freed_record


#: How backward adds the gradients of a tensor used twice: a name that ``stag.compile``'s
#: capture can replace to record the sum (``a + b`` inline would not be seen); the
#: operator, so that another library's arrays stay in it, and a C function (no frame).
_sum: Callable[[Array, Array], Array] = operator.add


#: Non-leaf tensors whose gradient backward keeps in ``.grad`` (``Tensor.retain_grad()``),
#: by id; an entry leaves with its tensor (a weak reference's callback).  Not a WeakSet:
#: that compares tensors with ``==``, which is elementwise.
retained: dict[int, weakref.ref[Traced]] = {}


def retain(t: Traced) -> None:
    """Keep ``t``'s gradient in ``t._grad`` at the next backward."""
    key = id(t)
    retained[key] = weakref.ref(t, lambda _ref: retained.pop(key, None))


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if g.shape == shape:
        return g
    if type(g) is not np.ndarray and not isinstance(g, np.generic):
        return _unbroadcast_foreign(g, shape)
    extra = g.ndim - len(shape)
    if extra > 0:  # np.add.reduce is what ndarray.sum calls, minus a Python-level wrapper
        g = np.add.reduce(g, axis=tuple(range(extra)))
    stretched = tuple([i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1])
    if stretched:
        g = np.add.reduce(g, axis=stretched, keepdims=True)
    return g


_namespaces: dict[type, Any] = {}  # array type -> array_api_compat's namespace for it


def _namespace(a: Array) -> Any:
    """The array-API namespace of another library's array (cached by its type)."""
    xp = _namespaces.get(type(a))
    if xp is None:
        from array_api_compat import array_namespace

        xp = _namespaces[type(a)] = array_namespace(a)
    return xp


def _unbroadcast_foreign(g: Array, shape: tuple[int, ...]) -> Array:
    """``unbroadcast`` for another library's array (array API functions)."""
    xp = _namespace(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = xp.sum(g, axis=tuple(range(extra)))
    stretched = tuple([i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1])
    if stretched:
        g = xp.sum(g, axis=stretched, keepdims=True)
    return g


def _accumulate(leaf: Traced, g: Array, shared: bool) -> None:
    """Add ``g`` into ``leaf._grad``, keeping ``g`` itself only when nothing else holds it."""
    if type(g) is not np.ndarray and not isinstance(g, np.generic):
        _accumulate_foreign(leaf, g)
        return
    dtype = leaf._data.dtype
    if leaf._grad is not None:
        leaf._grad = np.add(leaf._grad, g, dtype=dtype)  # .grad keeps the leaf's dtype
        return
    # a view, a read-only array or one passed to several tensors is copied: .grad may be
    # changed in place later; a fresh array of the right dtype is kept as it is
    owned = not shared and g.base is None and g.flags.writeable and g.dtype == dtype
    leaf._grad = g if owned else np.array(g, dtype)


def _accumulate_foreign(leaf: Traced, g: Any) -> None:
    """``_accumulate`` for another library's array: a fresh sum or a copy, never ``g``
    itself (it may be a view, or passed to several tensors)."""
    xp = _namespace(g)
    dtype = leaf._data.dtype
    previous = leaf._grad
    total = g if previous is None else previous + g
    leaf._grad = xp.astype(total, dtype, copy=previous is None)


def filled_like(a: Array, value: Literal[0, 1]) -> Array:
    """Zeros or ones in ``a``'s shape, dtype and library (1: the seed of a backward)."""
    if isinstance(a, np.ndarray | np.generic):
        return np.ones_like(a) if value else np.zeros_like(a)
    xp = _namespace(a)
    filled: Array = xp.ones_like(a) if value else xp.zeros_like(a)
    return filled


def collect(root: Traced, wrt: Sequence[Traced], *, retain_graph: bool = False) -> list[Array]:
    """d root / d each of ``wrt``, zeros where ``root`` does not depend on it."""
    capture: dict[int, Array | None] = {id(w): None for w in wrt}
    seed = filled_like(root._data, 1)
    backward(root, seed, retain_graph=retain_graph, capture=capture)
    results: list[Array] = []
    for w in wrt:
        g = capture[id(w)]
        results.append(filled_like(w._data, 0) if g is None else g)
    return results

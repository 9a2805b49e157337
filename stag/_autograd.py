"""The reverse-mode engine: recording, backward, grad mode.

A tensor that needs a gradient and was made by a primitive carries a ``Node``:
the primitive, its input tensors, their arrays and keyword arguments, and the
result array.  ``backward`` walks the tensors reachable from the root
newest-first (a heap on their creation numbers), calling each primitive's
vector-Jacobian products.
Everything here works on plain ``numpy`` arrays; the typed facade lives in
``_tensor.py`` and only calls ``apply`` and ``backward``.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from stag._errors import ShapeError

if TYPE_CHECKING:
    from stag._ops import Primitive
    from stag._tensor import Tensor

    AnyTensor: TypeAlias = Tensor[*tuple[Any, ...]]

Array: TypeAlias = npt.NDArray[Any]

__all__ = [
    "Node", "apply", "backward", "enable_grad", "is_grad_enabled", "no_grad", "unbroadcast",
]  # fmt: skip


class _GradMode:
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether ops record the graph now (False inside ``no_grad``)."""
    return _mode.enabled


class no_grad(contextlib.ContextDecorator):
    """Context manager (and decorator) inside which no op records a graph.

    Results made inside have ``requires_grad == False``; use it for
    evaluation and for optimizer updates.
    """

    _enabled = False

    def __init__(self) -> None:
        self._saved: list[bool] = []  # a stack: a decorated function may recurse

    def __enter__(self) -> None:
        self._saved.append(_mode.enabled)
        _mode.enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._saved.pop()


class enable_grad(no_grad):
    """Re-enable recording inside a ``no_grad`` block (also a decorator)."""

    _enabled = True


class Node:
    """How a tensor was computed: one primitive applied to some inputs.

    ``versions`` holds each input's in-place version counter at record time;
    backward refuses to run if an input was changed in place since.
    After backward (without ``retain_graph``) the node is freed: it drops its
    inputs and arrays so the graph can be collected.
    """

    __slots__ = ("ans", "datas", "freed", "kwargs", "parents", "prim", "versions")

    def __init__(
        self,
        prim: Primitive,
        parents: tuple[AnyTensor, ...],
        datas: tuple[Array, ...],
        kwargs: dict[str, Any],
        ans: Array,
    ) -> None:
        self.prim = prim
        self.freed = False
        self.parents = parents
        self.datas = datas
        self.kwargs = kwargs
        self.ans = ans
        # one and two inputs spelled out: a comprehension is a function call in Python 3.11
        if len(parents) == 1:
            self.versions: tuple[int, ...] = (parents[0]._version,)
        elif len(parents) == 2:
            self.versions = (parents[0]._version, parents[1]._version)
        else:
            self.versions = tuple([p._version for p in parents])

    @property
    def name(self) -> str:
        """The primitive's name, e.g. ``"matmul"``."""
        return self.prim.name

    def __repr__(self) -> str:
        return f"<{self.name}{' (freed)' if self.freed else ''}>"

    def free(self) -> None:
        """Drop the inputs and arrays (after backward) so the graph can be collected."""
        self.freed = True
        self.parents = self.datas = ()
        self.kwargs = _NO_KWARGS


_tensor_type: type[AnyTensor]
_NO_KWARGS: dict[str, Any] = {}  # a freed node's keyword arguments; never written to

# Every tensor gets a creation number.  An op's output is always newer than its
# inputs, so walking tensors newest-first is a reverse topological order: by the
# time a tensor is reached, every tensor that used it has passed on its gradient.
creation_order = itertools.count()


def register_tensor_type(cls: type[AnyTensor]) -> None:
    """Tell the engine which class its results are (called once by ``_tensor``)."""
    global _tensor_type
    _tensor_type = cls


def apply(prim: Primitive, *args: AnyTensor, **kwargs: Any) -> AnyTensor:
    """Run ``prim`` forward on the tensors' arrays and record it if needed.

    This is the per-op hot path: one forward call, one object, and a Node only
    when grad mode is on and some input requires grad.
    """
    if len(args) == 1:  # spelled out for one and two inputs, as in Node.__init__
        datas: tuple[Array, ...] = (args[0]._data,)
    elif len(args) == 2:
        datas = (args[0]._data, args[1]._data)
    else:
        datas = tuple([a._data for a in args])
    try:
        ans = prim.forward(*datas, **kwargs)
    except ValueError as exc:
        raise ShapeError(prim.describe_error(datas, kwargs, exc)) from None
    if type(ans) is not np.ndarray:
        ans = np.asarray(ans)  # ufuncs on 0-d arrays return numpy scalars
    out = _tensor_type.__new__(_tensor_type)
    out._data = ans
    out._grad = None
    out._version = 0
    out._seq = next(creation_order)
    if _mode.enabled and prim.vjps:
        for a in args:
            if a._requires_grad:
                out._requires_grad = True
                out._node = Node(prim, args, datas, kwargs, ans)
                return out
    out._requires_grad = False
    out._node = None
    return out


def _check_versions(t: AnyTensor, node: Node) -> None:
    """Raise if ``node``'s graph was freed or an input it saved was changed in place."""
    if node.freed:
        raise RuntimeError(
            "backward through a graph that was already freed: a tensor on this path was "
            "used by an earlier backward(); pass retain_graph=True to the first backward "
            "to run it again"
        )
    if t._version != 0 or any(
        p._version != v for p, v in zip(node.parents, node.versions, strict=True)
    ):
        raise RuntimeError(
            f"a tensor needed by '{node.prim.name}' for its gradient was modified in place "
            "after it was used; compute the gradient before changing it, or use a copy"
        )


def backward(
    root: AnyTensor,
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
    grads: dict[int, Array] = {id(root): seed}
    pending: list[tuple[int, int, AnyTensor]] = [(-root._seq, id(root), root)]
    passed_on: set[int] = set()  # ids of arrays a VJP returned unchanged (add passes g twice)
    while pending:
        _, key, t = heappop(pending)
        g = grads.pop(key)
        if capture is not None and key in capture:
            capture[key] = g
        node = t._node
        if node is None:
            if capture is None:
                _accumulate(t, g, id(g) in passed_on)
            continue
        if node.freed or t._version:
            _check_versions(t, node)
        prim, datas, kwargs, ans = node.prim, node.datas, node.kwargs, node.ans
        versions = node.versions
        for i, p in enumerate(node.parents):
            if p._version != versions[i]:
                _check_versions(t, node)
            if not p._requires_grad:
                continue
            if prim.variadic:
                gp = prim.vjps[0](g, ans, *datas, argnum=i, **kwargs)
            elif kwargs:
                gp = prim.vjps[i](g, ans, *datas, **kwargs)
            else:
                gp = prim.vjps[i](g, ans, *datas)
            if gp.shape != datas[i].shape:  # a VJP may answer at the broadcast shape
                gp = unbroadcast(gp, datas[i].shape)
            elif gp is g:
                passed_on.add(id(g))
            key = id(p)
            previous = grads.get(key)
            if previous is None:
                grads[key] = gp
                heappush(pending, (-p._seq, key, p))
            else:
                grads[key] = previous + gp
        if not retain_graph:
            node.free()


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _accumulate(leaf: AnyTensor, g: Array, shared: bool) -> None:
    """Add ``g`` into ``leaf._grad``, keeping ``g`` itself only when nothing else holds it."""
    if leaf._grad is not None:
        leaf._grad = leaf._grad + g
        return
    dtype = leaf._data.dtype
    # a view, a read-only array or one passed to several tensors is copied: .grad may be
    # changed in place later; a fresh array of the right dtype is kept as it is
    owned = not shared and g.base is None and g.flags.writeable and g.dtype == dtype
    leaf._grad = g if owned else np.array(g, dtype)


def collect(
    root: AnyTensor, wrt: Sequence[AnyTensor], *, retain_graph: bool = False
) -> list[Array]:
    """d root / d each of ``wrt``, zeros where ``root`` does not depend on it."""
    capture: dict[int, Array | None] = {id(w): None for w in wrt}
    seed = np.ones_like(root._data)
    backward(root, seed, retain_graph=retain_graph, capture=capture)
    results: list[Array] = []
    for w in wrt:
        g = capture[id(w)]
        results.append(np.zeros_like(w._data) if g is None else g)
    return results

"""PyTorch weights in and out, without PyTorch: names and layouts mapped by one table.

``torch_state_dict(model)`` gives the state PyTorch's twin of ``model`` would have
(its ``state_dict()`` names and layouts, as numpy arrays); ``load_torch_state_dict``
takes such a state (a mapping, or a safetensors file) into a typed stag model, all or
nothing; ``save_torch_state_dict`` writes it as a safetensors file that
``safetensors.torch.load_file`` reads.

A state name is the path of modules to a tensor, as in PyTorch (``Sequential``'s
children are ``"0"``, ``"1"``, ...), so a model whose attributes have the PyTorch
model's names maps by name.  ``LAYOUTS`` says, per kind of stag layer, which tensors
PyTorch keeps and how they are laid out; a layer slots in by one row.  A tensor held
by two layers (tied weights) has both names, as in PyTorch; a file that keeps one of
them (``safetensors.torch.save_model`` drops the other) loads all the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from stag import nn
from stag._errors import DTypeError, ShapeError
from stag._tensor import Tensor
from stag.io._files import write_atomically
from stag.io._manifest import Array
from stag.io._safetensors import write_tensors
from stag.io._torch_files import read_torch_file

if TYPE_CHECKING:
    from stag.nn._module import Module

PathLike = str | os.PathLike[str]
AnyTensor = Tensor[*tuple[Any, ...]]


@dataclass(frozen=True)
class Layout:
    """How one kind of stag layer's tensors appear in PyTorch's ``state_dict``.

    - ``tensors``: the attributes PyTorch keeps, by PyTorch's names (None ones skipped);
    - ``transposed``: those stag stores transposed (``Linear.weight`` is ``(in, out)``);
    - ``torch_only``: entries PyTorch keeps and stag's layer does not (written with
      this value, ignored when read), unless the layer has them as tensors.
    """

    tensors: tuple[str, ...]
    transposed: frozenset[str] = frozenset()
    torch_only: Mapping[str, Callable[[], Array]] = field(default_factory=dict)


_WEIGHT_AND_BIAS = Layout(("weight", "bias"))
_BATCH_NORM = Layout(
    ("weight", "bias", "running_mean", "running_var"),
    torch_only={"num_batches_tracked": lambda: np.array(0, np.int64)},
)
#: stag.nn's layers by name (a name stag.nn does not have yet is skipped), or other
#: Module classes themselves; a subclass takes its base's row
LAYOUTS: dict[str | type[Any], Layout] = {
    "Linear": Layout(("weight", "bias"), transposed=frozenset({"weight"})),
    "Conv2d": _WEIGHT_AND_BIAS,
    "LayerNorm": _WEIGHT_AND_BIAS,
    "Embedding": Layout(("weight",)),
    "BatchNorm1d": _BATCH_NORM,
    "BatchNorm2d": _BATCH_NORM,
}


class IncompatibleKeys(NamedTuple):
    """The names ``load_torch_state_dict`` could not match, as PyTorch reports them."""

    missing_keys: list[str]
    unexpected_keys: list[str]


@dataclass(frozen=True)
class Slot:
    """One entry of PyTorch's state: its name, and stag's tensor for it (None: torch-only)."""

    name: str
    tensor: AnyTensor | None
    transposed: bool = False
    default: Callable[[], Array] | None = None

    def torch_shape(self) -> tuple[int, ...]:
        assert self.tensor is not None
        shape: tuple[int, ...] = self.tensor.shape
        return shape[::-1] if self.transposed else shape

    def to_torch(self) -> Array:
        if self.tensor is None:
            assert self.default is not None
            return self.default()
        array = self.tensor.numpy()
        return np.array(array.T if self.transposed else array, order="C")  # a writable copy

    def from_torch(self, array: Array) -> Array:
        return np.ascontiguousarray(array.T) if self.transposed else array


# ------------------------------------------------------------------ the walk
def slots(module: Module, prefix: str = "") -> Iterator[Slot]:
    """Every entry of the PyTorch state of ``module``, in PyTorch's order."""
    layout = _layout(module)
    covered: set[int] = set()
    if layout is not None:
        for name in (*layout.tensors, *layout.torch_only):
            value = getattr(module, name, None)
            if isinstance(value, Tensor):
                covered.add(id(value))
                yield Slot(prefix + name, value, name in layout.transposed)
            elif name in layout.torch_only:
                yield Slot(prefix + name, None, default=layout.torch_only[name])
    for name, tensor in _own_tensors(module):
        if id(tensor) not in covered:
            yield Slot(prefix + name, tensor)
    for name, child in module.named_children():
        yield from slots(child, f"{prefix}{name}.")


def _layout(module: Module) -> Layout | None:
    rows = {getattr(nn, k, None) if isinstance(k, str) else k: row for k, row in LAYOUTS.items()}
    return next((rows[k] for k in type(module).__mro__ if k in rows), None)


def _own_tensors(module: Module) -> Iterator[tuple[str, AnyTensor]]:
    """The tensors ``module`` holds itself (in attributes and containers), not its children's."""
    children = tuple(f"{name}." for name, _ in module.named_children())
    for name, tensor in module.state_dict().items():
        if not name.startswith(children):
            yield name, tensor


# ------------------------------------------------------------------ export
def torch_state_dict(module: Module) -> dict[str, npt.NDArray[Any]]:
    """``module``'s state with PyTorch's names and layouts: what its PyTorch twin's
    ``state_dict()`` holds, as numpy arrays (copies, C-contiguous).

    ``{k: torch.from_numpy(v) for k, v in ...items()}`` loads into the twin with
    ``load_state_dict``; ``save_torch_state_dict`` writes the same as a file.
    """
    return {slot.name: slot.to_torch() for slot in slots(module)}


def save_torch_state_dict(module: Module, path: PathLike) -> None:
    """Write ``torch_state_dict(module)`` to ``path`` as a safetensors file, atomically.

    ``safetensors.torch.load_file(path)`` gives the PyTorch twin's ``state_dict``; the
    metadata says ``{"format": "pt"}``, as ``safetensors.torch.save_file`` writes it.
    A tensor with two names (tied weights) is written under both.
    """
    arrays = torch_state_dict(module)
    write_atomically(os.fspath(path), lambda f: write_tensors(f, arrays, {"format": "pt"}))


# ------------------------------------------------------------------ import
def load_torch_state_dict(
    module: Module, source: PathLike | Mapping[str, Any], *, strict: bool = True
) -> IncompatibleKeys:
    """Load a PyTorch ``state_dict`` into ``module``, in place, all or nothing.

    **Arguments:**

    - ``module``: the stag model, built with the PyTorch model's attribute names.
    - ``source``: a mapping of PyTorch names to arrays (numpy arrays, or a PyTorch
      ``state_dict()`` itself: its tensors convert with ``numpy.asarray``), or the
      path of a safetensors file (``safetensors.torch.save_file(model.state_dict(), path)``).
    - ``strict``: require the names to match exactly, as PyTorch's ``load_state_dict``.

    **Returns:** ``IncompatibleKeys(missing_keys, unexpected_keys)``, both empty
    when ``strict``.

    **Raises:** ``KeyError`` (``strict`` and names that differ), ``stag.ShapeError``,
    ``stag.DTypeError`` (values are not converted: a float64 array does not load into
    a float32 model), ``ValueError`` for two names of one tied tensor with other values;
    for a file also ``stag.CheckpointError`` and ``OSError``.  Nothing changes then.
    """
    table = list(slots(module))
    if isinstance(source, Mapping):
        return _load(module, table, {k: np.asarray(v) for k, v in source.items()}, strict)
    path = os.fspath(source)
    with read_torch_file(path, len(table)) as (shapes, read):
        keys = _match(table, shapes, strict)  # shapes, dtypes and names first: nothing read
        return _load(module, table, read([s.name for s in table if s.name in shapes]), strict, keys)


def _load(
    module: Module,
    table: list[Slot],
    state: Mapping[str, Array],
    strict: bool,
    keys: IncompatibleKeys | None = None,
) -> IncompatibleKeys:
    if keys is None:
        keys = _match(table, state, strict)
    names = {id(t): name for name, t in module.state_dict().items()}
    arrays: dict[str, Array] = {}
    for slot, tensor in _held(table):
        if slot.name in state:
            array = slot.from_torch(state[slot.name])
            _check_ties(slot, arrays.setdefault(names[id(tensor)], array), array)
    module.load_state_dict(arrays, strict=False)  # checked by _match: cannot fail
    return keys


def _match(table: list[Slot], state: Mapping[str, Array], strict: bool) -> IncompatibleKeys:
    """The names that do not match; raise for them (``strict``), for shapes and dtypes."""
    held = _held(table)
    found = {id(t) for s, t in held if s.name in state}
    missing = [s.name for s, t in held if id(t) not in found]
    known = {s.name for s in table}
    unexpected = [k for k in state if k not in known]
    if strict and (missing or unexpected):
        raise KeyError(
            f"load_torch_state_dict: missing keys {missing}, unexpected keys {unexpected}"
        )
    given = [(s, t, state[s.name]) for s, t in held if s.name in state]
    shapes = [
        f"{s.name}: expected {s.torch_shape()}, got {a.shape}"
        + (" (PyTorch's layout: stag keeps the transpose)" if s.transposed else "")
        for s, _, a in given
        if a.shape != s.torch_shape()
    ]
    if shapes:
        raise ShapeError("load_torch_state_dict: shape mismatch for " + "; ".join(shapes))
    dtypes = [
        f"{s.name}: expected {t.dtype}, got {a.dtype}" for s, t, a in given if a.dtype != t.dtype
    ]
    if dtypes:
        raise DTypeError("load_torch_state_dict: dtype mismatch for " + "; ".join(dtypes))
    return IncompatibleKeys(missing, unexpected)


def _held(table: list[Slot]) -> list[tuple[Slot, AnyTensor]]:
    """The slots that hold a stag tensor (not the torch-only ones), with it."""
    return [(s, s.tensor) for s in table if s.tensor is not None]


def _check_ties(slot: Slot, kept: Array, array: Array) -> None:
    if kept is not array and not np.array_equal(kept, array, equal_nan=True):
        raise ValueError(
            f"load_torch_state_dict: {slot.name} is tied to a tensor of another name in "
            "this model, and the state gives the two names different values"
        )

"""``Module``: the base of layers and models, equinox style.

A module is a plain Python object.  Its state is every tensor it holds, in an
attribute or inside lists, tuples and dicts (nested): the tensors that require
grad are its parameters, the others its buffers (frozen weights, running
statistics, fixed tables).  Its children are the modules it holds the same way.
``__call__`` is the whole forward pass and each subclass types it precisely;
there is no ``forward`` and no hook machinery.

A module is also a pytree: ``stag.grad(loss_fn)(model, x, y)`` returns a
shallow copy of ``model`` whose parameters are the gradients.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeAlias

import numpy as np
import numpy.typing as npt

from stag._autograd import no_grad
from stag._backends import check, convert, name_of
from stag._dims import AnyShape
from stag._errors import DTypeError, ShapeError
from stag._pytorch_names import MODULE_ATTRIBUTES, missing_attribute
from stag._tensor import Tensor
from stag._transforms import register_pytree

AnyTensor = Tensor[*AnyShape]
StateValue = Tensor[*AnyShape] | npt.NDArray[Any]
#: a tensor or module a module holds, with its dotted name (``"layers.0"``)
_Member: TypeAlias = tuple[str, "AnyTensor | Module"]

_PARAM_NAMES = "_param_names"


def clear_grads(params: Iterable[Tensor[*AnyShape]], set_to_none: bool) -> None:
    """``zero_grad``'s body, for modules and optimizers: each ``.grad`` to None or to 0."""
    for p in params:
        if set_to_none:
            p.grad = None
        elif (grad := p.grad) is not None:
            grad.zero_()  # the gradient's own array, as PyTorch zeroes it in place


class Module:
    """The base class of every layer and model.

    Subclass it, assign parameters (tensors with ``requires_grad=True``),
    buffers (tensors without) and sub-modules as attributes in ``__init__``,
    directly or in lists, tuples and dicts, and define ``__call__`` with
    precise shape types (``Module`` itself defines no ``__call__``: a model's
    type is its subclass's forward signature, so ``model(x)`` is typed exactly).
    Calling ``super().__init__()`` is optional.

    A tensor attribute that required grad when it was assigned stays a
    parameter after ``requires_grad_(False)``.  Every tensor is part of the
    ``state_dict``, under its dotted name (``"layers.0.weight"``); two places
    that would give one name (dict keys ``1`` and ``"1"``) raise ``ValueError``.
    """

    training: bool = True

    def __init__(self) -> None:
        self.training = True

    def __setattr__(self, name: str, value: object) -> None:
        names: dict[str, None] = self.__dict__.setdefault(_PARAM_NAMES, {})
        if isinstance(value, Tensor) and value.requires_grad:
            names[name] = None
        else:
            names.pop(name, None)
        if isinstance(value, list | tuple | dict):
            for _ in _unique(_walk(self, _contents(name, value), ""), self):
                pass  # a container whose keys collide is refused when it is assigned
        object.__setattr__(self, name, value)

    if not TYPE_CHECKING:  # PyTorch's Module names at run time only: the checkers see none

        def __getattr__(self, name: str) -> object:  # only when the attribute is missing
            raise missing_attribute(f"{type(self).__name__!r} object", name, MODULE_ATTRIBUTES)

    # ----------------------------------------------------------- discovery
    def _is_param(self, name: str, value: object) -> bool:
        if not isinstance(value, Tensor):
            return False
        return value.requires_grad or name in self.__dict__.get(_PARAM_NAMES, ())

    def _members(self) -> Iterator[_Member]:
        """Direct tensors and children (through containers), named, in attribute order."""
        for name, value in vars(self).items():
            if name != _PARAM_NAMES:
                yield from _contents(name, value)

    def _state(self) -> Iterator[tuple[str, AnyTensor, bool]]:
        """Every tensor once, with its dotted name and whether it is a parameter."""
        return _unique(_walk(self, self._members(), ""), self)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names (``"0"``, ``"layers.1"``, ``"encoder"``)."""
        for name, value in self._members():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every descendant, depth first."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Tensor[*AnyShape]]]:
        """Every parameter with its dotted name (``"0.weight"``), each tensor once."""
        for name, tensor, is_param in self._state():
            if is_param:
                yield name, tensor

    def parameters(self) -> list[Tensor[*AnyShape]]:
        """Every parameter, in ``named_parameters`` order."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor[*AnyShape]]]:
        """Every tensor that is not a parameter, with its dotted name, each tensor once."""
        for name, tensor, is_param in self._state():
            if not is_param:
                yield name, tensor

    def buffers(self) -> list[Tensor[*AnyShape]]:
        """Every buffer, in ``named_buffers`` order."""
        return [b for _, b in self.named_buffers()]

    def to(self, backend: str, device: str | None = None) -> Self:
        """Move every parameter and buffer to ``backend`` (``"numpy"``, ``"torch"``,
        ``"cupy"``) and ``device``, in place, as PyTorch's ``module.to``; a device alone
        (``model.to("cpu")``, ``model.to("cuda")``) keeps each tensor's library.  The tensors stay
        the same objects (an optimizer made before keeps them, and moves its state at its
        next step); their gradients move with them.  Returns this module."""
        tensors = [tensor for _, tensor, _is_param in self._state()]
        # every target first (a device alone keeps each tensor's library), so a refusal
        # leaves every tensor where it was
        targets = [check(backend, device, name_of(tensor._data)) for tensor in tensors]
        for tensor, where in zip(tensors, targets, strict=True):
            tensor.array_for_update()  # bumps the version: saved graphs refuse to run
            tensor._data = convert(tensor._data, where)
            if tensor._grad is not None:
                tensor._grad = convert(tensor._grad, where)
        return self

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """Call ``fn`` on every sub-module, then on this module; return this module.

        PyTorch's order: children before their parent (depth first), so an
        initialiser applied to a model reaches every layer.  A module held in
        two places is visited once.

        **Arguments:** ``fn``, called with each module; its result is ignored.
        **Returns:** ``self``.
        """
        for module in _post_order(self, set()):
            fn(module)
        return self

    # ------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Self:
        """Set training mode (``mode=True``) or evaluation mode on every module."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Self:
        """Evaluation mode: ``Dropout`` becomes the identity.  Same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: None, as PyTorch's default; with
        ``set_to_none=False`` each gradient is set to 0 in place instead."""
        clear_grads(self.parameters(), set_to_none)

    # ------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Tensor[*AnyShape]]:
        """Every parameter and buffer by its dotted name: the tensors themselves, not copies.

        In attribute order; a tensor held in two places is listed once, under its
        first name.  Raises ``ValueError`` when two places give one name.
        """
        return {name: tensor for name, tensor, _ in self._state()}

    def load_state_dict(self, state: Mapping[str, StateValue], strict: bool = True) -> None:
        """Copy ``state``'s values into the parameters, in place.

        Everything is validated (``check_state_dict``) before anything changes.  The
        parameters keep their identity, so an optimizer holding them still works.

        **Arguments:**
        - ``state``: name to tensor or numpy array, as ``state_dict()`` gives.
        - ``strict``: require exactly the model's names.

        **Raises:** ``KeyError`` (names), ``stag.ShapeError`` (shapes),
        ``stag.DTypeError`` (dtypes).
        """
        own, arrays = self._checked(state, strict)
        with no_grad():
            for k, a in arrays.items():
                own[k].copy_(Tensor(a))

    def check_state_dict(self, state: Mapping[str, StateValue], strict: bool = True) -> None:
        """Raise what ``load_state_dict(state, strict)`` would raise, changing nothing.

        The names (with ``strict``, none missing and none unexpected), then each
        shape against the parameter's, then each dtype.
        """
        self._checked(state, strict)

    def _checked(
        self, state: Mapping[str, StateValue], strict: bool
    ) -> tuple[dict[str, Tensor[*AnyShape]], dict[str, npt.NDArray[Any]]]:
        own = self.state_dict()
        if strict:
            missing = [k for k in own if k not in state]
            unexpected = [k for k in state if k not in own]
            if missing or unexpected:
                raise KeyError(
                    f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
                )
        arrays = {k: _as_array(v) for k, v in state.items() if k in own}
        for what, error in (("shape", ShapeError), ("dtype", DTypeError)):
            bad = [
                f"{k}: expected {getattr(own[k], what)}, got {getattr(a, what)}"
                for k, a in arrays.items()
                if getattr(a, what) != getattr(own[k], what)
            ]
            if bad:
                raise error(f"load_state_dict: {what} mismatch for " + "; ".join(bad))
        return own, arrays

    # -------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's one-line repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return head + "\n" + "\n".join(lines) + "\n)"


def _post_order(module: Module, seen: set[int]) -> Iterator[Module]:
    """Every module under ``module`` (itself last), children first, each once."""
    seen.add(id(module))
    for child in module.children():
        if id(child) not in seen:
            yield from _post_order(child, seen)
    yield module


def _as_array(value: StateValue) -> npt.NDArray[Any]:
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def _contents(name: str, value: object, on_path: tuple[int, ...] = ()) -> Iterator[_Member]:
    """The tensors and modules in ``value`` and in the lists, tuples and dicts nested in it."""
    if isinstance(value, Module | Tensor):
        yield name, value
    elif isinstance(value, list | tuple | dict) and id(value) not in on_path:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        inner = (*on_path, id(value))
        for key, item in items:
            yield from _contents(f"{name}.{key}", item, inner)


def _walk(
    owner: Module, members: Iterable[_Member], prefix: str
) -> Iterator[tuple[str, AnyTensor, bool]]:
    """Every tensor in ``members`` and in their modules: dotted name, tensor, is a parameter."""
    for name, value in members:
        if isinstance(value, Module):
            yield from _walk(value, value._members(), f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value, owner._is_param(name, value)


def _unique(
    found: Iterable[tuple[str, AnyTensor, bool]], root: Module
) -> Iterator[tuple[str, AnyTensor, bool]]:
    """Each tensor once (a shared one under its first name); a name given twice raises."""
    names: set[str] = set()
    seen: set[int] = set()
    for name, tensor, is_param in found:
        if name in names:
            raise ValueError(
                f"{type(root).__name__}: two places give the state name {name!r}: a state "
                "name joins attribute names and keys with '.', so dict keys 1 and '1', or a "
                "key 'a.b' beside a key 'a' holding 'b', collide; rename one of them"
            )
        names.add(name)
        if id(tensor) not in seen:
            seen.add(id(tensor))
            yield name, tensor, is_param


# ------------------------------------------------------------------ pytree
def _tree_fields(module: Module) -> list[str]:
    """The attributes a pytree sees: parameters, sub-modules, containers that hold any."""
    return [
        name
        for name, value in vars(module).items()
        if name != _PARAM_NAMES
        and (
            isinstance(value, Module)
            or module._is_param(name, value)
            or (isinstance(value, list | tuple | dict) and next(_contents(name, value), None))
        )
    ]


def _flatten(module: Module) -> list[Any]:
    return [getattr(module, name) for name in _tree_fields(module)]


def _unflatten(module: Module, children: list[Any]) -> Module:
    # A shallow copy that keeps the parameter names, so that a gradient module
    # (whose tensors do not require grad) still lists them as its parameters.
    new = copy.copy(module)
    new.__dict__[_PARAM_NAMES] = dict(module.__dict__.get(_PARAM_NAMES, {}))
    new.__dict__.update(zip(_tree_fields(module), children, strict=True))
    return new


register_pytree(Module, _flatten, _unflatten)

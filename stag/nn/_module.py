"""``Module``: the base of layers and models, equinox style.

A module is a plain Python object.  Its parameters are the attributes that
hold a tensor with ``requires_grad=True``; its children are the attributes
that hold a module, or a list, tuple or dict of modules.  ``__call__`` is the
whole forward pass and each subclass types it precisely; there is no
``forward`` and no hook machinery.

A module is also a pytree: ``stag.grad(loss_fn)(model, x, y)`` returns a
shallow copy of ``model`` whose parameters are the gradients.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from stag._autograd import no_grad
from stag._dims import AnyShape
from stag._errors import DTypeError, ShapeError
from stag._tensor import Tensor
from stag._transforms import register_pytree

AnyTensor = Tensor[*AnyShape]
StateValue = Tensor[*AnyShape] | npt.NDArray[Any]

_PARAM_NAMES = "_param_names"


class Module:
    """The base class of every layer and model.

    Subclass it, assign parameters (tensors with ``requires_grad=True``) and
    sub-modules as attributes in ``__init__``, and define ``__call__`` with
    precise shape types (``Module`` itself defines no ``__call__``: a model's
    type is its subclass's forward signature, so ``model(x)`` is typed exactly).
    Calling ``super().__init__()`` is optional.

    A tensor attribute that required grad when it was assigned stays a
    parameter after ``requires_grad_(False)`` (a frozen parameter is still
    part of the ``state_dict``).
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
        object.__setattr__(self, name, value)

    # ----------------------------------------------------------- discovery
    def _is_param(self, name: str, value: object) -> bool:
        if not isinstance(value, Tensor):
            return False
        return value.requires_grad or name in self.__dict__.get(_PARAM_NAMES, ())

    def _members(self) -> Iterator[tuple[str, AnyTensor | Module]]:
        """Direct parameters and children, named, in attribute order."""
        for name, value in vars(self).items():
            if name == _PARAM_NAMES:
                continue
            if isinstance(value, Module) or self._is_param(name, value):
                yield name, value
            elif isinstance(value, list | tuple | dict):
                items = value.items() if isinstance(value, dict) else enumerate(value)
                for key, item in items:
                    if isinstance(item, Module) or (
                        isinstance(item, Tensor) and item.requires_grad
                    ):
                        yield f"{name}.{key}", item

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
        seen: set[int] = set()
        for name, value in self._walk(""):
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def _walk(self, prefix: str) -> Iterator[tuple[str, AnyTensor]]:
        for name, value in self._members():
            if isinstance(value, Module):
                yield from value._walk(f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", value

    def parameters(self) -> list[Tensor[*AnyShape]]:
        """Every parameter, in ``named_parameters`` order."""
        return [p for _, p in self.named_parameters()]

    # ------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Self:
        """Set training mode (``mode=True``) or evaluation mode on every module."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Self:
        """Evaluation mode: ``Dropout`` becomes the identity.  Same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Clear every parameter's ``.grad`` (set it to None)."""
        for p in self.parameters():
            p.grad = None

    # ------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Tensor[*AnyShape]]:
        """Every parameter by its dotted name: the tensors themselves, not copies."""
        return dict(self.named_parameters())

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
        bad_shapes = [
            f"{k}: expected {own[k].shape}, got {a.shape}"
            for k, a in arrays.items()
            if a.shape != own[k].shape
        ]
        if bad_shapes:
            raise ShapeError("load_state_dict: shape mismatch for " + "; ".join(bad_shapes))
        bad_dtypes = [
            f"{k}: expected {own[k].dtype}, got {a.dtype}"
            for k, a in arrays.items()
            if a.dtype != own[k].dtype
        ]
        if bad_dtypes:
            raise DTypeError("load_state_dict: dtype mismatch for " + "; ".join(bad_dtypes))
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


def _as_array(value: StateValue) -> npt.NDArray[Any]:
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


# ------------------------------------------------------------------ pytree
def _tree_fields(module: Module) -> list[str]:
    """The attributes a pytree sees: parameters, sub-modules, containers of them."""
    fields = []
    for name, value in vars(module).items():
        if name == _PARAM_NAMES:
            continue
        if isinstance(value, Module) or module._is_param(name, value):
            fields.append(name)
        elif isinstance(value, list | tuple | dict):
            items = value.values() if isinstance(value, dict) else value
            if any(isinstance(v, Module | Tensor) for v in items):
                fields.append(name)
    return fields


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

"""Where a tensor's values live: numpy, or another array library through the array API.

numpy is the default and the per-op fast path: its arrays never reach this module's
slow half.  A PyTorch tensor (CPU or CUDA), a CuPy array or an ``array_api_strict``
array (the standard's conformance library, for tests) is computed on with its own
library's functions, found by ``array_api_compat.array_namespace`` (imported at the
first such array, never by ``import stag``).  The backend is a run-time property of a
tensor; its static type, the shape, does not change.

``default_backend("torch", device="cuda")`` says where creation functions, layer
initialisers and ``stag.tensor`` of host data allocate; ``convert`` moves an array
between libraries (zero-copy between numpy and PyTorch on the CPU).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from stag._errors import BackendError, DTypeError

Array = npt.NDArray[Any]

#: The backends by name, with the module that holds their arrays and the extra to install.
LIBRARIES = {
    "numpy": ("numpy", "pip install numpy"),
    "torch": ("torch", "pip install 'stag[torch]'"),
    "cupy": ("cupy", "pip install cupy-cuda12x, or the wheel for your CUDA"),
    "array_api_strict": ("array_api_strict", "pip install 'stag[test]'"),
}


class Backend(NamedTuple):
    """A library name (a key of ``LIBRARIES``) and a device in its own spelling (or None)."""

    name: str
    device: str | None = None


NUMPY = Backend("numpy")
_default: contextvars.ContextVar[Backend] = contextvars.ContextVar("stag_backend", default=NUMPY)


def default() -> Backend:
    """Where creation functions allocate now (numpy unless inside ``default_backend``)."""
    return _default.get()


@contextlib.contextmanager
def default_backend(name: str, device: str | None = None) -> Iterator[Backend]:
    """Inside the block, creation functions, layer initialisers and ``stag.tensor`` of
    host data (lists, numpy arrays) allocate with ``name``'s library on ``device``.

    ``"numpy"`` (the default), ``"torch"`` (``device="cpu"``, ``"cuda"``, ``"cuda:1"``),
    ``"cupy"`` and ``"array_api_strict"`` are accepted; an unknown name, a library that
    is not installed or a device it does not have raises ``BackendError`` here.
    """
    backend = check(name, device)
    token = _default.set(backend)
    try:
        yield backend
    finally:
        _default.reset(token)


def check(name: str, device: str | None, current: str | None = None) -> Backend:
    """``Backend(name, device)`` once the library imports and has the device.

    With the library the values are in (``current``: ``x.to``, ``module.to``), ``name``
    may be a device alone, as PyTorch's ``x.to("cpu")`` and ``model.to(device)`` take
    it: that library on that device, where it has one.
    """
    if current is not None and device is None and name.split(":")[0] in _DEVICES:
        name, device = _library_on(name, current), name
    if name not in LIBRARIES:
        raise BackendError(
            f"unknown backend {name!r}; expected one of {', '.join(map(repr, LIBRARIES))}"
        )
    library(name)
    if name == "numpy" and device not in (None, "cpu"):
        raise BackendError(f"backend 'numpy' computes on the CPU only, not on {device!r}")
    if name == "torch" and device is not None:
        torch = library("torch")
        try:
            where = torch.device(device)
        except RuntimeError as exc:
            raise BackendError(f"backend 'torch': bad device {device!r} ({exc})") from None
        if where.type == "cuda" and not torch.cuda.is_available():
            raise BackendError(f"backend 'torch': device {device!r} asked for, but no GPU here")
    return Backend(name, None if device == "cpu" else device)


_DEVICES = ("cpu", "cuda", "mps")  # PyTorch's device types, as x.to(device) names them


def _library_on(device: str, current: str) -> str:
    """The library that keeps values of ``current`` on ``device`` (``x.to("cpu")``)."""
    kind = device.split(":")[0]
    if kind == "cpu" and current != "cupy":
        return current
    if (kind == "cuda" and current in ("torch", "cupy")) or (kind == "mps" and current == "torch"):
        return current
    if kind == "cpu":
        raise BackendError(f"to: {current} has no 'cpu' device; .to('numpy') copies to the host")
    raise BackendError(
        f"to: {device!r} is a device, and {current} has no such device; name the library "
        f"that computes there: .to('torch', device={device!r})"
        + (" or .to('cupy')" if kind == "cuda" else "")
    )


def library(name: str) -> ModuleType:
    """The module of backend ``name``, imported now if it was not yet."""
    module, install = LIBRARIES[name]
    if name == "array_api_strict":
        # stag's caches are keyed by dtype, and a strict dtype meeting a numpy one there
        # (an unequal key of the same hash) warns; the comparison is meant
        warnings.filterwarnings("ignore", "You are comparing a array_api_strict dtype", UserWarning)
    try:
        importlib.import_module("array_api_compat")
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendError(
            f"backend {name!r} needs {exc.name}, which is not installed ({install})"
        ) from None


def foreign(array: object) -> str | None:
    """The name of the backend an array of another library than numpy belongs to, or None
    (a numpy array, a list, a number: host data)."""
    name = name_of(array)
    return name if name != "numpy" and name in LIBRARIES else None


def name_of(array: object) -> str:
    """The backend an array belongs to (``"numpy"``, ``"torch"``, ...)."""
    if isinstance(array, np.ndarray | np.generic):
        return "numpy"
    top = type(array).__module__.partition(".")[0]
    return top if top in LIBRARIES else type(array).__module__


def device_of(array: object) -> str | None:
    """Where an array lives in its library's spelling: ``"cuda:0"``; None for the CPU."""
    if name_of(array) == "numpy":
        return None
    from array_api_compat import device

    where = str(device(array))
    return None if where in ("cpu", "CPU_DEVICE") else where


def namespace(op: str, *arrays: Any) -> Any:
    """The array-API namespace of ``arrays``: ``numpy`` itself for numpy arrays (numpy 2
    is a conforming namespace), else ``array_api_compat``'s.  Arrays of two libraries,
    or of one library on two devices, raise ``BackendError`` naming ``op`` and both."""
    for a in arrays:
        if not isinstance(a, np.ndarray | np.generic):
            break
    else:
        return np
    first = type(arrays[0])
    if all(type(a) is first for a in arrays):  # the usual case: one library, by type
        xp = namespace_of(arrays[0])
        where = arrays[0].device
        if all(a.device == where for a in arrays):
            return xp
    from array_api_compat import array_namespace

    try:
        xp = array_namespace(*arrays)
    except TypeError:
        names = list(dict.fromkeys(name_of(a) for a in arrays))
        raise BackendError(
            f"{op}: tensors of two backends meet: {' and '.join(names)}; move one first "
            f"(x.to({names[-1]!r}))"
        ) from None
    devices = list(dict.fromkeys(device_of(a) or "cpu" for a in arrays))
    if len(devices) > 1:
        raise BackendError(
            f"{op}: tensors on two devices meet: {' and '.join(devices)}; move one first "
            f"(x.to({name_of(arrays[0])!r}, device={devices[-1]!r}))"
        )
    return xp


_namespaces: dict[type, Any] = {}  # array type -> its namespace (a pure function of it)


def namespace_of(x: Any) -> Any:
    """The array-API namespace of one array (``array_api_compat``'s, cached by type)."""
    xp = _namespaces.get(type(x))
    if xp is None:
        from array_api_compat import array_namespace

        xp = _namespaces[type(x)] = array_namespace(x)
    return xp


def numpy_dtype(dtype: object) -> np.dtype[Any]:
    """A dtype of any backend as numpy's (``torch.float32`` -> ``float32``)."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(str(dtype).rpartition(".")[2])


def library_dtype(xp: Any, dtype: npt.DTypeLike, op: str = "astype") -> Any:
    """numpy's ``dtype`` in the namespace ``xp`` (``np.float32`` -> ``torch.float32``); a
    ``DTypeError`` naming ``op`` where the library has no such dtype (float128)."""
    name = np.dtype(dtype).name
    found = getattr(xp, name, None)
    if found is None:
        raise DTypeError(f"{op}: the {xp.__name__.rpartition('.')[2]} backend has no {name}")
    return found


def to_numpy(array: Any) -> Array:
    """The values of an array of any backend on the host, as numpy (no copy for numpy,
    nor for a CPU PyTorch tensor)."""
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, np.generic):  # a numpy scalar where a 0-d array belongs
        return np.asarray(array)
    name = name_of(array)
    if name == "torch":
        return np.asarray(array.detach().cpu().numpy())
    if name == "cupy":
        return np.asarray(array.get())
    return np.asarray(np.from_dlpack(array))


def convert(array: Any, backend: Backend) -> Any:
    """``array`` as an array of ``backend`` (no copy when it already is one, nor between
    numpy and a CPU PyTorch tensor)."""
    name, device = backend
    if name == "numpy":
        return to_numpy(array)
    module = library(name)
    if name == "torch":
        if name_of(array) != "torch":
            host = to_numpy(array)
            if not host.flags.writeable or not host.flags.c_contiguous:
                host = np.array(host)  # torch.from_numpy wants an array it may write
            array = module.from_numpy(host)
        return array.to(device or "cpu")  # no copy when it is there already
    if name == "cupy":
        with module.cuda.Device(int(device.rpartition(":")[2]) if device else 0):
            return module.asarray(to_numpy(array) if name_of(array) != "cupy" else array)
    return module.asarray(to_numpy(array))


def stand_in(array: Any) -> Array:
    """A read-only numpy array of ``array``'s shape and dtype that holds one element: what
    an error message reads of an array, printed as numpy's."""
    return np.broadcast_to(np.zeros((), numpy_dtype(array.dtype)), tuple(array.shape))


def shares_memory(a: Any, b: Any) -> bool:
    """Whether two arrays of one library may share memory: exactly for numpy and PyTorch,
    True for a library that cannot say (the safe answer: a write is seen by both)."""
    name = name_of(a)
    if name == "numpy":
        return bool(np.may_share_memory(a, b))
    if name == "torch":
        return bool(a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())
    return True


def copy(array: Any) -> Any:
    """A copy of an array of any backend, in the same library and on the same device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return namespace_of(array).asarray(array, copy=True)


def place(array: Array) -> Any:
    """A host array made by a creation function, on the default backend."""
    backend = _default.get()
    return array if backend is NUMPY or backend.name == "numpy" else convert(array, backend)


def like(array: Array, model: Any) -> Any:
    """A host array on ``model``'s backend and device."""
    if type(model) is np.ndarray:
        return array
    return convert(array, Backend(name_of(model), device_of(model)))


class _WithOut:
    """numpy's ``out=`` spelling over an array-API namespace, for the optimizers' updates:
    the function computes, then writes its result into ``out`` (the standard has no
    ``out=``).  ``kernels(a).sqrt(v, out=tmp)`` is then one line for every library."""

    def __init__(self, xp: Any) -> None:
        self._xp = xp

    def __getattr__(self, name: str) -> Any:  # once per name: the wrapper is kept below
        function = getattr(self._xp, name)

        def call(*args: Any, out: Any = None, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            if out is None:
                return result
            out[...] = result
            return out

        setattr(self, name, call)
        return call


_shims: dict[type, _WithOut] = {}  # array type -> its namespace with out=


def kernels(array: Any) -> Any:
    """``numpy`` for a numpy array; for another library's, its namespace with numpy's
    ``out=`` keyword (``_WithOut``)."""
    if type(array) is np.ndarray:
        return np
    shim = _shims.get(type(array))
    if shim is None:
        shim = _shims[type(array)] = _WithOut(namespace_of(array))
    return shim

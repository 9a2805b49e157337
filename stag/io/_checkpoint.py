"""Checkpoints: a module's parameters in an ``.npz`` archive that never runs code on load.

The archive holds one array per parameter, under its dotted name, and a
format marker ``__stag_checkpoint__`` (the format version); with an
optimizer, also its settings (``__stag_optimizer__/hyperparams/lr``) and
buffers (``__stag_optimizer__/state/<parameter>/<buffer>``).  ``save`` writes a
temporary file in the target's directory and renames it over the target, so
a crash mid-write leaves the previous checkpoint intact.  ``load`` reads and
checks the whole file (archive, marker, names, shapes, dtypes) before it
changes the model, so a bad file leaves the model as it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt

from stag._errors import DTypeError, ShapeError

if TYPE_CHECKING:
    from stag.nn._module import Module
    from stag.optim._optimizer import Optimizer, OptimizerState

M = TypeVar("M", bound="Module")


FORMAT_KEY = "__stag_checkpoint__"
FORMAT_VERSION = 1
OPTIMIZER_PREFIX = "__stag_optimizer__/"

PathLike = str | os.PathLike[str]
Array = npt.NDArray[Any]


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: truncated, corrupt, not a stag
    checkpoint, or holding other parameter names than the model's.  The
    message names the file."""


def save(module: M, path: PathLike, optimizer: Optimizer[M] | None = None) -> None:
    """Write ``module``'s parameters (and ``optimizer``'s state) to ``path`` atomically.

    The file is an ``.npz`` archive of numbers only.

    **Arguments:**

    - ``module``: the model; its ``state_dict()`` names key the arrays.
    - ``path``: the file to write, used as given (no suffix is added).
    - ``optimizer``: an optimizer of ``module`` whose state to save with it.
    """
    path = os.fspath(path)
    arrays = {name: t._data for name, t in module.state_dict().items()}
    reserved = [k for k in arrays if k == FORMAT_KEY or k.startswith(OPTIMIZER_PREFIX)]
    if reserved:
        raise ValueError(f"save: parameter names {reserved} are reserved by the format")
    arrays[FORMAT_KEY] = np.array(FORMAT_VERSION, dtype=np.int64)
    if optimizer is not None:
        _check_owner(module, optimizer)
        arrays.update(_flatten_optimizer(optimizer.state_dict()))
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _mode_for(path: str) -> int:
    """The permissions the checkpoint gets: the old file's, else rw-r--r-- (not mkstemp's 0600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o644


def _write_npz(f: BinaryIO, arrays: dict[str, Array]) -> None:
    """What ``np.savez`` writes (one ``.npy`` member per array), never pickling."""
    with zipfile.ZipFile(f, "w") as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def load(module: M, path: PathLike, optimizer: Optimizer[M] | None = None) -> None:
    """Load the parameters saved at ``path`` into ``module`` (and ``optimizer``), in place.

    The file is read and validated in full first; on any error the model
    and the optimizer are unchanged.

    **Raises:** ``CheckpointError`` for a truncated, corrupt or foreign file,
    for missing or unexpected parameter names, and for an optimizer asked
    for but not saved; ``stag.ShapeError`` / ``stag.DTypeError`` for a
    parameter (or buffer) of another shape / dtype; ``FileNotFoundError``
    when there is no file.
    """
    path = os.fspath(path)
    arrays = _read(path)
    optimizer_arrays = {k: arrays.pop(k) for k in list(arrays) if k.startswith(OPTIMIZER_PREFIX)}
    optimizer_state = None
    if optimizer is not None:
        _check_owner(module, optimizer)
        if not optimizer_arrays:
            raise CheckpointError(f"load: {path} holds no optimizer state")
        with _naming(path, "optimizer state: "):
            optimizer_state = _unflatten_optimizer(optimizer_arrays)
            optimizer.check_state_dict(optimizer_state)
    with _naming(path, "does not match the model: "):
        module.check_state_dict(arrays)
    # both validated: neither load below can fail, so nothing changes on a bad file
    module.load_state_dict(arrays)
    if optimizer is not None and optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)


@contextlib.contextmanager
def _naming(path: str, what: str) -> Iterator[None]:
    """Re-raise a validation error with the file's name: a name error as ``CheckpointError``."""
    try:
        yield
    except KeyError as exc:
        raise CheckpointError(f"load: {path} {what}{_detail(exc.args[0])}") from None
    except (ShapeError, DTypeError) as exc:
        raise type(exc)(f"load: {path} {what}{_detail(str(exc))}") from None


def _detail(message: str) -> str:
    """``"load_state_dict: missing keys ..."`` without the method's name."""
    head, sep, rest = message.partition("load_state_dict: ")
    return rest if sep and " " not in head else message


def _check_owner(module: Module, optimizer: Optimizer[Any]) -> None:
    if optimizer.module is not module:
        raise ValueError("save/load: the optimizer belongs to another module")


def _flatten_optimizer(state: OptimizerState) -> dict[str, Array]:
    arrays = {
        f"{OPTIMIZER_PREFIX}hyperparams/{key}": np.array(value, dtype=np.float64)
        for key, value in state["hyperparams"].items()
    }
    for name, buffers in state["state"].items():
        for key, value in buffers.items():
            arrays[f"{OPTIMIZER_PREFIX}state/{name}/{key}"] = value
    return arrays


def _unflatten_optimizer(arrays: dict[str, Array]) -> OptimizerState:
    state: OptimizerState = {"hyperparams": {}, "state": {}}
    for key, value in arrays.items():
        kind, _, rest = key[len(OPTIMIZER_PREFIX) :].partition("/")
        if kind == "hyperparams" and value.shape == ():
            state["hyperparams"][rest] = float(value)
        elif kind == "state" and "/" in rest:
            name, buffer = rest.rsplit("/", 1)
            state["state"].setdefault(name, {})[buffer] = value
        else:
            raise KeyError(f"unexpected entry {key!r}")
    return state


def _read(path: PathLike) -> dict[str, Array]:
    """Every array of the stag checkpoint at ``path`` (the format marker removed)."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        archive = np.load(io.BytesIO(raw), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise CheckpointError(f"load: {path} is an .npy array, not a stag checkpoint")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError) as exc:
        if "pickle" in str(exc):
            reason = f"it holds pickled objects, which stag never loads ({exc})"
        else:
            reason = f"truncated or corrupt? ({exc})"
        raise CheckpointError(f"load: {path} is not a readable checkpoint: {reason}") from exc
    version = arrays.pop(FORMAT_KEY, None)
    if version is None:
        raise CheckpointError(f"load: {path} is an .npz archive but not a stag checkpoint")
    if version.shape != () or int(version) != FORMAT_VERSION:
        raise CheckpointError(
            f"load: {path} has checkpoint format {version!r}; this stag reads {FORMAT_VERSION}"
        )
    return arrays

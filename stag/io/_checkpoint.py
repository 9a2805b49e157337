"""Checkpoints: ``stag.save(model, path)`` and ``stag.load(model, path)``.

A checkpoint holds the model's whole state (parameters and buffers) and, with an
optimizer, its ``state_dict()`` tree, listed in a sealed manifest (see
``_manifest``) inside a ``.safetensors`` file (see ``_safetensors``) when the path
ends so, else an ``.npz`` archive (see ``_npz``); neither ever unpickles.  ``load``
tells the two apart by their first bytes, whatever the name, and reads a safetensors
file stag did not write (no manifest) as plain weights.

``load`` changes nothing until everything is checked, in this order: the file is
a regular file; the zip directory and the manifest are within a size the model
allows; the manifest matches its seal; the directory holds exactly the manifest's
entries, with sizes that fit them; the model's entries' names, shapes and dtypes fit
the model (``module.check_state_dict``, on placeholders that take no memory), and the
optimizer's entries are no larger than an optimizer of this model keeps.  Only then is
data read, each member within its declared size, and checked against its CRC and
sha256; the optimizer checks its values (``check_state_dict``) before anything loads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from stag._errors import DTypeError, ShapeError
from stag.io import _npz, _safetensors
from stag.io._container import Container
from stag.io._files import open_regular, write_atomically
from stag.io._manifest import (
    MODEL,
    OPTIMIZER,
    Array,
    CheckpointError,
    Manifest,
    describe,
    metadata_limit,
)

if TYPE_CHECKING:
    from stag.nn._module import Module
    from stag.optim._optimizer import Optimizer

M = TypeVar("M", bound="Module")
PathLike = str | os.PathLike[str]


def save(module: M, path: PathLike, optimizer: Optimizer[M] | None = None) -> None:
    """Write ``module``'s state (and ``optimizer``'s) to ``path`` atomically.

    A path ending in ``.safetensors`` gets a safetensors file (the tensors, and a
    sealed manifest in its metadata); any other an ``.npz`` archive of numbers and a
    sealed manifest.  Neither holds pickles.  Temp files that killed saves to
    ``path`` left behind are removed first.

    **Arguments:**

    - ``module``: the model; its ``state_dict()`` (parameters and buffers) is saved.
    - ``path``: the file to write, used as given (no suffix is added).
    - ``optimizer``: an optimizer of ``module`` whose ``state_dict()`` to save with it.

    **Raises:** ``ValueError`` / ``TypeError`` for state a checkpoint cannot hold
    (two places with one state name, object dtypes, other leaf types; in a
    ``.safetensors`` file also complex128 and big-endian arrays), ``OSError`` from
    the file system (the old file is then unchanged).
    """
    path = os.fspath(path)
    _check_owner(module, optimizer)
    model = {name: t.numpy() for name, t in module.state_dict().items()}
    manifest, arrays = describe(model, None if optimizer is None else optimizer.state_dict())
    container = _safetensors if is_safetensors_path(path) else _npz
    if container is _safetensors:
        _safetensors.check_storable(arrays)
    write_atomically(path, lambda f: container.write(f, manifest, arrays))


def is_safetensors_path(path: str) -> bool:
    """Whether ``save`` writes a safetensors file at ``path`` (by its suffix)."""
    return path.lower().endswith(".safetensors")


def load(module: M, path: PathLike, optimizer: Optimizer[M] | None = None) -> None:
    """Load the state saved at ``path`` into ``module`` (and ``optimizer``), in place.

    The file is checked in full first (its structure and sizes before any data
    is read); on any error the model and the optimizer are unchanged.  Memory:
    the data about once, however the file was made (with an optimizer, also the
    state it copies and keeps, and a copy of its previous state until it has).

    **Raises:** ``CheckpointError`` for a file that is not a regular file, not a
    stag checkpoint, of another format version, truncated, damaged or edited (an
    entry missing, extra or changed), for names that differ from the model's, and
    for optimizer state that is absent or does not fit ``optimizer``;
    ``stag.ShapeError`` / ``stag.DTypeError`` for an entry of another shape / dtype;
    ``OSError`` from the file system (``FileNotFoundError`` when there is no file).
    """
    path = os.fspath(path)
    _check_owner(module, optimizer)
    limit = metadata_limit(len(module.state_dict()))
    try:
        with open_regular(path) as (f, size):
            archive = open_container(f, size, limit)
            _check(module, optimizer, archive.manifest, archive.manifest.placeholders())
            arrays = _read(archive, optimizer is not None)
            model = archive.manifest.model_state(arrays)
            module.check_state_dict(model)  # the same names, shapes, dtypes: cannot fail now
            if optimizer is not None:
                state = archive.manifest.optimizer_state(arrays)
                with _naming("optimizer state: "):
                    optimizer.check_state_dict(state)  # its values, now that they are read
                _load_optimizer(optimizer, state)
    except (CheckpointError, ShapeError, DTypeError) as exc:
        raise type(exc)(f"load: {path}: {exc}") from None
    module.load_state_dict(model)  # its state passed the same check: this cannot fail


def open_container(f: BinaryIO, size: int, limit: int) -> Container:
    """The checkpoint in ``f``, safetensors or npz by its first bytes, its structure checked."""
    head = f.read(9)
    if _safetensors.is_safetensors(head):
        return _safetensors.SafetensorsCheckpoint(f, size, limit)
    return _npz.NpzCheckpoint(f, size, limit)


def _load_optimizer(optimizer: Optimizer[Any], state: Any) -> None:
    """Load ``state``; should the optimizer's load raise midway, put its old state back.

    ``check_state_dict`` passed on the same structure, but an optimizer may still
    refuse a value only when it applies it (the fuzzer found one that replaced its
    buffers, then failed to convert a setting): the copy keeps the load all or nothing.
    """
    backup = optimizer.state_dict()
    with _naming("optimizer state: "):
        try:
            optimizer.load_state_dict(state)
        except BaseException:
            optimizer.load_state_dict(backup)
            raise


def _check(
    module: Module, optimizer: Optimizer[Any] | None, manifest: Manifest, arrays: Any
) -> None:
    """Raise unless the entries fit the model and the optimizer (on ``arrays``)."""
    with _naming("does not match the model: ", "" if manifest.sealed else _PLAIN_WEIGHTS):
        module.check_state_dict(manifest.model_state(arrays))
    if optimizer is None:
        return
    if manifest.optimizer is None:
        raise CheckpointError(
            "it holds no optimizer state: load the model alone (no optimizer=), or save "
            "the optimizer with it"
        )
    _check_optimizer_size(module, manifest)


# An optimizer keeps at most a few buffers the size of each parameter (Adam with amsgrad:
# three; RMSprop centered with momentum: three) and a few numbers: its state in a file
# is bounded before any of it is read.  Its values are checked once read.
_BUFFERS_PER_PARAMETER = 4
_BYTES_PER_ENTRY = 64


def _check_optimizer_size(module: Module, manifest: Manifest) -> None:
    entries = [e for e in manifest.entries if e.name.startswith(OPTIMIZER)]
    declared = sum(e.nbytes for e in entries)
    parameters = sum(p.numpy().nbytes for p in module.parameters())
    limit = _BUFFERS_PER_PARAMETER * parameters + _BYTES_PER_ENTRY * len(entries)
    if declared > limit:
        raise CheckpointError(
            f"its optimizer state declares {declared} bytes, more than an optimizer of this "
            f"model keeps ({limit} at most for {parameters} bytes of parameters): it is not "
            "this model's optimizer state"
        )


def _read(archive: Container, with_optimizer: bool) -> dict[str, Array]:
    """The arrays of the entries to load; the others' data is checked, not kept."""
    arrays = {}
    for entry in archive.manifest.entries:
        if with_optimizer or entry.name.startswith(MODEL):
            arrays[entry.name] = archive.read(entry)
        else:
            archive.verify(entry)
    return arrays


_PLAIN_WEIGHTS = (
    " (the file has no stag manifest: its tensors must be the model's state by name, "
    "shape and dtype; PyTorch's names and layouts load with stag.io.load_torch_state_dict)"
)


@contextlib.contextmanager
def _naming(what: str, after: str = "") -> Iterator[None]:
    """A validation error as ``CheckpointError`` (shape and dtype errors keep their type)."""
    try:
        yield
    except (ShapeError, DTypeError, CheckpointError) as exc:
        raise type(exc)(f"{what}{_detail(str(exc))}{after}") from None
    except (LookupError, ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        # the optimizer's own validation, on values from the file: whatever it raised
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise CheckpointError(f"{what}{_detail(str(message))}{after}") from exc


def _detail(message: str) -> str:
    """``"load_state_dict: missing keys ..."`` without the method's name."""
    head, sep, rest = message.partition("load_state_dict: ")
    return rest if sep and " " not in head else message


def _check_owner(module: Module, optimizer: Optimizer[Any] | None) -> None:
    """The optimizer trains this module's parameters (it may be made from an iterable)."""
    if optimizer is None:
        return
    own = {id(p) for p in module.parameters()}
    theirs = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not theirs <= own:
        raise ValueError(
            "save/load: the optimizer belongs to another module (it trains tensors that are "
            "not this module's parameters)"
        )

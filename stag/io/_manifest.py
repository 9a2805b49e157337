"""The manifest: what a checkpoint holds, sealed, whatever the container.

A checkpoint is a set of entries (one array each) and a manifest that lists every
entry's name, shape, dtype, byte size and SHA-256, and the optimizer state's
tree, whose array leaves name their entries.  The manifest is sealed by the
SHA-256 of its own bytes, written on its first line::

    stag-checkpoint 2 sha256=<64 hex digits>
    {"entries": [{"name": "model/0.weight", "shape": [4, 3], "dtype": "<f4",
                  "nbytes": 48, "sha256": "..."}, ...],
     "optimizer": null or a tree}

so the seal covers every name, shape, dtype, size and every byte of data.  A tree
node is a one-key object: ``{"dict": {key: node}}``, ``{"list": [node]}``,
``{"array": "optimizer/3"}``, ``{"float": 0.01}``, ``{"int": 2}``,
``{"bool": true}``, ``{"str": "x"}`` or ``{"none": null}``.

This module knows nothing of zip or safetensors: a container (``_npz``,
``_safetensors``) stores the sealed bytes and the entries' data, and hands them back
for ``unseal`` and ``Entry.check``; ``Container`` reads an entry through its ``_pump``.
A file written without stag (a safetensors file from PyTorch) has no manifest: its
container describes its tensors as an unsealed manifest of model entries, with no
checksums (``Entry.sha256`` is None).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

FORMAT_VERSION = 2
MAGIC = "stag-checkpoint"
MODEL = "model/"
OPTIMIZER = "optimizer/"
MAX_DEPTH = 32  # of the optimizer's tree
MAX_NAME_BYTES = 4096
_DTYPE = re.compile(r"[<>|][biufc][0-9]{1,2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FIRST_LINE = re.compile(rf"{MAGIC} ([1-9][0-9]{{0,5}}) sha256=([0-9a-f]{{64}})")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: truncated, damaged, edited, not a stag
    checkpoint, or holding other entries than the model and optimizer have.  The
    message names the file and the entry."""


def metadata_limit(model_entries: int) -> int:
    """The most bytes a manifest (or a zip directory) of a model's checkpoint may take."""
    return 256 * 1024 + 4096 * model_entries


@dataclass(frozen=True)
class Entry:
    """One array of a checkpoint, as the manifest declares it."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    nbytes: int
    sha256: str | None  # None: a file without a manifest, whose data nothing seals

    def placeholder(self) -> Array:
        """A read-only array of this shape and dtype that takes no memory."""
        return np.broadcast_to(np.zeros((), self.dtype), self.shape)

    def check(self, digest: str | None) -> None:
        if digest != self.sha256:
            raise CheckpointError(
                f"entry {self.name!r}: its data does not match the manifest's sha256 "
                "(the file was damaged or edited); use another copy"
            )


@dataclass(frozen=True)
class Manifest:
    entries: tuple[Entry, ...]
    optimizer: Any  # the tree (JSON, validated), or None
    paths: Mapping[str, str]  # optimizer entry -> its place in the tree, for messages
    sealed: bool = True  # False: read from a file stag did not write (no manifest)

    def describe(self, name: str) -> str:
        path = self.paths.get(name)
        return repr(name) if path is None else f"{name!r} (optimizer state{path})"

    def placeholders(self) -> dict[str, Array]:
        """Every entry as a placeholder: what validation needs, before any data is read."""
        return {e.name: e.placeholder() for e in self.entries}

    def model_state(self, arrays: Mapping[str, Array]) -> dict[str, Array]:
        return {e.name[len(MODEL) :]: arrays[e.name] for e in self.entries if _is_model(e.name)}

    def optimizer_state(self, arrays: Mapping[str, Array]) -> Any:
        return _build(self.optimizer, arrays)


def _is_model(name: str) -> bool:
    return name.startswith(MODEL)


# ------------------------------------------------------------------ saving
def describe(
    model: Mapping[str, Array], optimizer: object | None
) -> tuple[Manifest, dict[str, Array]]:
    """The manifest of a model's state and an optimizer's ``state_dict()``, and the arrays.

    Raises ``ValueError`` / ``TypeError`` (naming the entry) for what a checkpoint
    cannot hold: object or string dtypes, non-str keys, other leaf types.
    """
    encoder = _Encoder({MODEL + name: _storable(MODEL + name, a) for name, a in model.items()})
    tree = None if optimizer is None else encoder.node(optimizer, "", 0)
    entries = tuple(_entry(name, array) for name, array in encoder.arrays.items())
    return Manifest(entries, tree, encoder.paths), encoder.arrays


def _storable(name: str, array: Array) -> Array:
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise ValueError(f"save: the name {name[:80]!r}... is over {MAX_NAME_BYTES} bytes")
    if not _DTYPE.fullmatch(array.dtype.str):
        raise ValueError(
            f"save: {name!r} has dtype {array.dtype}; a checkpoint holds bool, integer, "
            "float and complex arrays only"
        )
    return array if array.flags.c_contiguous else np.array(array, order="C")


def _entry(name: str, array: Array) -> Entry:
    digest = hashlib.sha256(array.data).hexdigest()
    return Entry(name, array.shape, array.dtype, array.nbytes, digest)


@dataclass
class _Encoder:
    """Turns an optimizer's state into a tree node; its arrays become ``optimizer/<n>``."""

    arrays: dict[str, Array]
    paths: dict[str, str] = field(default_factory=dict)

    def node(self, value: object, path: str, depth: int) -> object:
        where = f"save: optimizer.state_dict(){path}"
        if depth > MAX_DEPTH:
            raise ValueError(f"{where} is nested over {MAX_DEPTH} deep")
        if isinstance(value, dict):
            bad = [k for k in value if not isinstance(k, str)]
            if bad:
                raise TypeError(f"{where} has non-str keys {bad}")
            return {
                "dict": {k: self.node(v, f"{path}[{k!r}]", depth + 1) for k, v in value.items()}
            }
        if isinstance(value, list):
            return {"list": [self.node(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]}
        if isinstance(value, np.ndarray):
            name = f"{OPTIMIZER}{len(self.paths)}"
            self.arrays[name] = _storable(where, value)
            self.paths[name] = path
            return {"array": name}
        for tag, kind in _LEAVES.items():
            if kind(value):
                return {tag: value}
        raise TypeError(
            f"{where} is a {type(value).__name__}; a checkpoint holds dicts with str keys, "
            "lists, numpy arrays, float, int, bool, str and None"
        )


_LEAVES: dict[str, Callable[[object], bool]] = {
    "none": lambda v: v is None,
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, float),
    "str": lambda v: isinstance(v, str),
}


def seal(manifest: Manifest) -> bytes:
    """The manifest's bytes: the seal line, then the JSON document."""
    entries = [
        {"name": e.name, "shape": list(e.shape), "dtype": e.dtype.str, "nbytes": e.nbytes,
         "sha256": e.sha256}
        for e in manifest.entries
    ]  # fmt: skip
    body = json.dumps({"entries": entries, "optimizer": manifest.optimizer}).encode()
    return f"{MAGIC} {FORMAT_VERSION} sha256={hashlib.sha256(body).hexdigest()}\n".encode() + body


# ------------------------------------------------------------------ loading
def unseal(data: bytes) -> Manifest:
    """The manifest in ``data``, checked against its seal and validated in full."""
    first, _, body = data.partition(b"\n")
    match = _FIRST_LINE.fullmatch(first.decode("latin-1"))
    if match is None:
        raise CheckpointError("its manifest does not start with a stag-checkpoint line")
    if int(match[1]) != FORMAT_VERSION:
        raise CheckpointError(
            f"it has checkpoint format {int(match[1])}; this stag reads format "
            f"{FORMAT_VERSION}: load it with the stag that wrote it"
        )
    if hashlib.sha256(body).hexdigest() != match[2]:
        raise CheckpointError(
            "its manifest does not match its checksum (the file was damaged or edited); "
            "use another copy"
        )
    document = parse_json(body, "its manifest")
    if not isinstance(document, dict) or set(document) != {"entries", "optimizer"}:
        raise CheckpointError("its manifest is not an object of entries and optimizer")
    entries = _entries(document["entries"])
    paths: dict[str, str] = {}
    if document["optimizer"] is not None:
        _check_tree(document["optimizer"], "", 0, paths)
    _check_references(entries, paths)
    return Manifest(entries, document["optimizer"], paths)


def parse_json(body: bytes, what: str) -> object:
    """``body`` as JSON (an object's keys once each); ``CheckpointError`` naming ``what``."""
    try:
        return json.loads(body, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CheckpointError(f"{what} is not valid JSON ({exc})") from None


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"repeated keys in an object: {sorted(keys)}")
    return dict(pairs)


def _entries(value: object) -> tuple[Entry, ...]:
    if not isinstance(value, list):
        raise CheckpointError("its manifest's entries are not a list")
    entries = tuple(_parse_entry(i, item) for i, item in enumerate(value))
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise CheckpointError("its manifest lists an entry twice")
    return entries


_ENTRY_KEYS = {"name", "shape", "dtype", "nbytes", "sha256"}


def _parse_entry(index: int, item: object) -> Entry:
    name = item.get("name") if isinstance(item, dict) else None
    label = repr(name[:200]) if isinstance(name, str) else f"number {index}"
    bad = CheckpointError(f"its manifest's entry {label} is malformed")
    if not isinstance(item, dict) or set(item) != _ENTRY_KEYS:
        raise bad
    name, shape, dtype, nbytes, sha = (
        item[k] for k in ("name", "shape", "dtype", "nbytes", "sha256")
    )
    if not (isinstance(name, str) and name.startswith((MODEL, OPTIMIZER))):
        raise bad
    if not is_shape(shape):
        raise bad
    if not (isinstance(dtype, str) and _DTYPE.fullmatch(dtype)):
        raise bad
    if not (isinstance(sha, str) and _SHA256.fullmatch(sha) and is_count(nbytes)):
        raise bad
    try:
        parsed = np.dtype(dtype)
    except TypeError:
        raise bad from None
    if parsed.str != dtype or nbytes != math.prod(shape) * parsed.itemsize or nbytes > 2**48:
        raise bad
    return Entry(name, tuple(shape), parsed, nbytes, sha)


def is_count(value: object) -> bool:
    """A JSON integer >= 0 (not a bool, not a float)."""
    return type(value) is int and value >= 0


def is_shape(value: object) -> bool:
    """A JSON list of at most 32 counts."""
    return isinstance(value, list) and len(value) <= 32 and all(is_count(d) for d in value)


def _check_tree(node: object, path: str, depth: int, paths: dict[str, str]) -> None:
    """Raise unless ``node`` is a tree node; record the array leaves' paths."""
    if depth > MAX_DEPTH or not (isinstance(node, dict) and len(node) == 1):
        raise CheckpointError(f"its manifest's optimizer state{path} is malformed")
    ((tag, value),) = node.items()
    if tag == "dict" and isinstance(value, dict):
        for key, child in value.items():
            _check_tree(child, f"{path}[{key!r}]", depth + 1, paths)
    elif tag == "list" and isinstance(value, list):
        for i, child in enumerate(value):
            _check_tree(child, f"{path}[{i}]", depth + 1, paths)
    elif tag == "array" and isinstance(value, str) and value not in paths:
        paths[value] = path
    elif tag not in _LEAVES or not _LEAVES[tag](value):
        raise CheckpointError(f"its manifest's optimizer state{path} is malformed")


def _check_references(entries: tuple[Entry, ...], paths: Mapping[str, str]) -> None:
    """Every optimizer entry is one array of the tree, and every array an entry."""
    arrays = {e.name for e in entries if not _is_model(e.name)}
    if arrays != set(paths):
        odd = sorted(arrays.symmetric_difference(paths))[:4]
        raise CheckpointError(f"its manifest's optimizer tree and entries disagree on {odd}")


def _build(node: Any, arrays: Mapping[str, Array]) -> Any:
    """The optimizer state a validated tree describes, with ``arrays`` for its leaves."""
    if node is None:
        return None
    ((tag, value),) = node.items()
    if tag == "dict":
        return {k: _build(v, arrays) for k, v in value.items()}
    if tag == "list":
        return [_build(v, arrays) for v in value]
    return arrays[value] if tag == "array" else value

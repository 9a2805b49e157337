"""The ``.safetensors`` container: the tensors, and stag's sealed manifest in the header.

The format (huggingface/safetensors): 8 bytes, the header's length ``N`` as a
little-endian u64; ``N`` bytes of JSON, ``{"__metadata__": {str: str}, name:
{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}``; then the
tensors' bytes, back to back, little-endian, in C order.

stag writes it with the ``safetensors`` package (``safetensors.numpy.save``, imported
at the first save, so ``import stag`` does not pay for it): the tensors are the
manifest's entries by name (``model/<state name>``, ``optimizer/<n>``) and the
metadata holds the sealed manifest under ``stag-checkpoint``.  A file without that key
(``safetensors.numpy.save_file`` or ``safetensors.torch.save_file`` wrote it) reads as
plain weights: each tensor a model entry of its own name, nothing to check it against.

stag reads the file itself, from the descriptor ``load`` opened and checked, rather
than through ``safe_open``: the header's length is checked against what the model can
need (``safe_open`` allows 100 MB), every offset against the file's size before any
data is read, and a file cut short while it is read is a ``CheckpointError`` (a
memory-mapped read of it ends the process with SIGBUS); ``safe_open`` would also open
the path a second time, perhaps another file.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from stag.io._container import Container, copy_out
from stag.io._manifest import (
    MAX_NAME_BYTES,
    MODEL,
    Array,
    CheckpointError,
    Entry,
    Manifest,
    is_count,
    is_shape,
    parse_json,
    seal,
    unseal,
)

METADATA_KEY = "stag-checkpoint"
_LENGTH = struct.Struct("<Q")
#: safetensors' dtype codes that numpy holds (BF16 and the 8-bit floats it does not)
DTYPES = {
    "BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "F16": "<f2",
    "U32": "<u4", "I32": "<i4", "F32": "<f4", "U64": "<u8", "I64": "<i8", "F64": "<f8",
    "C64": "<c8",
}  # fmt: skip
_CODES = {v: k for k, v in DTYPES.items()}


def is_safetensors(head: bytes) -> bool:
    """Whether a file's first 9 bytes start a safetensors file: a length, then ``{``."""
    return len(head) >= 9 and head[8:9] == b"{" and not head.startswith(b"PK")


def check_storable(arrays: Mapping[str, Array]) -> None:
    """``ValueError`` for an array safetensors cannot hold (complex128, big-endian, ...)."""
    for name, array in arrays.items():
        if array.dtype.str not in _CODES:
            raise ValueError(
                f"save: {name!r} has dtype {array.dtype.str}, which a .safetensors file "
                f"cannot hold (it holds {', '.join(sorted(_CODES))}); save to an .npz path"
            )


def write(f: BinaryIO, manifest: Manifest, arrays: Mapping[str, Array]) -> None:
    """The safetensors file of ``arrays`` with ``manifest`` sealed in its metadata."""
    write_tensors(f, arrays, {METADATA_KEY: seal(manifest).decode("ascii")})


def write_tensors(f: BinaryIO, arrays: Mapping[str, Array], metadata: dict[str, str]) -> None:
    """``arrays`` (C-contiguous) as a safetensors file, written by the safetensors package."""
    from safetensors.numpy import save  # here: import stag stays at numpy's cost

    f.write(save(dict(arrays), metadata=metadata))


class SafetensorsCheckpoint(Container):
    """An open safetensors file: its header read within ``limit`` bytes and checked.

    Every tensor's dtype, shape and offsets are checked, and the offsets must tile
    the data exactly; a stag file's tensors must be its sealed manifest's entries.
    """

    def __init__(self, f: BinaryIO, size: int, limit: int) -> None:
        self._f = f
        header = _read_header(f, size, limit)
        self._start = f.tell()
        metadata = _metadata(header.pop("__metadata__", None))
        tensors = [_tensor(name, spec) for name, spec in header.items()]
        _check_tiling(tensors, size - self._start)
        if METADATA_KEY in metadata:
            self.manifest = unseal(metadata[METADATA_KEY].encode("utf-8", "surrogatepass"))
            _match(self.manifest, tensors)
            self._offsets = {t.name: t.begin for t in tensors}
        else:  # plain weights: every tensor is a model entry of its own name
            entries = tuple(
                Entry(MODEL + t.name, t.shape, t.dtype, t.nbytes, None) for t in tensors
            )
            self.manifest = Manifest(entries, None, {}, sealed=False)
            self._offsets = {MODEL + t.name: t.begin for t in tensors}

    def _pump(self, entry: Entry, out: memoryview | None) -> None:
        self._f.seek(self._start + self._offsets[entry.name])
        entry.check(copy_out(lambda n: self._chunk(entry, n), entry, out))

    def _chunk(self, entry: Entry, n: int) -> bytes:
        data = self._f.read(n)
        if not data:
            raise CheckpointError(f"it ends inside tensor {entry.name!r} (cut while read?)")
        return data


@dataclass(frozen=True)
class _Tensor(Entry):
    """One tensor as the header declares it (no sha256); ``begin``: its offset in the data."""

    begin: int


def _read_header(f: BinaryIO, size: int, limit: int) -> dict[str, Any]:
    f.seek(0)
    head = f.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise CheckpointError("it ends inside its safetensors header (truncated?)")
    (length,) = _LENGTH.unpack(head)
    if length > limit:
        raise CheckpointError(
            f"its safetensors header takes {length} bytes, more than this model's "
            f"checkpoint can need ({limit})"
        )
    text = f.read(length)
    if len(text) != length:
        raise CheckpointError("it ends inside its safetensors header (truncated?)")
    header = parse_json(text, "its safetensors header")
    if not isinstance(header, dict):
        raise CheckpointError("its safetensors header is not a JSON object")
    return header


def _metadata(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not (isinstance(value, dict) and all(isinstance(v, str) for v in value.values())):
        raise CheckpointError("its safetensors header's __metadata__ is not a map of strings")
    return value


def _tensor(name: str, spec: object) -> _Tensor:
    bad = CheckpointError(f"its safetensors header's tensor {name[:200]!r} is malformed")
    if not (isinstance(spec, dict) and set(spec) == {"dtype", "shape", "data_offsets"}):
        raise bad
    code, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if not (isinstance(code, str) and is_shape(shape) and isinstance(offsets, list)):
        raise bad
    if len(offsets) != 2 or not all(is_count(o) for o in offsets):
        raise bad
    if code not in DTYPES:
        raise CheckpointError(
            f"tensor {name[:200]!r} has dtype {code[:20]}, which numpy has no type for; "
            "convert it to float32 (in PyTorch: .float()) and save it again"
        )
    dtype = np.dtype(DTYPES[code])
    nbytes = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes or len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES:
        raise bad
    return _Tensor(name, tuple(shape), dtype, nbytes, None, offsets[0])


def _check_tiling(tensors: list[_Tensor], data_size: int) -> None:
    """The tensors' data lie back to back from 0 to the end of the file, no gap, no overlap."""
    end = 0
    for t in sorted(tensors, key=lambda t: (t.begin, t.nbytes)):
        if t.begin != end:
            raise CheckpointError(
                f"tensor {t.name[:200]!r} starts at byte {t.begin} of the data, not at {end}: "
                "the header's offsets overlap or leave a gap"
            )
        end += t.nbytes
    if end != data_size:
        raise CheckpointError(
            f"its tensors take {end} bytes and its data {data_size} (truncated or damaged?)"
        )


def _match(manifest: Manifest, tensors: list[_Tensor]) -> None:
    """A stag file's tensors are exactly its manifest's entries: names, shapes, dtypes."""
    declared = {(e.name, e.shape, e.dtype.str) for e in manifest.entries}
    found = {(t.name, t.shape, t.dtype.str) for t in tensors}
    if found != declared or len(tensors) != len(declared):
        odd = sorted({name for name, _, _ in found ^ declared})[:4]
        raise CheckpointError(
            f"its tensors and its manifest disagree on {odd} (the file was edited or "
            "damaged); use another copy"
        )

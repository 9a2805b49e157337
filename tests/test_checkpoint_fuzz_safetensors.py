"""The checkpoint fuzzer on ``.safetensors`` files: seeded mutations, and what load does.

Each case damages the safetensors checkpoint of a small model with an AMSGrad
optimizer: bytes flipped, inserted, deleted, overwritten, truncated; the header's
length field changed; a tensor's dtype, shape or offsets edited; tensors dropped,
added, renamed; the metadata dropped, retyped, or its manifest edited and sealed
again; the file written again as plain weights (PyTorch's kind: no manifest) with or
without a change; the header re-serialised (key order, padding); data appended; other
kinds of file.  The runner and its verdicts are ``_fuzzing``'s (see
``test_checkpoint_fuzz.py``): success with exactly the saved state, or a documented
error with nothing changed, within ``PEAK_BOUND``.
"""

from __future__ import annotations

import io
import pickle
import random
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from _checkpoints import join_safetensors, split_safetensors
from _fuzzing import (
    ON_BYTES,
    Mutation,
    check,
    fuzz,
    long_profile,
    on_bytes,
    resealed_manifest,
)

KEY = "stag-checkpoint"
Header = dict[str, Any]
_MARKS = rb'"data_offsets"|"dtype"|"shape"|"__metadata__"|stag-checkpoint|\\"entries'


def flip_structure(rng: random.Random, data: bytes) -> bytes:
    """Flip bytes in the length field or near a key of the header."""
    marks = [0] + [m.start() for m in re.finditer(_MARKS, data[:4096])]
    start = rng.choice(marks) + rng.randrange(24)
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        out[min(start + rng.randrange(8), len(out) - 1)] ^= rng.randrange(1, 256)
    return bytes(out)


def header_length(rng: random.Random, data: bytes) -> bytes:
    (n,) = struct.unpack_from("<Q", data)
    new = rng.choice([0, 1, n - 1, n + 1, n - 8, n + 8, len(data), 2**63, rng.getrandbits(64)])
    return struct.pack("<Q", new % 2**64) + data[8:]


def on_header(edit: Any, resealed: bool = False) -> Mutation:
    """A mutation that edits the header (as JSON) and keeps the data as it was."""

    def apply(rng: random.Random, data: bytes) -> bytes:
        header, body = split_safetensors(data)
        edit(rng, header)
        return join_safetensors(header, body, padding=rng.choice([0, 0, 3]))

    return Mutation(apply, resealed)


def _tensor_names(header: Header) -> list[str]:
    return [name for name in header if name != "__metadata__"]


def tensor_spec(rng: random.Random, header: Header) -> None:
    spec = header[rng.choice(_tensor_names(header))]
    other = header[rng.choice(_tensor_names(header))]
    key = rng.choice(["dtype", "shape", "data_offsets", "data_offsets", "extra", "drop"])
    if key == "dtype":
        spec["dtype"] = rng.choice(["F64", "F16", "BF16", "F8_E4M3", "I64", "x", 1, None])
    elif key == "shape":
        spec["shape"] = rng.choice([[], [1], spec["shape"][::-1], [*spec["shape"], 1], [-1], "4"])
    elif key == "data_offsets":
        begin, end = spec["data_offsets"]
        spec["data_offsets"] = rng.choice(
            [[begin + 4, end + 4], [begin - 4, end - 4], other["data_offsets"], [0, 0],
             [end, begin], [begin, end, 0], [begin, 2**64], [float(begin), end], [-1, end]]
        )  # fmt: skip
    elif key == "extra":
        spec["extra"] = 1
    else:
        del spec[rng.choice(list(spec))]


def tensors(rng: random.Random, header: Header) -> None:
    """Drop, add, duplicate under another name, or rename a tensor (data unchanged)."""
    name = rng.choice(_tensor_names(header))
    change = rng.choice(["drop", "add", "copy", "rename"])
    if change == "drop":
        del header[name]
    elif change == "add":
        header["model/extra"] = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
    elif change == "copy":
        header[name + "2"] = dict(header[name])
    else:
        header[rng.choice(["model/extra", name.upper(), "optimizer/99", ""])] = header.pop(name)


def metadata(rng: random.Random, header: Header) -> None:
    change = rng.choice(["drop", "retype", "junk", "extra", "extra"])
    if change == "drop":  # the file now reads as plain weights named model/...
        del header["__metadata__"]
    elif change == "retype":
        header["__metadata__"] = rng.choice([None, [], {KEY: 1}, {KEY: None}, "x"])
    elif change == "junk":
        header["__metadata__"][KEY] = rng.choice(["", "stag-checkpoint 2", "\ud800", "{}"])
    else:  # keys stag does not read: it must still load
        header["__metadata__"]["format"] = "pt"


def resealed(rng: random.Random, header: Header) -> None:
    manifest = header["__metadata__"][KEY].encode("utf-8", "surrogatepass")
    text = resealed_manifest(rng, manifest).decode("utf-8", "surrogateescape")
    header["__metadata__"][KEY] = text


def reserialised(rng: random.Random, header: Header) -> None:
    """The same header in another key order (with padding from ``on_header``): it loads."""
    items = list(header.items())
    rng.shuffle(items)
    header.clear()
    header.update(items)


def plain_weights(rng: random.Random, data: bytes) -> bytes:
    """The model's tensors under their state names, as PyTorch-land writes them."""
    arrays = safetensors.numpy.load(data)
    state = {k.removeprefix("model/"): v for k, v in arrays.items() if k.startswith("model/")}
    name = rng.choice(sorted(state))
    change = rng.choice(["none", "none", "drop", "extra", "transpose", "dtype"])
    if change == "drop":
        del state[name]
    elif change == "extra":
        state["extra"] = np.zeros(2, np.float32)
    elif change == "transpose":
        state[name] = np.ascontiguousarray(state[name].T.reshape(-1))
    elif change == "dtype":
        state[name] = state[name].astype(np.float16)
    return bytes(safetensors.numpy.save(state, metadata={"format": "pt"}))


def appended(rng: random.Random, data: bytes) -> bytes:
    return data + rng.choice([b"\x00", bytes(8 * 2**20), rng.randbytes(100)])


def other_files(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(["text", "npy", "npz", "pickle", "empty", "garbage", "lookalike"])
    out = io.BytesIO()
    if kind == "npy":
        np.save(out, np.zeros((4, 3), np.float32))
    elif kind == "npz":
        np.savez(out, weight=np.zeros(3))
    return {
        "text": b"weights: see model.safetensors\n" * 3,
        "pickle": pickle.dumps({"block.weight": np.zeros(3)}),
        "empty": b"",
        "garbage": rng.randbytes(rng.randint(1, 5000)),
        "lookalike": struct.pack("<Q", 9) + b'{"a": 1}' + rng.randbytes(rng.randint(0, 64)),
    }.get(kind, out.getvalue())


MUTATIONS: dict[str, Mutation] = {
    **ON_BYTES,
    "flip structure": on_bytes(flip_structure),
    "header length": on_bytes(header_length),
    "tensor spec": on_header(tensor_spec),
    "tensors": on_header(tensors),
    "metadata": on_header(metadata),
    "resealed manifest": on_header(resealed, resealed=True),
    "reserialised header": on_header(reserialised),
    "plain weights": on_bytes(plain_weights),
    "appended data": on_bytes(appended),
    "other files": on_bytes(other_files),
}


def test_fuzz_fast_profile(tmp_path: Path) -> None:
    check(fuzz(tmp_path, MUTATIONS, cases=16 * 15, seed=0, suffix=".safetensors"))


@pytest.mark.slow
def test_fuzz_long_profile(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    long_profile(request)
    check(fuzz(tmp_path, MUTATIONS, cases=16 * 250, seed=1, suffix=".safetensors"))

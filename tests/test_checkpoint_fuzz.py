"""A checkpoint fuzzer: seeded mutations of a real checkpoint, and what load does with each.

Each case damages the checkpoint of a small model with an AMSGrad optimizer: bytes
flipped, inserted, deleted, overwritten, truncated; zip directory records cut, end
record fields, compression methods, names and declared sizes changed; members
dropped, added, duplicated, renamed, reordered, deflated, bzip2- or lzma-compressed;
.npy headers rewritten; deflate and bzip2 bombs; a text file, an .npy, a pickle,
an older format; manifests edited and sealed again.  It loads the result into a
model and optimizer holding other values (with the optimizer, or the model alone),
and every case must end in

- success with exactly the saved state (a mutation that hit nothing that matters;
  for a re-sealed manifest, the model's state exactly), or
- ``CheckpointError``, ``stag.ShapeError``, ``stag.DTypeError`` or ``OSError``,
  with the model and the optimizer unchanged,

with tracemalloc's peak during ``load`` under ``PEAK_BOUND``.  The byte mutations, the
manifest edits and the runner are ``_fuzzing``'s, shared with the safetensors fuzzer
(``test_checkpoint_fuzz_safetensors.py``).  The fast profile runs in the normal suite;
the long one runs when the slow tests are asked for
(``pytest -m slow tests/test_checkpoint_fuzz.py``).
"""

from __future__ import annotations

import ast
import io
import pickle
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _checkpoints import EOCD, archive, declared, members, record_positions, without_records
from _fuzzing import (
    ON_BYTES,
    Mutation,
    check,
    fuzz,
    long_profile,
    on_bytes,
    patched,
    resealed_manifest,
)

BOMB = bytes(8 * 2**20)
Items = list[tuple[str, bytes]]


# ------------------------------------------------------------------ byte mutations
def flip_structure(rng: random.Random, data: bytes) -> bytes:
    """Flip bytes near a zip signature, an .npy header or the manifest's first line."""
    marks = [m.start() for m in _signatures(data)] + [len(data) - EOCD.size]
    start = rng.choice(marks) + rng.randrange(64)
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        i = min(start + rng.randrange(16), len(out) - 1)
        out[i] ^= rng.randrange(1, 256)
    return bytes(out)


def _signatures(data: bytes) -> list[re.Match[bytes]]:
    return list(re.finditer(rb"PK\x01\x02|PK\x03\x04|\x93NUMPY|stag-checkpoint", data))


# ------------------------------------------------------------------ zip structure
def drop_records(rng: random.Random, data: bytes) -> bytes:
    names = [name for _, _, name in record_positions(data)]
    dropped = set(rng.sample(names, rng.randint(1, 3)))
    return without_records(data, lambda name: name in dropped)


def end_record(rng: random.Random, data: bytes) -> bytes:
    """One field of the end record: a disk number, a count, the directory's size or offset."""
    offset, fmt = rng.choice([(4, "<H"), (8, "<H"), (10, "<H"), (12, "<I"), (16, "<I"), (20, "<H")])
    value = struct.unpack_from(fmt, data, len(data) - EOCD.size + offset)[0]
    limit = 0xFFFF if fmt == "<H" else 0xFFFFFFFF
    new = rng.choice([0, 1, value - 1, value + 1, value + 46, limit, rng.randrange(limit)])
    return patched(data, len(data) - EOCD.size + offset, fmt, new % (limit + 1))


def method(rng: random.Random, data: bytes) -> bytes:
    """A member's compression method, in its directory record, its local header, or both."""
    record, local, _ = rng.choice(record_positions(data))
    value = rng.choice([0, 8, 9, 12, 14, 93, 99])
    where = rng.choice([[record + 10], [local + 8], [record + 10, local + 8]])
    for offset in where:
        data = patched(data, offset, "<H", value)
    return data


def declared_sizes(rng: random.Random, data: bytes) -> bytes:
    """A member's CRC or compressed or uncompressed size, in its record or local header."""
    record, local, _ = rng.choice(record_positions(data))
    field_offset = rng.choice([0, 4, 8])  # CRC, compressed, uncompressed
    start = rng.choice([record + 16, local + 14]) + field_offset
    value = struct.unpack_from("<I", data, start)[0]
    new = rng.choice([0, 1, value - 1, value + 1, 2 * value, 2**31, 0xFFFFFFFF])
    return patched(data, start, "<I", new % 2**32)


def name_bytes(rng: random.Random, data: bytes) -> bytes:
    """Change one byte of a member's name in its record or its local header."""
    record, local, name = rng.choice(record_positions(data))
    start = rng.choice([record + 46, local + 30]) + rng.randrange(len(name))
    return patched(data, start, "<B", rng.randrange(256))


# ------------------------------------------------------------------ members
def rename(rng: random.Random, items: Items) -> Items:
    i = rng.randrange(len(items))
    name, data = items[i]
    names = [n for n, _ in items]
    new = rng.choice(
        [rng.choice(names), name + "x", name.upper(), name.removesuffix(".npy"),
         "model/extra.npy", "optimizer/99.npy", "__stag_checkpoint__.npy", "../" + name]
    )  # fmt: skip
    return items[:i] + [(new, data)] + items[i + 1 :]


def drop_member(rng: random.Random, items: Items) -> Items:
    i = rng.randrange(len(items))
    return items[:i] + items[i + 1 :]


def add_member(rng: random.Random, items: Items) -> Items:
    name, data = rng.choice(items)
    copy = (name, rng.choice([data, data[::-1], b""]))  # a duplicate name
    extra = (rng.choice(["model/extra.npy", "x", "optimizer/24.npy"]), data)
    items = list(items)
    items.insert(rng.randrange(len(items) + 1), rng.choice([copy, extra]))
    return items


def reorder(rng: random.Random, items: Items) -> Items:
    items = list(items)
    rng.shuffle(items)
    return items


def npy_header(rng: random.Random, items: Items) -> Items:
    """Rewrite an .npy member's header: its shape, dtype, order, length field or text."""
    i = rng.choice([i for i, (n, _) in enumerate(items) if n.endswith(".npy")])
    name, data = items[i]
    length = struct.unpack_from("<H", data, 8)[0]
    fields = ast_literal(data[10 : 10 + length])
    change = rng.choice(["shape", "descr", "order", "text", "length", "version"])
    if change == "shape":
        fields["shape"] = rng.choice([(), (1,), (2**31,), (*fields["shape"], 1), (-1,)])
    elif change == "descr":
        fields["descr"] = rng.choice(["<f8", "<f4", ">f4", "|O", "<i8", "|b1", "<U3", "x"])
    elif change == "order":
        fields["fortran_order"] = rng.choice([True, 1, None])
    text = repr(fields).encode() if change != "text" else rng.choice(NASTY_HEADERS)(rng)
    version = rng.choice([0, 1, 2, 3, 4, 255]) if change == "version" else 1
    header = text.ljust(length - 1) + b"\n" if change != "length" else text
    prefix = b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(header))
    if change == "length":
        prefix = prefix[:8] + struct.pack("<H", rng.randrange(2**16))
    return items[:i] + [(name, prefix + header + data[10 + length :])] + items[i + 1 :]


NASTY_HEADERS: list[Callable[[random.Random], bytes]] = [
    lambda rng: rng.randbytes(rng.randint(0, 64)),
    lambda rng: b"{[]: 1}",  # unhashable: TypeError
    lambda rng: b"(" * rng.randint(100, 110),  # nesting: SyntaxError or MemoryError
    lambda rng: b"9" * 110,
    lambda rng: b"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3)",  # unclosed
    lambda rng: b"\x00\xff{'descr': 1}",
    lambda rng: b"[1, 2, 3]",
    lambda rng: b"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), 'x': 1}",
    lambda rng: "{'descr': '\u00e9'}".encode(),
]


def ast_literal(text: bytes) -> dict[str, object]:
    value = ast.literal_eval(text.decode("latin-1"))
    assert isinstance(value, dict)
    return value


# ------------------------------------------------------------------ containers
def recompressed(rng: random.Random, items: Items) -> bytes:
    method = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
    chosen = {n for n, _ in items if rng.random() < 0.5}
    return archive(items, method, only=lambda name: name in chosen)


def deflate_bomb(rng: random.Random, items: Items) -> bytes:
    """A member (or the manifest) with 8 MiB of zeros after it, declared or not."""
    i = rng.randrange(len(items))
    name, data = items[i]
    method = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
    bombed = archive(
        items[:i] + [(name, data + BOMB)] + items[i + 1 :], method, lambda n: n == name
    )
    if rng.random() < 0.5:
        return bombed  # the directory declares the 8 MiB
    return declared(bombed, name, len(data), zlib.crc32(data))  # it declares the true size


def other_files(rng: random.Random, items: Items) -> bytes:
    state = {n.removeprefix("model/").removesuffix(".npy"): d for n, d in items}
    kind = rng.choice(["text", "npy", "pickle", "empty", "garbage", "format 1", "npz"])
    if kind == "text":
        return b"weights: see model.npz\n" * rng.randint(1, 100)
    if kind == "pickle":
        return pickle.dumps(state)
    if kind == "empty":
        return b""
    if kind == "garbage":
        return rng.randbytes(rng.randint(1, 5000))
    out = io.BytesIO()
    if kind == "npy":
        np.save(out, np.zeros((4, 3), np.float32))
    else:
        marker = {"__stag_checkpoint__": np.array(1)} if kind == "format 1" else {}
        np.savez(out, **marker, weight=np.zeros(3))
    return out.getvalue()


# ------------------------------------------------------------------ manifests, re-sealed
def resealed(rng: random.Random, items: Items) -> bytes:
    """Edit the manifest's document and seal it again: its validation alone must hold."""
    return archive([(items[0][0], resealed_manifest(rng, items[0][1])), *items[1:]])


# ------------------------------------------------------------------ the catalogue
def on_items(
    f: Callable[[random.Random, Items], Items | bytes], resealed: bool = False
) -> Mutation:
    def apply(rng: random.Random, data: bytes) -> bytes:
        result = f(rng, members(data))
        return result if isinstance(result, bytes) else archive(result)

    return Mutation(apply, resealed)


MUTATIONS: dict[str, Mutation] = {
    **ON_BYTES,
    "flip structure": on_bytes(flip_structure),
    "drop directory records": on_bytes(drop_records),
    "end record": on_bytes(end_record),
    "method": on_bytes(method),
    "declared sizes": on_bytes(declared_sizes),
    "name bytes": on_bytes(name_bytes),
    "rename member": on_items(rename),
    "drop member": on_items(drop_member),
    "add member": on_items(add_member),
    "reorder members": on_items(reorder),
    "npy header": on_items(npy_header),
    "recompress": on_items(recompressed),
    "bomb": on_items(deflate_bomb),
    "other files": on_items(other_files),
    "resealed manifest": on_items(resealed, resealed=True),
}


def test_fuzz_fast_profile(tmp_path: Path) -> None:
    check(fuzz(tmp_path, MUTATIONS, cases=21 * 15, seed=0, suffix=".ckpt"))


@pytest.mark.slow
def test_fuzz_long_profile(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    long_profile(request)
    check(fuzz(tmp_path, MUTATIONS, cases=21 * 250, seed=1, suffix=".ckpt"))

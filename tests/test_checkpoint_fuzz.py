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

with tracemalloc's peak during ``load`` under ``PEAK_BOUND``.  The fast profile runs
in the normal suite; the long one runs when the slow tests are asked for
(``pytest -m slow tests/test_checkpoint_fuzz.py``).
"""

from __future__ import annotations

import ast
import collections
import io
import json
import pickle
import random
import re
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _checkpoints import (
    EOCD,
    archive,
    declared,
    members,
    record_positions,
    same,
    sealed,
    snapshot,
    trained,
    without_records,
)

import stag
from stag import CheckpointError

CLEAN = (CheckpointError, stag.ShapeError, stag.DTypeError, OSError)
PEAK_BOUND = 2 * 2**20  # the model is a few hundred bytes: the bound is the reader's own
BOMB = bytes(8 * 2**20)
Items = list[tuple[str, bytes]]


def saved_checkpoint(path: Path) -> bytes:
    model, opt = trained(seed=0)
    stag.save(model, path, optimizer=opt)
    return path.read_bytes()


# ------------------------------------------------------------------ byte mutations
def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


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


def insert_bytes(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]


def delete_bytes(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64) :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def overwrite(rng: random.Random, data: bytes) -> bytes:
    i, n = rng.randrange(len(data)), rng.randint(1, 256)
    fill = rng.choice([b"\x00" * n, b"\xff" * n, rng.randbytes(n)])
    return data[:i] + fill[: len(data) - i] + data[i + n :]


def copy_range(rng: random.Random, data: bytes) -> bytes:
    src, dst, n = rng.randrange(len(data)), rng.randrange(len(data)), rng.randint(4, 512)
    piece = data[src : src + n]
    return data[:dst] + piece[: len(data) - dst] + data[dst + len(piece) :]


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
    return _patched(data, len(data) - EOCD.size + offset, fmt, new % (limit + 1))


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def method(rng: random.Random, data: bytes) -> bytes:
    """A member's compression method, in its directory record, its local header, or both."""
    record, local, _ = rng.choice(record_positions(data))
    value = rng.choice([0, 8, 9, 12, 14, 93, 99])
    where = rng.choice([[record + 10], [local + 8], [record + 10, local + 8]])
    for offset in where:
        data = _patched(data, offset, "<H", value)
    return data


def declared_sizes(rng: random.Random, data: bytes) -> bytes:
    """A member's CRC or compressed or uncompressed size, in its record or local header."""
    record, local, _ = rng.choice(record_positions(data))
    field_offset = rng.choice([0, 4, 8])  # CRC, compressed, uncompressed
    start = rng.choice([record + 16, local + 14]) + field_offset
    value = struct.unpack_from("<I", data, start)[0]
    new = rng.choice([0, 1, value - 1, value + 1, 2 * value, 2**31, 0xFFFFFFFF])
    return _patched(data, start, "<I", new % 2**32)


def name_bytes(rng: random.Random, data: bytes) -> bytes:
    """Change one byte of a member's name in its record or its local header."""
    record, local, name = rng.choice(record_positions(data))
    start = rng.choice([record + 46, local + 30]) + rng.randrange(len(name))
    return _patched(data, start, "<B", rng.randrange(256))


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
    body = items[0][1].partition(b"\n")[2]
    document = json.loads(body)
    edit = rng.choice([_edit_entry, _edit_entry, _edit_tree, _edit_document, _edit_text])
    body = edit(rng, document) or json.dumps(document).encode()
    version = rng.choice([b"2", b"2", b"2", b"1", b"3", b"02"])
    return archive([(items[0][0], sealed(body, version)), *items[1:]])


def _edit_entry(rng: random.Random, document: dict[str, Any]) -> None:
    entries = document["entries"]
    entry = rng.choice(entries)
    key = rng.choice(
        ["name", "shape", "dtype", "nbytes", "sha256", "extra", "drop", "twice", "retype"]
    )
    if key == "drop":
        entries.remove(entry)
    elif key == "twice":
        entries.append(dict(entry))
    elif key == "retype":  # consistent: the model's own checks must refuse it
        entry["shape"], entry["dtype"] = rng.choice([([4, 3], "<f8"), ([2, 6], "<f4"), ([], "<i8")])
        entry["nbytes"] = int(np.prod(entry["shape"])) * int(entry["dtype"][-1])
    else:
        entry[key] = rng.choice(_ODD_VALUES + [[*entry.get("shape", []), 1], "<f8", "|O", 0])


_ODD_VALUES: list[object] = [
    None, True, 1.5, -1, 2**70, "", "model/x", "optimizer/0", [], [-1], [2**40, 2**40], {},
    "0" * 64, {"float": 1.0},
]  # fmt: skip


def _edit_tree(rng: random.Random, document: dict[str, Any]) -> None:
    node = document["optimizer"]
    for _ in range(rng.randint(0, 4)):  # walk down to a random node
        ((tag, value),) = node.items()
        if tag == "dict" and value:
            node = value[rng.choice(list(value))]
        elif tag == "list" and value:
            node = rng.choice(value)
    node.clear()
    deep: dict[str, object] = {"list": []}
    for _ in range(rng.choice([1, 40, 300])):
        deep = {"list": [deep]}
    node.update(rng.choice(
        [{"str": "x"}, {"float": 1.5}, {"int": 3}, {"list": []}, {"dict": {}}, {"none": None},
         {"array": "optimizer/999"}, {"array": "model/block.weight"}, {"bool": 1}, {"?": 1},
         {"float": 1.0, "int": 1}, deep]
    ))  # fmt: skip


def _edit_document(rng: random.Random, document: dict[str, Any]) -> None:
    key = rng.choice(["entries", "optimizer", "extra"])
    if rng.random() < 0.5 and key in document:
        del document[key]
    else:
        document[key] = rng.choice(_ODD_VALUES)


def _edit_text(rng: random.Random, document: dict[str, Any]) -> bytes:
    """Text that is not the JSON of a document: deep, repeated keys, huge numbers, junk."""
    depth = rng.choice([10, 5000, 100000])
    return rng.choice(
        [b"[" * depth + b"]" * depth, b'{"entries": [], "entries": []}', b"9" * 5000,
         b'{"entries": [], "optimizer": NaN}', b"\xff\xfe", json.dumps(document)[:-1].encode()]
    )  # fmt: skip


# ------------------------------------------------------------------ the catalogue
@dataclass(frozen=True)
class Mutation:
    apply: Callable[[random.Random, bytes], bytes]
    resealed: bool = False  # a valid manifest may then say other settings


def on_bytes(f: Callable[[random.Random, bytes], bytes]) -> Mutation:
    return Mutation(f)


def on_items(
    f: Callable[[random.Random, Items], Items | bytes], resealed: bool = False
) -> Mutation:
    def apply(rng: random.Random, data: bytes) -> bytes:
        result = f(rng, members(data))
        return result if isinstance(result, bytes) else archive(result)

    return Mutation(apply, resealed)


MUTATIONS: dict[str, Mutation] = {
    "flip bits": on_bytes(flip_bits),
    "flip structure": on_bytes(flip_structure),
    "insert bytes": on_bytes(insert_bytes),
    "delete bytes": on_bytes(delete_bytes),
    "truncate": on_bytes(truncate),
    "overwrite": on_bytes(overwrite),
    "copy range": on_bytes(copy_range),
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


# ------------------------------------------------------------------ running cases
@dataclass
class Tally:
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    escaped: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    peaks: dict[str, int] = field(default_factory=dict)

    def report(self) -> str:
        bombs = {k: v for k, v in self.peaks.items() if k.startswith("bomb")}
        return (
            f"{sum(self.outcomes.values())} cases: {dict(sorted(self.outcomes.items()))}; "
            f"other exceptions {len(self.escaped)}, models changed {len(self.changed)}; "
            f"peak {max(self.peaks.values()) / 2**10:.0f} KiB "
            f"(bombs {max(bombs.values(), default=0) / 2**10:.0f} KiB)"
        )


def run_case(path: Path, base: bytes, name: str, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    mutation = MUTATIONS[name]
    path.write_bytes(mutation.apply(rng, base))
    model, opt = trained(seed=7, steps=1)
    with_optimizer = rng.random() < 0.75
    before = snapshot(model, opt)
    case = f"{name} (seed {seed}, optimizer {with_optimizer})"
    tracemalloc.start()
    try:
        stag.load(model, path, optimizer=opt if with_optimizer else None)
        outcome = "loaded"
    except CLEAN as exc:
        outcome = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 -- what the fuzzer is here to find
        outcome = "escaped"
        tally.escaped.append(f"{case}: {type(exc).__name__}: {exc}")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    tally.outcomes[outcome] += 1
    tally.peaks[name] = max(tally.peaks.get(name, 0), peak)
    after = snapshot(model, opt)
    if not _as_expected(outcome, after, before, with_optimizer, mutation.resealed):
        tally.changed.append(case)


EXPECTED = snapshot(*trained(seed=0))


def _as_expected(
    outcome: str, after: dict[str, np.ndarray], before: dict[str, np.ndarray],
    with_optimizer: bool, resealed: bool,
) -> bool:  # fmt: skip
    """A failed load changed nothing; a load changed exactly what it loaded."""
    if outcome != "loaded":
        return same(after, before)
    model = [k for k in after if not k.startswith("opt/")]
    optimizer = [k for k in after if k.startswith("opt/")]
    if not same(_pick(after, model), _pick(EXPECTED, model)):
        return False
    if not with_optimizer:
        return same(_pick(after, optimizer), _pick(before, optimizer))
    return resealed or same(_pick(after, optimizer), _pick(EXPECTED, optimizer))


def _pick(state: dict[str, np.ndarray], keys: list[str]) -> dict[str, np.ndarray]:
    return {k: state[k] for k in keys}


def fuzz(tmp_path: Path, cases: int, seed: int) -> Tally:
    base = saved_checkpoint(tmp_path / "saved.ckpt")
    tally = Tally()
    names = list(MUTATIONS)
    for i in range(cases):
        run_case(tmp_path / "case.ckpt", base, names[i % len(names)], seed * 1_000_003 + i, tally)
    print(tally.report())
    return tally


def check(tally: Tally) -> None:
    assert not tally.escaped, "\n".join(tally.escaped[:20])
    assert not tally.changed, "\n".join(tally.changed[:20])
    assert max(tally.peaks.values()) < PEAK_BOUND, tally.peaks
    assert tally.outcomes["loaded"] and tally.outcomes["CheckpointError"]


def test_fuzz_fast_profile(tmp_path: Path) -> None:
    check(fuzz(tmp_path, cases=21 * 15, seed=0))


@pytest.mark.slow
def test_fuzz_long_profile(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    markers = request.config.getoption("markexpr") or ""
    if "slow" not in markers or "not slow" in markers:
        pytest.skip("the long fuzz profile runs when asked for: pytest -m slow")
    check(fuzz(tmp_path, cases=21 * 250, seed=1))

"""Shared by the checkpoint tests: a small model with an Adam optimizer, and zip surgery.

The zip helpers read and write archives with the standard library only, so that a
test can damage a checkpoint the way a disk, a tool or a person would, whatever
stag's own reader does.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import stag
from stag import Tensor, nn
from stag.nn import Module
from stag.optim import Adam


class Block(Module):
    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.weight = stag.tensor(
            rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True
        )
        self.bias = stag.tensor(rng.standard_normal(3), requires_grad=True)  # float64


class Model(Module):
    """Parameters of two dtypes, a list of blocks, and buffers (an attribute, a dict)."""

    def __init__(self, seed: int = 0) -> None:
        self.block = Block(seed)
        self.layers = [Block(seed + 1), Block(seed + 2)]
        self.running = stag.tensor(np.full(3, float(seed)))
        self.tables = {"ids": stag.tensor(np.arange(5) + seed)}


def trained(seed: int = 0, steps: int = 2) -> tuple[Model, Adam[Model]]:
    """A model and an AMSGrad optimizer with state for every parameter."""
    model = Model(seed)
    opt = Adam(model, lr=0.01, amsgrad=True)
    rng = np.random.default_rng(seed + 100)
    for _ in range(steps):
        for p in model.parameters():
            p.grad = Tensor(rng.standard_normal(p.shape).astype(p.dtype))
        opt.step()
    return model, opt


def snapshot(model: Module, opt: Adam[Model] | None = None) -> dict[str, np.ndarray]:
    """Copies of the model's state (and the optimizer's arrays and settings), by name."""
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    if opt is not None:
        flat: list[tuple[str, object]] = []
        _flatten("opt", opt.state_dict(), flat)
        state.update((k, np.array(v, copy=True)) for k, v in flat)
    return state


def _flatten(prefix: str, tree: object, out: list[tuple[str, object]]) -> None:
    if isinstance(tree, dict):
        for key, value in tree.items():
            _flatten(f"{prefix}/{key}", value, out)
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            _flatten(f"{prefix}/{i}", value, out)
    else:
        out.append((prefix, tree))


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    """The same names, dtypes and values (NaN equal to NaN)."""
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f")
        for k in a
    )


def rejected(
    path: Path, error: type[Exception] = stag.CheckpointError, match: str | None = None
) -> str:
    """Load ``path`` into a trained model and optimizer: it must fail and change neither."""
    model, opt = trained(seed=7, steps=1)
    before = snapshot(model, opt)
    with pytest.raises(error, match=match) as info:
        stag.load(model, path, optimizer=opt)
    assert same(snapshot(model, opt), before)
    return str(info.value)


def sealed(body: bytes, version: bytes = b"2") -> bytes:
    """A manifest member's bytes: the seal line over ``body``, then ``body``."""
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"stag-checkpoint " + version + b" sha256=" + digest + b"\n" + body


EOCD = struct.Struct("<4sHHHHIIH")
CD_HEADER = struct.Struct("<4sHHHHHHIIIHHHHHII")


def members(file: Path | bytes) -> list[tuple[str, bytes]]:
    """Every member's name and uncompressed bytes, in archive order."""
    source = io.BytesIO(file) if isinstance(file, bytes) else file
    with zipfile.ZipFile(source) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def archive(
    items: list[tuple[str, bytes]],
    compression: int = zipfile.ZIP_STORED,
    only: Callable[[str], bool] = lambda name: True,
) -> bytes:
    """``items`` as a zip archive; ``compression`` for the members ``only`` picks."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is what some tests want
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in items:
                info = zipfile.ZipInfo(name)
                info.compress_type = compression if only(name) else zipfile.ZIP_STORED
                zf.writestr(info, data)
    return out.getvalue()


def rebuild(
    path: Path,
    items: list[tuple[str, bytes]],
    compression: int = zipfile.ZIP_STORED,
    only: Callable[[str], bool] = lambda name: True,
) -> None:
    """Write ``items`` as a new archive at ``path`` (see ``archive``)."""
    path.write_bytes(archive(items, compression, only))


def directory_records(data: bytes) -> tuple[int, list[bytes]]:
    """The central directory's offset and its records (an archive without zip64 or comment)."""
    _, _, _, _, count, size, offset, _ = EOCD.unpack_from(data, len(data) - EOCD.size)
    records, pos = [], offset
    for _ in range(count):
        fields = CD_HEADER.unpack_from(data, pos)
        length = CD_HEADER.size + fields[10] + fields[11] + fields[12]
        records.append(data[pos : pos + length])
        pos += length
    assert pos == offset + size
    return offset, records


def record_name(record: bytes) -> str:
    return record[CD_HEADER.size : CD_HEADER.size + CD_HEADER.unpack_from(record)[10]].decode()


def without_records(data: bytes, drop: Callable[[str], bool]) -> bytes:
    """``data`` without the directory records ``drop`` picks (the members' data stays)."""
    offset, records = directory_records(data)
    kept = [r for r in records if not drop(record_name(r))]
    directory = b"".join(kept)
    end = EOCD.pack(b"PK\x05\x06", 0, 0, len(kept), len(kept), len(directory), offset, 0)
    return data[:offset] + directory + end


def drop_directory_records(path: Path, drop: Callable[[str], bool]) -> list[str]:
    """Cut the central-directory records whose name ``drop`` picks, at ``path``."""
    data = path.read_bytes()
    path.write_bytes(without_records(data, drop))
    return [record_name(r) for r in directory_records(data)[1] if drop(record_name(r))]


def record_positions(data: bytes) -> list[tuple[int, int, str]]:
    """Each member's directory record offset, local header offset and name."""
    offset, records = directory_records(data)
    positions = []
    for record in records:
        positions.append((offset, CD_HEADER.unpack_from(record)[16], record_name(record)))
        offset += len(record)
    return positions


RECORD_CRC, LOCAL_CRC = 16, 14  # then the compressed and the uncompressed size, in both


def declared(data: bytes, name: str, size: int, crc: int) -> bytes:
    """``data`` with ``name``'s record and local header declaring ``size`` bytes and ``crc``."""
    out = bytearray(data)
    for record, local, member in record_positions(data):
        if member == name:
            struct.pack_into("<I", out, record + RECORD_CRC, crc)
            struct.pack_into("<I", out, record + RECORD_CRC + 8, size)
            struct.pack_into("<I", out, local + LOCAL_CRC, crc)
            struct.pack_into("<I", out, local + LOCAL_CRC + 8, size)
    return bytes(out)


def declare(path: Path, name: str, size: int, crc: int) -> None:
    """``declared`` on the file at ``path``."""
    path.write_bytes(declared(path.read_bytes(), name, size, crc))


# ------------------------------------------------------------------ safetensors
def split_safetensors(data: bytes) -> tuple[dict[str, Any], bytes]:
    """A safetensors file's header (as JSON) and its data."""
    (length,) = struct.unpack_from("<Q", data)
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join_safetensors(header: dict[str, Any], data: bytes, padding: int = 0) -> bytes:
    """A safetensors file of ``header`` (followed by ``padding`` spaces) and ``data``."""
    text = json.dumps(header).encode() + b" " * padding
    return struct.pack("<Q", len(text)) + text + data


# ------------------------------------------------------------------ memory
MEASURE = """
import resource, sys, tracemalloc
import stag
from stag import nn

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # today's 8 GiB would fail, not swap
target = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 256))
optimizer = stag.optim.Adam(target) if sys.argv[2] == "adam" else None
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the resident peak (VmHWM) starts again from here
before = status("VmRSS:")
tracemalloc.start()
try:
    stag.load(target, sys.argv[1], optimizer=optimizer)
    outcome = "loaded"
except stag.CheckpointError as exc:
    outcome = "refused: " + str(exc)
print(outcome)
print(tracemalloc.get_traced_memory()[1], status("VmHWM:") - before)
"""
LINUX = pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="measures the resident peak on Linux"
)


def measure_load(path: Path, optimizer: str = "none") -> tuple[str, int, int]:
    """Load ``path`` in a fresh process: the outcome, tracemalloc's peak, the resident peak."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), optimizer],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome, figures = done.stdout.splitlines()[-2:]
    peak, rss = (int(x) for x in figures.split())
    return outcome, peak, rss


def one_mib_model() -> nn.Sequential[int, int]:
    return nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 256))  # 1 MiB of f32

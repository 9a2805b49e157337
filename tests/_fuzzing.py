"""The checkpoint fuzzer's engine: mutations any file can take, and the runner.

A mutation turns a saved checkpoint's bytes into a damaged file; ``run_case`` loads
the result into a model and optimizer holding other values (with the optimizer, or
the model alone), and every case must end in

- success with exactly the saved state (a mutation that hit nothing that matters;
  for a re-sealed manifest, the model's state exactly), or
- ``CheckpointError``, ``stag.ShapeError``, ``stag.DTypeError`` or ``OSError``,
  with the model and the optimizer unchanged,

with tracemalloc's peak during ``load`` under ``PEAK_BOUND``.  The containers'
catalogues live in ``test_checkpoint_fuzz.py`` (npz) and
``test_checkpoint_fuzz_safetensors.py``.
"""

from __future__ import annotations

import collections
import hashlib
import json
import random
import struct
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _checkpoints import same, snapshot, trained

import stag
from stag import CheckpointError

CLEAN = (CheckpointError, stag.ShapeError, stag.DTypeError, OSError)
PEAK_BOUND = 2 * 2**20  # the model is a few hundred bytes: the bound is the reader's own
Catalogue = dict[str, "Mutation"]


# ------------------------------------------------------------------ bytes
def flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


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


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


# ------------------------------------------------------------------ manifests, re-sealed
def resealed_manifest(rng: random.Random, manifest: bytes) -> bytes:
    """The manifest's document edited and sealed again: its validation alone must hold."""
    document = json.loads(manifest.partition(b"\n")[2])
    edit = rng.choice([_edit_entry, _edit_entry, _edit_tree, _edit_document, _edit_text])
    body = edit(rng, document) or json.dumps(document).encode()
    version = rng.choice([b"2", b"2", b"2", b"1", b"3", b"02"])
    digest = hashlib.sha256(body).hexdigest().encode()
    return b"stag-checkpoint " + version + b" sha256=" + digest + b"\n" + body


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


#: mutations that make sense on any file
ON_BYTES: Catalogue = {
    "flip bits": on_bytes(flip_bits),
    "insert bytes": on_bytes(insert_bytes),
    "delete bytes": on_bytes(delete_bytes),
    "truncate": on_bytes(truncate),
    "overwrite": on_bytes(overwrite),
    "copy range": on_bytes(copy_range),
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


def run_case(
    path: Path, base: bytes, catalogue: Catalogue, name: str, seed: int, tally: Tally
) -> None:
    rng = random.Random(seed)
    mutation = catalogue[name]
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


def saved_checkpoint(path: Path) -> bytes:
    """The bytes of a trained model's checkpoint with its AMSGrad optimizer, saved at ``path``."""
    model, opt = trained(seed=0)
    stag.save(model, path, optimizer=opt)
    return path.read_bytes()


def fuzz(tmp_path: Path, catalogue: Catalogue, cases: int, seed: int, suffix: str) -> Tally:
    """``cases`` cases, the catalogue's mutations in turn, on a checkpoint saved to ``suffix``."""
    base = saved_checkpoint(tmp_path / f"saved{suffix}")
    tally = Tally()
    names = list(catalogue)
    for i in range(cases):
        name = names[i % len(names)]
        run_case(tmp_path / f"case{suffix}", base, catalogue, name, seed * 1_000_003 + i, tally)
    print(tally.report())
    return tally


def long_profile(request: pytest.FixtureRequest) -> None:
    """Skip unless the slow tests were asked for (``pytest -m slow``)."""
    markers = request.config.getoption("markexpr") or ""
    if "slow" not in markers or "not slow" in markers:
        pytest.skip("the long fuzz profile runs when asked for: pytest -m slow")


def check(tally: Tally) -> None:
    assert not tally.escaped, "\n".join(tally.escaped[:20])
    assert not tally.changed, "\n".join(tally.changed[:20])
    assert max(tally.peaks.values()) < PEAK_BOUND, tally.peaks
    assert tally.outcomes["loaded"] and tally.outcomes["CheckpointError"]

"""Checkpoint format 2: the sealed manifest, what load refuses, bounded reads, temp files."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from _checkpoints import (
    LINUX,
    Model,
    declare,
    drop_directory_records,
    measure_load,
    members,
    one_mib_model,
    rebuild,
    rejected,
    same,
    sealed,
    snapshot,
    trained,
)

import stag
from stag import Tensor, nn

MANIFEST = "__stag_checkpoint__"


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.ckpt"
    model, opt = trained(seed=0)
    stag.save(model, path, optimizer=opt)
    return path


def manifest_of(path: Path) -> tuple[str, bytes]:
    data = dict(members(path))[MANIFEST]
    first, _, body = data.partition(b"\n")
    return first.decode(), body


# --------------------------------------------------------------- the manifest
def test_manifest_lists_every_entry_and_seals_itself(saved: Path) -> None:
    first, body = manifest_of(saved)
    assert first == f"stag-checkpoint 2 sha256={hashlib.sha256(body).hexdigest()}"
    manifest = json.loads(body)
    entries = {e["name"]: e for e in manifest["entries"]}
    weight = trained(seed=0)[0].block.weight.numpy()
    assert entries["model/block.weight"] == {
        "name": "model/block.weight",
        "shape": [4, 3],
        "dtype": "<f4",
        "nbytes": 48,
        "sha256": hashlib.sha256(weight.tobytes()).hexdigest(),
    }
    assert {"model/running", "model/tables.ids"} <= set(entries)  # buffers are state
    opt_state = trained(seed=0)[1].state_dict()
    arrays = [a for entry in opt_state["state"].values() for a in entry.values()]
    assert sum(name.startswith("optimizer/") for name in entries) == len(arrays) > 0
    assert manifest["optimizer"]["dict"]["hyperparams"]["dict"]["0.lr"] == {"float": 0.01}
    names = [name for name, _ in members(saved)]
    assert names == [MANIFEST] + [e["name"] + ".npy" for e in manifest["entries"]]


def test_lost_directory_records_are_refused_by_name(saved: Path) -> None:
    # the reported bug: entries gone from the zip directory silently reset Adam's state
    dropped = drop_directory_records(saved, lambda name: "optimizer" in name and "1" in name)
    assert dropped
    message = rejected(saved, match="missing")
    assert any(name.removesuffix(".npy") in message for name in dropped)


def test_an_extra_member_is_refused(saved: Path) -> None:
    rebuild(saved, [*members(saved), ("model/extra.npy", b"\x93NUMPY")])
    rejected(saved, match="'model/extra.npy'.*not in the manifest")


def test_an_edited_manifest_fails_its_checksum(saved: Path) -> None:
    items = members(saved)
    name, data = items[0]
    items[0] = (name, data.replace(b'{"float": 0.01}', b'{"float": 0.02}'))
    assert items[0][1] != data
    rebuild(saved, items)
    rejected(saved, match="manifest.*checksum")


def test_changed_data_fails_the_entry_checksum(saved: Path) -> None:
    items = members(saved)
    i = next(i for i, (n, _) in enumerate(items) if n == "model/layers.1.bias.npy")
    name, data = items[i]
    items[i] = (name, data[:-1] + bytes([data[-1] ^ 1]))  # a valid zip: only the sha256 differs
    rebuild(saved, items)
    rejected(saved, match=r"'model/layers\.1\.bias'.*sha256")


def test_an_optimizer_that_fails_midway_through_its_load_is_restored(saved: Path) -> None:
    # today's Optimizer.load_state_dict replaces its buffers, then fails on a setting
    # that check_state_dict let through: load puts the old state back
    items = members(saved)
    document = json.loads(items[0][1].partition(b"\n")[2])
    document["optimizer"]["dict"]["hyperparams"]["dict"]["eps"] = {"dict": {}}
    items[0] = (items[0][0], sealed(json.dumps(document).encode()))
    rebuild(saved, items)
    rejected(saved, match="optimizer state")


def test_format_1_files_are_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "old.ckpt"
    state = {k: v.numpy() for k, v in Model().state_dict().items()}
    with open(path, "wb") as f:
        np.savez(f, __stag_checkpoint__=np.array(1), **state)
    message = rejected(path, match="format 1")
    assert "numpy.load" in message


# --------------------------------------------------------------- containers
def test_deflated_members_load_identically(saved: Path, tmp_path: Path) -> None:
    rebuild(saved, members(saved), zipfile.ZIP_DEFLATED)
    model, opt = trained(seed=3, steps=1)
    stag.load(model, saved, optimizer=opt)
    original, original_opt = trained(seed=0)
    assert same(snapshot(model, opt), snapshot(original, original_opt))


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_methods_are_refused_unread(saved: Path, method: int) -> None:
    rebuild(saved, members(saved), method, only=lambda name: name.endswith(".npy"))
    rejected(saved, match="compress")


def test_zip64_records_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # what a > 4 GiB checkpoint holds: zip64 directory records and end record
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 64)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 4)
    path = tmp_path / "zip64.ckpt"
    model, opt = trained(seed=0)
    stag.save(model, path, optimizer=opt)
    assert b"PK\x06\x06" in path.read_bytes()
    monkeypatch.undo()
    loaded, loaded_opt = trained(seed=5, steps=1)
    stag.load(loaded, path, optimizer=loaded_opt)
    assert same(snapshot(loaded, loaded_opt), snapshot(model, opt))


def test_text_and_pickle_files_are_named_for_what_they_are(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("weights: see the other file\n" * 10)
    message = rejected(text, match="not a stag checkpoint")
    assert "pickle" not in message.replace(str(text), "")
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95" + bytes(40))
    rejected(pickled, match="pickle.*never")


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging when load blocks (on a FIFO)."""

    class Blocked(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Blocked("load blocked")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.usefixtures("alarm")
def test_paths_that_are_not_regular_files_are_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path, Path("/dev/zero")):  # today's f.read() never ends on the last
        rejected(path, match="not a regular file")


# --------------------------------------------------------------- bounded memory
BOMB_MEMBER = "0.weight.npy"  # the end of the first layer's weight's member name
ZEROS = bytes(1 << 24)  # written 4 times: a 64 MiB member


def replace_member(path: Path, compression: int, head: bytes | None) -> None:
    """The bomb member becomes ``head`` (default: itself) and 64 MiB of zeros."""
    items = members(path)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in items:
            info = zipfile.ZipInfo(name)
            if not name.endswith(BOMB_MEMBER):
                archive.writestr(info, data)
                continue
            info.compress_type = compression
            with archive.open(info, "w") as member:
                member.write(data if head is None else head)
                for _ in range(4):
                    member.write(ZEROS)


def declared_bomb(path: Path) -> None:
    """The .npy header and the directory declare 8 GiB, the stream holds 64 MiB."""
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }".ljust(117)
    replace_member(path, zipfile.ZIP_DEFLATED, b"\x93NUMPY\x01\x00v\x00" + text.encode() + b"\n")


def undeclared_bomb(path: Path) -> None:
    """The directory declares the member's true size; its stream inflates 64 MiB further."""
    name, true_size, true_crc = next(
        (name, len(data), zlib.crc32(data))
        for name, data in members(path)
        if name.endswith(BOMB_MEMBER)
    )
    replace_member(path, zipfile.ZIP_DEFLATED, None)
    declare(path, name, true_size, true_crc)


BOMBS: dict[str, Callable[[Path], None]] = {
    "none": lambda path: None,
    "deflate, 8 GiB declared": declared_bomb,
    "deflate, beyond its declared size": undeclared_bomb,
    "bzip2": lambda path: replace_member(path, zipfile.ZIP_BZIP2, None),
}


@LINUX
@pytest.mark.parametrize("bomb", list(BOMBS))
def test_load_memory_is_bounded_by_the_model(tmp_path: Path, bomb: str) -> None:
    path = tmp_path / "model.ckpt"
    stag.save(one_mib_model(), path)
    BOMBS[bomb](path)
    outcome, peak, rss = measure_load(path)
    assert outcome == "loaded" if bomb == "none" else outcome.startswith("refused"), outcome
    assert peak < 3 * 2**20, (outcome, peak)  # tracemalloc's count: Python and numpy
    assert rss < 4 * 2**20, (outcome, rss)  # the resident peak: zlib's buffers too


@LINUX
def test_load_with_an_optimizer_holds_the_data_once(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    model = one_mib_model()
    opt = stag.optim.Adam(model)
    for p in model.parameters():
        p.grad = Tensor(np.ones(p.shape, p.dtype))
    opt.step()
    stag.save(model, path, optimizer=opt)  # 3 MiB: the model, exp_avg, exp_avg_sq
    outcome, peak, _ = measure_load(path, "adam")
    assert outcome == "loaded"
    assert peak < (3 + 2 + 1) * 2**20  # the data, and the 2 MiB of state Adam copies and keeps


# --------------------------------------------------------------- temp files
def dead_pid() -> int:
    """The id of a process that has exited."""
    command = [sys.executable, "-c", "import os; print(os.getpid())"]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


KILLED_MID_SAVE = """
import os, signal, sys
import numpy as np
import stag
from stag import nn

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

np.lib.format.write_array = killed
stag.save(nn.Linear(4, 4), sys.argv[1])
"""


def test_a_save_killed_midway_leaves_a_temp_file_the_next_save_removes(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    done = subprocess.run([sys.executable, "-c", KILLED_MID_SAVE, str(path)], check=False)
    assert done.returncode == -signal.SIGKILL
    (leftover,) = tmp_path.iterdir()
    assert leftover.name.startswith(".model.ckpt.stag-tmp-")
    stag.save(nn.Linear(4, 4), path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]


def test_save_removes_only_the_temp_files_of_dead_writers(tmp_path: Path) -> None:
    host = socket.gethostname()
    stale = f".model.ckpt.stag-tmp-{host}-{dead_pid()}-1a2b"
    live = f".model.ckpt.stag-tmp-{host}-{os.getppid()}-1a2b"  # a save under way elsewhere
    elsewhere = f".model.ckpt.stag-tmp-other-host-{dead_pid()}-1a2b"  # its pid means nothing here
    other_file = f".other.ckpt.stag-tmp-{host}-{dead_pid()}-1a2b"
    for name in (stale, live, elsewhere, other_file):
        (tmp_path / name).write_bytes(b"partial")
    stag.save(nn.Linear(4, 4), tmp_path / "model.ckpt")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live, elsewhere, other_file, "model.ckpt"]
    )

""".safetensors checkpoints: exact round trips, files of other writers, and what load refuses.

``stag.save`` writes safetensors when the path ends in ``.safetensors``; ``stag.load``
tells the formats apart by their first bytes.  Every refusal leaves the model and the
optimizer as they were.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from _checkpoints import (
    LINUX,
    Model,
    join_safetensors,
    measure_load,
    one_mib_model,
    rejected,
    same,
    snapshot,
    split_safetensors,
    trained,
)
from safetensors import safe_open

import stag
from stag import CheckpointError
from stag.io._files import open_regular
from stag.io._manifest import metadata_limit
from stag.io._safetensors import SafetensorsCheckpoint


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    model, opt = trained(seed=0)
    stag.save(model, path, optimizer=opt)
    return path


def edit_header(path: Path, edit: Any) -> None:
    header, data = split_safetensors(path.read_bytes())
    edit(header)
    path.write_bytes(join_safetensors(header, data))


def plain_state(model: stag.nn.Module) -> dict[str, np.ndarray]:
    return {name: t.numpy() for name, t in model.state_dict().items()}


# --------------------------------------------------------------- round trips
def test_model_and_optimizer_round_trip_exactly(saved: Path) -> None:
    model, opt = trained(seed=7, steps=1)
    stag.load(model, saved, optimizer=opt)
    assert same(snapshot(model, opt), snapshot(*trained(seed=0)))


def test_the_file_is_one_the_safetensors_package_reads(saved: Path) -> None:
    tensors = safetensors.numpy.load_file(saved)
    weight = trained(seed=0)[0].block.weight.numpy()
    np.testing.assert_array_equal(tensors["model/block.weight"], weight)
    assert any(name.startswith("optimizer/") for name in tensors)
    with safe_open(saved, framework="numpy") as f:
        metadata = f.metadata()
    assert metadata["stag-checkpoint"].startswith("stag-checkpoint 2 sha256=")
    assert [p.name for p in saved.parent.iterdir()] == ["model.safetensors"]  # no temp file


def test_the_format_follows_the_suffix_and_load_follows_the_content(tmp_path: Path) -> None:
    for name, zip_archive in [("a.SafeTensors", False), ("a.npz", True), ("a.ckpt", True)]:
        stag.save(Model(1), tmp_path / name)
        assert (tmp_path / name).read_bytes().startswith(b"PK") == zip_archive
    os.rename(tmp_path / "a.SafeTensors", tmp_path / "renamed.npz")
    model = Model(2)
    stag.load(model, tmp_path / "renamed.npz")
    assert same(snapshot(model), snapshot(Model(1)))


def test_a_file_of_plain_weights_loads_by_name(tmp_path: Path) -> None:
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file(plain_state(Model(3)), path, metadata={"format": "pt"})
    model = Model(4)
    stag.load(model, path)
    assert same(snapshot(model), snapshot(Model(3)))


def test_plain_weights_that_do_not_fit_name_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "plain.safetensors"
    state = plain_state(Model(3))
    safetensors.numpy.save_file({"0.weight": state.pop("block.weight"), **state}, path)
    message = rejected(path, match="missing keys")
    assert "stag.io.load_torch_state_dict" in message
    state = plain_state(Model(3))
    safetensors.numpy.save_file({**state, "block.weight": state["block.weight"].T.copy()}, path)
    rejected(path, stag.ShapeError)
    safetensors.numpy.save_file({**state, "running": state["running"].astype(np.float32)}, path)
    rejected(path, stag.DTypeError)


def test_plain_weights_hold_no_optimizer_state(tmp_path: Path) -> None:
    path = tmp_path / "plain.safetensors"
    safetensors.numpy.save_file(plain_state(trained(0)[0]), path)
    rejected(path, match="holds no optimizer state")


def test_state_a_safetensors_file_cannot_hold_is_refused_before_writing(saved: Path) -> None:
    old = saved.read_bytes()
    model = Model(0)
    model.running = stag.tensor(np.zeros(3, np.longdouble))  # float128: no safetensors dtype
    with pytest.raises(ValueError, match="a .safetensors file cannot hold"):
        stag.save(model, saved)
    assert saved.read_bytes() == old
    assert [p.name for p in saved.parent.iterdir()] == ["model.safetensors"]


def test_a_failed_save_leaves_the_old_file(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = saved.read_bytes()

    def broken(*args: object, **kwargs: object) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        stag.save(Model(5), saved)
    assert saved.read_bytes() == old
    assert [p.name for p in saved.parent.iterdir()] == ["model.safetensors"]


LOADED_WHEN = """
import sys, stag
seen = ["safetensors" in sys.modules]
stag.load(stag.nn.Linear(2, 2), sys.argv[1])
seen.append("safetensors" in sys.modules)
stag.save(stag.nn.Linear(2, 2), sys.argv[1])
print(seen + ["safetensors" in sys.modules])
"""


def test_safetensors_is_imported_by_the_first_save_not_by_import_or_load(tmp_path: Path) -> None:
    path = tmp_path / "linear.safetensors"
    stag.save(stag.nn.Linear(2, 2), path)
    command = [sys.executable, "-c", LOADED_WHEN, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[False, False, True]"


# --------------------------------------------------------------- refusals
def test_a_header_longer_than_the_model_needs_is_refused_unread(saved: Path) -> None:
    data = saved.read_bytes()
    saved.write_bytes(struct.pack("<Q", 2**62) + data[8:])
    rejected(saved, match="header takes 4611686018427387904 bytes, more than")


def test_a_header_cut_short_is_refused(saved: Path) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[:100])
    rejected(saved, match="ends inside its safetensors header")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_data_is_refused_before_any_is_read(saved: Path, keep: float) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * keep)])
    rejected(saved)


def test_offsets_that_overlap_or_leave_a_gap_are_refused(saved: Path) -> None:
    def overlap(header: dict[str, Any]) -> None:
        first = header["model/block.weight"]["data_offsets"]
        header["model/block.weight"]["data_offsets"] = [first[0] + 4, first[1] + 4]

    edit_header(saved, overlap)
    rejected(saved, match="overlap or leave a gap")


def test_a_dtype_numpy_cannot_hold_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(
        join_safetensors({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"0000")
    )
    rejected(path, match="dtype BF16, which numpy has no type for")


def test_malformed_tensor_entries_are_refused(saved: Path) -> None:
    edits = [
        lambda h: h["model/block.weight"].update(shape=[4, 4]),
        lambda h: h["model/block.weight"].update(shape="4x3"),
        lambda h: h["model/block.weight"].update(extra=1),
        lambda h: h["model/block.weight"].update(data_offsets=[0]),
        lambda h: h.update(__metadata__={"stag-checkpoint": 1}),
    ]
    original = saved.read_bytes()
    for edit in edits:
        saved.write_bytes(original)
        edit_header(saved, edit)
        rejected(saved)


def test_tensors_must_be_the_manifest_entries(saved: Path) -> None:
    def rename(header: dict[str, Any]) -> None:
        header["model/block.extra"] = header.pop("model/block.weight")

    edit_header(saved, rename)
    rejected(saved, match="its tensors and its manifest disagree on")


def test_changed_data_fails_the_entry_checksum(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[-1] ^= 0xFF
    saved.write_bytes(bytes(data))
    rejected(saved, match="sha256")


def test_a_file_cut_while_it_is_read_is_refused(saved: Path) -> None:
    entries_limit = metadata_limit(20)
    with open_regular(str(saved)) as (f, size):
        container = SafetensorsCheckpoint(f, size, entries_limit)
        os.truncate(saved, size // 2)
        with pytest.raises(CheckpointError, match="cut while read"):
            for entry in container.manifest.entries:
                container.read(entry)


@LINUX
def test_load_memory_is_bounded_by_the_model(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    stag.save(one_mib_model(), path)
    outcome, peak, rss = measure_load(path)
    assert outcome == "loaded"
    assert peak < 3 * 2**20 and rss < 4 * 2**20, (peak, rss)
    header, data = split_safetensors(path.read_bytes())
    path.write_bytes(join_safetensors(header, data + bytes(64 * 2**20)))  # 64 MiB after the tensors
    outcome, peak, _ = measure_load(path)
    assert outcome.startswith("refused") and peak < 2**20, (outcome, peak)

"""Checkpoints: exact round trips, atomic writes, and bad files that leave the model alone."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _checkpoints import Block, members, rebuild

import stag
from stag import CheckpointError, Tensor
from stag.nn import Module


class Model(Module):
    def __init__(self, seed: int = 0) -> None:
        self.block = Block(seed)
        self.layers = [Block(seed + 1), Block(seed + 2)]
        self.buffer = stag.tensor(np.full(2, float(seed)))  # not a parameter, but state


def snapshot(model: Module) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def assert_unchanged(model: Module, before: dict[str, np.ndarray]) -> None:
    after = snapshot(model)
    assert after.keys() == before.keys()
    for k, value in before.items():
        np.testing.assert_array_equal(after[k], value)
        assert after[k].dtype == value.dtype


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.ckpt"
    stag.save(Model(seed=0), path)
    return path


def test_round_trip_restores_exact_values_and_dtypes(saved: Path) -> None:
    model = Model(seed=10)
    params_before = model.parameters()
    stag.load(model, saved)
    assert_unchanged(model, snapshot(Model(seed=0)))
    assert all(a is b for a, b in zip(model.parameters(), params_before, strict=True))


def test_file_is_an_npz_that_numpy_reads_without_pickles(saved: Path) -> None:
    assert saved.exists() and not Path(str(saved) + ".npz").exists()  # the name as given
    with np.load(saved, allow_pickle=False) as archive:
        assert archive.files == [
            "__stag_checkpoint__", "model/block.weight", "model/block.bias",
            "model/layers.0.weight", "model/layers.0.bias", "model/layers.1.weight",
            "model/layers.1.bias", "model/buffer",
        ]  # fmt: skip
        assert archive["__stag_checkpoint__"].startswith(b"stag-checkpoint 2 sha256=")
        np.testing.assert_array_equal(archive["model/buffer"], [0.0, 0.0])
    assert [p.name for p in saved.parent.iterdir()] == ["model.ckpt"]  # no temp file left


def test_save_accepts_str_paths_and_overwrites(tmp_path: Path) -> None:
    path = str(tmp_path / "m.npz")
    stag.save(Model(seed=1), path)
    stag.save(Model(seed=2), path)
    model = Model(seed=3)
    stag.load(model, path)
    assert_unchanged(model, snapshot(Model(seed=2)))


def test_overwriting_keeps_the_file_permissions(saved: Path) -> None:
    assert saved.stat().st_mode & 0o777 == 0o644
    saved.chmod(0o600)
    stag.save(Model(seed=1), saved)
    assert saved.stat().st_mode & 0o777 == 0o600


def test_a_failed_save_leaves_the_old_file(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = saved.read_bytes()

    def broken_write(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken_write)
    with pytest.raises(OSError, match="disk full"):
        stag.save(Model(seed=5), saved)
    assert saved.read_bytes() == old
    assert [p.name for p in saved.parent.iterdir()] == ["model.ckpt"]


def check_rejected(
    path: Path, error: type[Exception] = CheckpointError, match: str | None = None
) -> pytest.ExceptionInfo[Exception]:
    model = Model(seed=7)
    before = snapshot(model)
    with pytest.raises(error, match=match) as info:
        stag.load(model, path)
    assert_unchanged(model, before)
    return info


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_truncated_file_raises_and_leaves_the_model(saved: Path, keep: float) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * keep)])
    info = check_rejected(saved)
    assert str(saved) in str(info.value)


def test_corrupted_bytes_raise_and_leave_the_model(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    start = data.index(b"\x93NUMPY", 200)  # the header of a member after the first
    data[start : start + 60] = b"\x00" * 60
    saved.write_bytes(bytes(data))
    check_rejected(saved)


def test_flipped_data_bytes_fail_the_crc_check(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    start = data.rindex(b"\x93NUMPY") + 128 + 4  # inside the last member's values
    data[start] ^= 0xFF
    saved.write_bytes(bytes(data))
    check_rejected(saved, match="CRC")


def test_garbage_and_empty_files_raise(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(os.urandom(1000))
    check_rejected(garbage, match="not a stag checkpoint")
    empty = tmp_path / "empty.ckpt"
    empty.write_bytes(b"")
    check_rejected(empty)


def test_pickles_are_never_loaded(saved: Path, tmp_path: Path) -> None:
    # a checkpoint whose member is an object array (pickled), and a bare pickle file
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    items = [
        (n, pickled.getvalue() if n == "model/block.bias.npy" else d) for n, d in members(saved)
    ]
    rebuild(saved, items)
    check_rejected(saved, match="'model/block.bias'.*pickled objects, which stag never loads")
    bare = tmp_path / "bare.pkl"
    bare.write_bytes(pickle.dumps({"block.weight": np.zeros((4, 3))}))
    check_rejected(bare, match="a Python pickle, which stag never loads")


def test_foreign_npz_and_npy_files_are_not_checkpoints(tmp_path: Path) -> None:
    state = {k: v.numpy() for k, v in Model().state_dict().items()}
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, **state)
    check_rejected(foreign, match="not a stag checkpoint")
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    check_rejected(npy, match="not a stag checkpoint")
    future = tmp_path / "future.npz"
    np.savez(future, __stag_checkpoint__=np.array(99), **state)
    check_rejected(future, match="format")


def test_wrong_shape_raises_shape_error(tmp_path: Path) -> None:
    class Wide(Module):
        def __init__(self) -> None:
            self.block = Block(0)
            self.block.weight = stag.zeros(4, 5, dtype=np.float32, requires_grad=True)
            self.layers = [Block(1), Block(2)]
            self.buffer = stag.zeros(2)

    path = tmp_path / "wide.ckpt"
    stag.save(Wide(), path)
    info = check_rejected(
        path, stag.ShapeError, match=r"block\.weight: expected \(4, 3\), got \(4, 5\)"
    )
    assert str(path) in str(info.value)


def test_wrong_dtype_raises_dtype_error(tmp_path: Path) -> None:
    model = Model()
    model.block.bias = stag.zeros(3, dtype=np.float32, requires_grad=True)
    path = tmp_path / "f32.ckpt"
    stag.save(model, path)
    check_rejected(path, stag.DTypeError, match=r"block\.bias: expected float64, got float32")


def test_missing_and_unexpected_names_raise(tmp_path: Path) -> None:
    fewer = Model()
    fewer.layers = [Block(1)]
    path = tmp_path / "fewer.ckpt"
    stag.save(fewer, path)
    check_rejected(path, match=r"missing keys \['layers\.1\.weight', 'layers\.1\.bias'\]")
    more = Model()
    more.extra = stag.zeros(1, requires_grad=True)
    stag.save(more, path)
    check_rejected(path, match=r"unexpected keys \['extra'\]")


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        stag.load(Model(), tmp_path / "nope.ckpt")


def test_checkpoint_error_is_a_value_error() -> None:
    assert issubclass(CheckpointError, ValueError)


def test_load_then_train_then_save_keeps_optimizer_working(tmp_path: Path) -> None:
    model = Model(seed=0)
    opt = stag.optim.SGD(model, lr=0.1)
    stag.load(model, _save_to(tmp_path, Model(seed=4)))
    model.block.weight.grad = Tensor(np.ones((4, 3), np.float32))
    opt.step()  # the optimizer still holds the model's parameters after load
    np.testing.assert_allclose(
        model.block.weight.numpy(), Model(seed=4).block.weight.numpy() - 0.1, rtol=1e-6
    )


def _save_to(tmp_path: Path, model: Module) -> Path:
    path = tmp_path / "x.ckpt"
    stag.save(model, path)
    return path


def test_zip_members_are_the_manifest_then_npy_arrays_stored(saved: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        names = archive.namelist()
        assert names[0] == "__stag_checkpoint__"
        assert all(name.endswith(".npy") for name in names[1:])
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_buffers_round_trip(saved: Path) -> None:
    model = Model(seed=3)
    stag.load(model, saved)
    np.testing.assert_array_equal(model.buffer.numpy(), [0.0, 0.0])
    assert not model.buffer.requires_grad


def test_saving_twice_gives_the_same_bytes(saved: Path) -> None:
    first = saved.read_bytes()
    stag.save(Model(seed=0), saved)
    assert saved.read_bytes() == first


# ------------------------------------------------------------ with an optimizer
def train(model: Model, opt: stag.optim.Optimizer[Model], steps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for p in model.parameters():
            p.grad = Tensor(rng.standard_normal(p.shape).astype(p.dtype))
        opt.step()


@pytest.mark.parametrize("make", [
    lambda m: stag.optim.Adam(m, lr=0.01, amsgrad=True),
    lambda m: stag.optim.SGD(m, lr=0.1, momentum=0.9, nesterov=True),
])  # fmt: skip
def test_model_and_optimizer_round_trip_resumes_identically(
    tmp_path: Path, make: Callable[[Model], stag.optim.Optimizer[Model]]
) -> None:
    model = Model(seed=0)
    opt = make(model)
    train(model, opt, 2, seed=1)
    path = tmp_path / "resume.ckpt"
    stag.save(model, path, optimizer=opt)
    train(model, opt, 2, seed=2)

    resumed = Model(seed=9)
    resumed_opt = make(resumed)
    resumed_opt.lr = 5.0
    stag.load(resumed, path, optimizer=resumed_opt)
    train(resumed, resumed_opt, 2, seed=2)
    assert_unchanged(resumed, snapshot(model))  # bit-identical continuation
    stag.load(Model(seed=3), path)  # the model alone loads from the same file


def test_optimizer_state_mismatch_leaves_model_and_optimizer(tmp_path: Path) -> None:
    model = Model(seed=0)
    sgd = stag.optim.SGD(model, lr=0.1, momentum=0.9)
    train(model, sgd, 1, seed=1)
    path = tmp_path / "sgd.ckpt"
    stag.save(model, path, optimizer=sgd)

    target = Model(seed=5)
    adam = stag.optim.Adam(target, lr=0.01)
    train(target, adam, 1, seed=2)
    before, adam_before = snapshot(target), adam.state_dict()
    with pytest.raises(CheckpointError, match="optimizer state.*momentum"):
        stag.load(target, path, optimizer=adam)
    assert_unchanged(target, before)
    assert adam.lr == 0.01
    np.testing.assert_array_equal(
        adam.state_dict()["state"]["block.weight"]["exp_avg"],
        adam_before["state"]["block.weight"]["exp_avg"],
    )

    stag.save(Model(seed=0), path)  # no optimizer state in the file
    with pytest.raises(CheckpointError, match="no optimizer state"):
        stag.load(target, path, optimizer=adam)
    assert_unchanged(target, before)


def test_optimizer_of_another_model_is_refused(tmp_path: Path) -> None:
    model, other = Model(), Model()
    with pytest.raises(ValueError, match="another module"):
        stag.save(model, tmp_path / "x.ckpt", optimizer=stag.optim.SGD(other, lr=0.1))


def test_an_optimizer_made_from_parameter_groups_round_trips(tmp_path: Path) -> None:
    model = Model(seed=1)
    params = model.parameters()
    opt = stag.optim.AdamW(
        [{"params": params[:2], "weight_decay": 0.1}, {"params": params[2:], "weight_decay": 0.0}],
        lr=0.01,
    )
    for p in params:
        p.grad = stag.ones_like(p)
    opt.step()
    stag.save(model, tmp_path / "groups.ckpt", optimizer=opt)
    fresh = Model(seed=5)
    fresh_params = fresh.parameters()
    fresh_opt = stag.optim.AdamW(
        [{"params": fresh_params[:2], "weight_decay": 0.1}, {"params": fresh_params[2:]}],
        lr=0.5,
    )
    stag.load(fresh, tmp_path / "groups.ckpt", optimizer=fresh_opt)
    assert (
        fresh_opt.param_groups[0]["lr"] == 0.01 and fresh_opt.param_groups[1]["weight_decay"] == 0.0
    )
    for name, value in opt.state_dict()["state"].items():
        for key, array in value.items():
            np.testing.assert_array_equal(fresh_opt.state_dict()["state"][name][key], array)
    assert_unchanged(fresh, snapshot(model))
    stranger = stag.optim.SGD(Model(seed=2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="belongs to another module"):
        stag.load(fresh, tmp_path / "groups.ckpt", optimizer=stranger)

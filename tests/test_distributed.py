"""Data-parallel training on torch.distributed: two processes on this machine (gloo over
loopback) against one process on the combined batches, in a script of its own and in
``examples/digits_mlp.py --distributed`` under torchrun."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _examples import EXAMPLES, load_example

import stag
from stag import distributed as dist
from stag.data import DataLoader

pytest.importorskip("torch.distributed")

ROOT = Path(__file__).resolve().parent.parent
STEPS = 20

# One source for both runs: the shard of rank r of world w (w == 1: the whole batch).
TRAIN = textwrap.dedent(
    """
    import sys
    import numpy as np
    import stag
    from stag import distributed as dist, nn
    from stag.data import DataLoader
    from stag.nn import functional as F

    out, steps, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    distributed = len(sys.argv) > 4
    stag.default_backend(backend).__enter__()  # the whole script on that backend
    if distributed:
        dist.init(timeout_s=60)
    rank, world = dist.rank(), dist.world_size()
    rng = np.random.default_rng(0)
    x = stag.tensor(rng.standard_normal((640, 12)).astype(np.float64))
    y = stag.tensor(rng.integers(0, 3, 640))
    seed = 1 + rank  # different initial weights per rank: broadcast must fix them
    model = nn.Sequential(nn.Linear(12, 16, generator=stag.Generator(seed), dtype=np.float64),
                          nn.Tanh(),
                          nn.Linear(16, 3, generator=stag.Generator(seed), dtype=np.float64))
    dist.broadcast_parameters(model)
    opt = stag.optim.Adam(model, lr=0.01)
    loader = DataLoader(x, y, 32 // world, shuffle=True, drop_last=True,
                        generator=stag.Generator(7), rank=rank, world_size=world)
    done = 0
    while done < steps:
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            dist.average_gradients(model)
            opt.step()
            done += 1
            if done == steps:
                break
    np.savez(f"{out}/rank{rank}_of{world}.npz",
             **{k: v.numpy() for k, v in model.state_dict().items()})
    dist.save(model, f"{out}/model.npz")
    dist.shutdown()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_two_ranks_match_one_process_on_the_combined_batch(tmp_path: Path, backend: str) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()),
               WORLD_SIZE="2", OMP_NUM_THREADS="1")  # fmt: skip
    ranks = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), str(STEPS), backend, "distributed"],
            env={**env, "RANK": str(r)},
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    for proc in ranks:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    single = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(STEPS), backend],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr

    zero, one, alone = (np.load(tmp_path / name) for name in
                        ("rank0_of2.npz", "rank1_of2.npz", "rank0_of1.npz"))  # fmt: skip
    assert sorted(zero.files) == sorted(alone.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for key in zero.files:
        np.testing.assert_array_equal(zero[key], one[key], err_msg=key)  # identical ranks
        np.testing.assert_allclose(zero[key], alone[key], rtol=1e-6, atol=1e-9, err_msg=key)
    assert (tmp_path / "model.npz").is_file()  # written once, by rank 0


def _torchrun_digits_mlp(ranks: int, out: Path) -> subprocess.Popen[str]:
    """``torchrun --standalone --nproc-per-node <ranks> digits_mlp.py --quick --distributed``."""
    script = [str(EXAMPLES / "digits_mlp.py"), "--quick", "--distributed", "--out", str(out)]
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [*launcher, f"--nproc-per-node={ranks}", *script],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _digits_mlp_parameters(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    example = load_example("digits_mlp", monkeypatch)
    model = example.MLP(stag.Generator(1))
    stag.load(model, checkpoint)
    return {k: v.numpy() for k, v in model.state_dict().items()}


def test_digits_mlp_on_two_ranks_matches_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for package in ("matplotlib", "sklearn", "tqdm"):
        pytest.importorskip(package, reason=f"digits_mlp needs the examples extra ({package})")
    # One rank with --distributed is the one-process run on the same batches (the last,
    # partial batch of each epoch dropped, as it must be with two ranks).
    runs = {ranks: _torchrun_digits_mlp(ranks, tmp_path / f"ranks{ranks}") for ranks in (1, 2)}
    printed = {}
    for ranks, proc in runs.items():
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-4000:]
        printed[ranks] = out

    # Every accuracy the runs print (3 epochs' train and test, the final and the reloaded):
    # counts of argmaxes, which float32 rounding could flip only for an image whose two top
    # logits tie to ~1e-6; one test image is 0.28 points.
    one, two = (re.findall(r"accuracy +([\d.]+)%", printed[r]) for r in (1, 2))
    assert len(one) == len(two) == 8, printed
    assert [float(a) for a in two] == pytest.approx([float(a) for a in one], abs=0.28)
    assert printed[2].count("digits: 1437 training") == 1  # rank 0 alone prints

    # The weights after 132 Adam steps: the same up to float32 rounding (the mean of two
    # shards' gradients is summed in another order than one batch's; measured 1.4e-7).
    alone, shared = (
        _digits_mlp_parameters(tmp_path / f"ranks{r}" / "digits_mlp.npz", monkeypatch)
        for r in (1, 2)
    )
    assert alone.keys() == shared.keys()
    for key in alone:
        np.testing.assert_allclose(shared[key], alone[key], rtol=0, atol=1e-5, err_msg=key)


def test_digits_mlp_refuses_a_batch_that_does_not_split_over_the_ranks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for package in ("matplotlib", "sklearn", "tqdm"):
        pytest.importorskip(package, reason=f"digits_mlp needs the examples extra ({package})")
    example = load_example("digits_mlp", monkeypatch)
    data = example.load_data(0)
    with pytest.raises(SystemExit, match="32 rows does not split evenly over 3 processes"):
        example.batches(data, stag.Generator(0), rank=0, world=3, drop_last=True)
    with pytest.raises(SystemExit):
        example.main(["--distributed", "--compile"])  # a replay would skip the all_reduce


def test_a_rank_takes_its_slice_of_each_global_batch() -> None:
    x = stag.tensor(np.arange(12.0).reshape(12, 1))
    y = stag.tensor(np.arange(12))
    shards = [
        [yb.numpy().tolist() for _, yb in DataLoader(x, y, 2, drop_last=True, rank=r, world_size=3)]
        for r in range(3)
    ]
    assert shards == [[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]]
    shuffled = [
        np.concatenate(
            [
                yb.numpy()
                for _, yb in DataLoader(
                    x,
                    y,
                    2,
                    shuffle=True,
                    drop_last=True,
                    generator=stag.Generator(3),
                    rank=r,
                    world_size=2,
                )
            ]
        )
        for r in range(2)
    ]
    assert sorted(np.concatenate(shuffled).tolist()) == list(range(12))  # a partition


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rank": 2, "world_size": 2, "drop_last": True}, ValueError, "0 <= rank < world_size"),
        ({"rank": 0, "world_size": 2}, ValueError, "pass drop_last=True"),
        ({"rank": 0.0, "world_size": 2, "drop_last": True}, TypeError, "rank must be an int"),
    ],
)
def test_a_bad_shard_is_refused(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    x = stag.tensor(np.zeros((4, 1)))
    with pytest.raises(error, match=message):
        DataLoader(x, x, 2, **kwargs)  # type: ignore[call-overload]


def test_without_a_process_group_the_helpers_are_one_process() -> None:
    assert (dist.rank(), dist.world_size(), dist.is_main()) == (0, 1, True)
    model = stag.nn.Linear(2, 2)
    (model(stag.ones(1, 2)).sum()).backward()
    before = model.weight.grad
    dist.average_gradients(model)
    dist.broadcast_parameters(model)
    assert model.weight.grad is not None and before is not None
    np.testing.assert_array_equal(model.weight.grad.numpy(), before.numpy())


def test_init_names_the_missing_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT not set"):
        dist.init()


def test_import_stag_does_not_import_torch() -> None:
    code = "import sys, stag, stag.distributed; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

"""PyTorch weights in and out: names, layouts, validation, and PyTorch itself as the oracle.

The first half needs no PyTorch (numpy mappings and hand-made files); the second
builds the same architectures in PyTorch (an MLP, a CNN, an embedding model), moves
the weights across both ways and compares the outputs (``pytest.importorskip``:
the ``torch`` extra installs it).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy

import stag
from stag import CheckpointError, Tensor, nn
from stag.io import load_torch_state_dict, save_torch_state_dict, torch_state_dict
from stag.io._torch import LAYOUTS, Layout
from stag.nn import functional as F

TOLERANCE = 1e-5


class CNN(nn.Module):
    """conv 1->4 (pad 1), ReLU, max-pool 2, conv 4->8 (stride 2), ReLU, LayerNorm, linear."""

    def __init__(self) -> None:
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2)
        self.norm = nn.LayerNorm(72)
        self.fc = nn.Linear(72, 10)

    def __call__(self, x: Tensor[Any, Any, Any, Any]) -> Tensor[Any, Any]:
        h = F.max_pool2d(self.conv1(x).relu(), 2)
        return self.fc(self.norm(self.conv2(h).relu().flatten(1)))


class Tagger(nn.Module):
    """Token ids -> embedding -> LayerNorm -> linear."""

    def __init__(self) -> None:
        self.embed = nn.Embedding(20, 8)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 5)

    def __call__(self, ids: Tensor[Any, Any]) -> Tensor[Any, Any, Any]:
        return self.head(self.norm(self.embed(ids)))


def mlp() -> nn.Sequential[int, int]:
    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10))


class Tied(nn.Module):
    def __init__(self) -> None:
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.b.weight = self.a.weight  # one tensor, two names


def state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def same_state(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = state(a), state(b)
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k], sb[k]) for k in sa)


def refused(model: nn.Module, source: Any, error: type[Exception], match: str) -> None:
    before = state(model)
    with pytest.raises(error, match=match):
        load_torch_state_dict(model, source)
    assert all(np.array_equal(before[k], v) for k, v in state(model).items())


# --------------------------------------------------------------- without PyTorch
def test_names_and_layouts_are_pytorchs() -> None:
    shapes = {k: v.shape for k, v in torch_state_dict(CNN()).items()}
    assert shapes == {
        "conv1.weight": (4, 1, 3, 3), "conv1.bias": (4,), "conv2.weight": (8, 4, 3, 3),
        "conv2.bias": (8,), "norm.weight": (72,), "norm.bias": (72,),
        "fc.weight": (10, 72), "fc.bias": (10,),
    }  # fmt: skip
    exported = torch_state_dict(mlp())
    assert list(exported) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(a.flags.c_contiguous for a in exported.values())


@pytest.mark.parametrize("make", [mlp, CNN, Tagger])
def test_a_mapping_round_trips_exactly(make: Any) -> None:
    source, target = make(), make()
    keys = load_torch_state_dict(target, torch_state_dict(source))
    assert keys == ([], []) and same_state(source, target)


def test_unmatched_names_are_reported_as_load_state_dict_does() -> None:
    weights = torch_state_dict(mlp())
    weights["extra.weight"] = weights.pop("2.bias")
    refused(mlp(), weights, KeyError, r"missing keys \['2.bias'\], unexpected keys \['extra")
    model = mlp()
    keys = load_torch_state_dict(model, weights, strict=False)
    assert keys.missing_keys == ["2.bias"] and keys.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(model[0].bias.numpy(), weights["0.bias"])


def test_shapes_and_dtypes_are_checked_before_anything_changes() -> None:
    weights = torch_state_dict(mlp())
    stag_layout = {**weights, "0.weight": weights["0.weight"].T}
    refused(mlp(), stag_layout, stag.ShapeError, r"0.weight: expected \(32, 16\).*PyTorch's layout")
    doubles = {k: v.astype(np.float64) for k, v in weights.items()}
    refused(mlp(), doubles, stag.DTypeError, "0.weight: expected float32, got float64")


def test_a_tied_tensor_has_both_names_and_loads_from_either() -> None:
    source = Tied()
    weights = torch_state_dict(source)
    assert list(weights) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    del weights["b.weight"]  # as safetensors.torch.save_model keeps one name
    target = Tied()
    assert load_torch_state_dict(target, weights) == ([], [])
    assert target.b.weight is target.a.weight and same_state(source, target)
    weights["b.weight"] = weights["a.weight"] + 1
    refused(Tied(), weights, ValueError, "b.weight is tied")


class BatchNormLike(nn.Module):
    """The state of a BatchNorm layer, without its forward: what one table row maps."""

    def __init__(self, n: int) -> None:
        self.weight = stag.ones(n, requires_grad=True)
        self.bias = stag.zeros(n, requires_grad=True)
        self.running_mean = stag.zeros(n)
        self.running_var = stag.ones(n)


def test_a_layer_slots_in_by_one_table_row(monkeypatch: pytest.MonkeyPatch) -> None:
    row = Layout(("weight", "bias", "running_mean", "running_var"),
                 torch_only={"num_batches_tracked": lambda: np.array(0, np.int64)})  # fmt: skip
    monkeypatch.setitem(LAYOUTS, BatchNormLike, row)
    weights = torch_state_dict(BatchNormLike(3))
    assert list(weights) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    weights["running_mean"] = np.arange(3, dtype=np.float32)
    model = BatchNormLike(3)
    assert load_torch_state_dict(model, weights) == ([], [])  # num_batches_tracked: read, unused
    np.testing.assert_array_equal(model.running_mean.numpy(), [0, 1, 2])


def test_a_safetensors_file_of_pytorch_weights_loads(tmp_path: Path) -> None:
    path = tmp_path / "mlp.safetensors"
    source = mlp()
    save_torch_state_dict(source, path)
    assert list(safetensors.numpy.load_file(path)) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    target = mlp()
    load_torch_state_dict(target, path)
    assert same_state(source, target)
    refused(CNN(), path, KeyError, "missing keys")


def test_files_that_are_not_pytorch_safetensors_say_what_to_do(tmp_path: Path) -> None:
    stag.save(mlp(), tmp_path / "stag.safetensors")
    refused(mlp(), tmp_path / "stag.safetensors", CheckpointError, "use stag.load")
    with zipfile.ZipFile(tmp_path / "model.pt", "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02")
    refused(mlp(), tmp_path / "model.pt", CheckpointError, "torch.save's format")
    (tmp_path / "model.bin").write_bytes(b"\x80\x04\x95")
    refused(mlp(), tmp_path / "model.bin", CheckpointError, "safetensors.torch.save_file")


def test_a_file_is_checked_against_the_model_before_its_data_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.safetensors"
    weights = {**torch_state_dict(mlp()), "0.weight": np.zeros((32, 160), np.float32)}
    safetensors.numpy.save_file(weights, path)
    refused(mlp(), path, stag.ShapeError, r"0.weight: expected \(32, 16\), got \(32, 160\)")


# --------------------------------------------------------------- PyTorch as the oracle
torch = pytest.importorskip("torch")


class TorchCNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 8, 3, stride=2)
        self.norm = torch.nn.LayerNorm(72)
        self.fc = torch.nn.Linear(72, 10)

    def forward(self, x: Any) -> Any:
        h = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        return self.fc(self.norm(torch.relu(self.conv2(h)).flatten(1)))


class TorchTagger(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(20, 8)
        self.norm = torch.nn.LayerNorm(8)
        self.head = torch.nn.Linear(8, 5)

    def forward(self, ids: Any) -> Any:
        return self.head(self.norm(self.embed(ids)))


def torch_mlp() -> Any:
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))


def randomised(model: Any) -> Any:
    """PyTorch's init, then LayerNorm's weights and bias moved off 1 and 0."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("norm."):
                p.add_(torch.randn_like(p))
    return model


rng = np.random.default_rng(0)
CASES = {
    "mlp": (torch_mlp, mlp, rng.standard_normal((8, 16)).astype(np.float32)),
    "cnn": (TorchCNN, CNN, rng.standard_normal((4, 1, 16, 16)).astype(np.float32)),
    "tagger": (TorchTagger, Tagger, rng.integers(0, 20, (3, 7))),
}


def outputs(torch_model: Any, model: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    expected = torch_model(torch.from_numpy(x)).detach().numpy()
    return expected, model(stag.tensor(x)).numpy()


@pytest.mark.parametrize("case", CASES)
def test_pytorch_weights_give_pytorchs_outputs(case: str) -> None:
    make_torch, make, x = CASES[case]
    torch.manual_seed(1)
    torch_model = randomised(make_torch())
    model = make()
    assert load_torch_state_dict(model, torch_model.state_dict()) == ([], [])
    expected, got = outputs(torch_model, model, x)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("case", CASES)
def test_stag_weights_give_stags_outputs_in_pytorch(case: str, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    make_torch, make, x = CASES[case]
    torch.manual_seed(2)
    save_file(randomised(make_torch()).state_dict(), tmp_path / "torch.safetensors")
    model = make()
    load_torch_state_dict(model, tmp_path / "torch.safetensors")
    save_torch_state_dict(model, tmp_path / "back.safetensors")
    torch_model = make_torch()
    torch_model.load_state_dict(load_file(tmp_path / "back.safetensors"), strict=True)
    expected, got = outputs(torch_model, model, x)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    mapping = {k: torch.from_numpy(v) for k, v in torch_state_dict(model).items()}
    assert make_torch().load_state_dict(mapping, strict=True) is not None


def test_batch_norm_statistics_map_by_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LAYOUTS, BatchNormLike, LAYOUTS["BatchNorm1d"])
    bn = torch.nn.BatchNorm1d(6)
    bn(torch.randn(32, 6) * 3 + 1)  # training mode: the running statistics move
    model = BatchNormLike(6)
    load_torch_state_dict(model, bn.state_dict())
    np.testing.assert_allclose(model.running_var.numpy(), bn.running_var.numpy())
    back = {k: torch.from_numpy(v) for k, v in torch_state_dict(model).items()}
    torch.nn.BatchNorm1d(6).load_state_dict(back, strict=True)

"""The GPU check: stag on PyTorch's CUDA tensors, for a machine that has a GPU.

``python bench/gpu_check.py`` (PyTorch with CUDA, and the test extra) runs, in order:

1. the gradcheck case of every portable primitive (``tests/test_primitive_registry``)
   in float64 on ``cuda``, each checked against central differences;
2. a value check of the common ops against numpy's, on ``cuda``;
3. the MLP 784-256-128-10 step at batch 128 and 1024-1024-1024 at batch 1024: stag on
   ``cuda`` against PyTorch on the same GPU, from one source (``bench._workloads``), the
   median of 50 timed steps after 10 warm-up steps, synchronised.

The CNN rows are not run: conv2d and the pools compute on numpy only for now. It prints
one line per check and a JSON summary last; the exit status is 1 if a check fails.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main() -> int:
    import numpy as np
    import torch

    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 2
    import stag

    summary: dict[str, object] = {"device": torch.cuda.get_device_name(0)}
    summary["gradchecks"] = failures = _gradchecks(stag)
    summary["values"] = _values(stag, np)
    summary["mlp_ms"] = {
        "small": _mlp_times(torch, (784, 256, 128, 10), 128),
        "large": _mlp_times(torch, (1024, 1024, 1024), 1024),
    }
    print(json.dumps(summary, indent=2))
    return 1 if failures or summary["values"] != "ok" else 0


def _gradchecks(stag: object) -> list[str]:
    import numpy as np
    from _gradcheck import check_grads
    from test_primitive_registry import GRADCHECK_CASES, _FixedDraws

    from stag._ops import PRIMITIVES

    failed = []
    for name, case in sorted(GRADCHECK_CASES.items()):
        if PRIMITIVES[name].portable is None:
            continue
        fn, arrays = case(_FixedDraws())
        try:
            if name == "astype":  # the case goes through float128, which PyTorch lacks
                fn = lambda t: t.astype(np.float32).astype(np.float64)
            with stag.default_backend("torch", device="cuda"):  # type: ignore[attr-defined]
                out = check_grads(fn, *arrays, rtol=1e-4)
            assert out.device.startswith("cuda"), out.device
            print(f"gradcheck {name}: ok")
        except Exception:  # noqa: BLE001 -- a report of every failure, not the first
            failed.append(name)
            print(f"gradcheck {name}: FAILED\n{traceback.format_exc()}")
    return failed


def _values(stag: object, np: object) -> str:
    from test_backends import test_values_match_numpy_on_every_backend

    import stag as s

    real = s.default_backend
    try:  # the value test, with its backend pointed at the GPU
        s.default_backend = lambda name, device=None: real(name, "cuda")  # type: ignore[assignment]
        test_values_match_numpy_on_every_backend("torch")
    except Exception:  # noqa: BLE001 -- reported, and the exit status says so
        print(f"values: FAILED\n{traceback.format_exc()}")
        return "failed"
    finally:
        s.default_backend = real  # type: ignore[assignment]
    print("values: ok")
    return "ok"


def _mlp_times(torch: object, dims: tuple[int, ...], batch: int) -> dict[str, float]:
    import os

    from bench import _workloads

    times = {}
    for contender in ("stag", "torch"):
        os.environ["STAG_BENCH_BACKEND"], os.environ["STAG_BENCH_DEVICE"] = "torch", "cuda"
        if contender == "torch":
            torch.set_default_device("cuda")  # type: ignore[attr-defined]
        step, _ = _workloads._mlp_library(contender, dims, batch)
        for _ in range(10):
            step()
        samples = []
        for _ in range(50):
            torch.cuda.synchronize()  # type: ignore[attr-defined]
            start = time.perf_counter()
            step()
            torch.cuda.synchronize()  # type: ignore[attr-defined]
            samples.append(time.perf_counter() - start)
        torch.set_default_device("cpu")  # type: ignore[attr-defined]
        times[contender] = round(statistics.median(samples) * 1e3, 3)
        print(f"mlp {dims} b{batch} {contender} on cuda: {times[contender]} ms")
    return times


if __name__ == "__main__":
    sys.exit(main())

"""What the two digits examples share: the command line, the data split, the confusion
matrix, the plot.

Not an example of its own: ``digits_mlp.py`` and ``digits_cnn.py`` import it
(run as scripts, their folder is on ``sys.path``; mypy finds it through
``mypy_path = examples``).  Needs the examples extra.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
CLASSES = 10
DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def parse_args(
    argv: list[str] | None,
    description: str,
    *,
    epochs: int,
    quick_epochs: int,
    distributed: bool = False,
    backends: bool = False,
) -> argparse.Namespace:
    """The examples' options: ``--seed --quick --epochs --lr --out --no-shapecheck --compile``,
    ``--distributed`` for an example that says ``distributed=True``, and ``--backend``
    and ``--device`` for one that says ``backends=True``.

    **Returns:** the parsed options, ``epochs`` filled in (``quick_epochs`` with
    ``--quick``, else ``epochs``, unless ``--epochs`` says); ``distributed`` is False
    unless the example offers the flag and it is given.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=0, help="seed for the split, init, order")
    parser.add_argument("--quick", action="store_true", help="fewer epochs (used by the tests)")
    parser.add_argument("--epochs", type=int, default=None, help=f"passes over the data ({epochs})")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint, PNG folder")
    parser.add_argument(
        "--no-shapecheck", action="store_true", help="skip the run-time shape checks"
    )
    parser.add_argument(
        "--compile", action="store_true", help="replay the training step with stag.compile"
    )
    parser.set_defaults(distributed=False, backend="numpy", device=None)
    if backends:
        parser.add_argument(
            "--backend",
            choices=["numpy", "torch", "cupy", "array_api_strict"],
            help="the array library that computes (stag.default_backend; numpy by default)",
        )
        parser.add_argument("--device", default=None, help="its device, e.g. cuda (torch, cupy)")
    if distributed:
        parser.add_argument(
            "--distributed",
            action="store_true",
            help="data-parallel over the processes torchrun starts (stag.distributed)",
        )
    args = parser.parse_args(argv)
    if args.distributed and args.compile:
        # a replayed step would skip the all_reduce, which is no stag op
        parser.error("--compile and --distributed do not combine")
    if args.epochs is None:
        args.epochs = quick_epochs if args.quick else epochs
    return args


def split_digits(seed: int) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """scikit-learn's 1,797 digits as 8x8 images in [0, 1] and labels, split 80/20.

    **Returns:** ``(train images, train labels, test images, test labels)``; the split
    is stratified by label and seeded.
    """
    bunch = load_digits()
    images = np.asarray(bunch.images, dtype=np.float32) / 16.0  # the raw values are 0..16
    labels = np.asarray(bunch.target, dtype=np.int64)
    split = train_test_split(images, labels, test_size=0.2, stratify=labels, random_state=seed)
    x_train, x_test = np.asarray(split[0], np.float32), np.asarray(split[1], np.float32)
    y_train, y_test = np.asarray(split[2], np.int64), np.asarray(split[3], np.int64)
    return x_train, y_train, x_test, y_test


def confusion_matrix(true: IntArray, predicted: IntArray) -> IntArray:
    """``m[i, j]``: how many images of digit ``i`` were classified as ``j``."""
    m = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(m, (true, predicted), 1)
    return m


def plot(path: Path, losses: list[float], confusion: IntArray, title: str) -> None:
    """The loss per epoch (left) and the test set's confusion matrix (right), as a PNG."""
    fig = Figure(figsize=(11, 4.5), layout="tight")  # no pyplot: rendered by Agg, no GUI
    left, right = fig.subplots(1, 2)
    left.plot(np.arange(1, len(losses) + 1), losses, marker=".")
    left.set_xlabel("epoch")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_ylabel("mean cross-entropy")
    left.set_title(f"{title}: training loss")
    right.imshow(confusion, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        if count:
            colour = "white" if count > confusion.max() / 2 else "black"
            right.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    right.set_xticks(range(CLASSES))
    right.set_yticks(range(CLASSES))
    right.set_xlabel("predicted digit")
    right.set_ylabel("true digit")
    right.set_title("test set confusion matrix")
    fig.savefig(path, dpi=100)

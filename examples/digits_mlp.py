"""Classify scikit-learn's handwritten digits with an MLP trained by Adam.

The data are the 1,797 8x8 grey images that scikit-learn ships
(``sklearn.datasets.load_digits``, no download), pixels scaled to [0, 1] and
flattened to 64 features, split 80/20 (stratified) into train and test sets.
The model is 64 -> 256 ReLU -> 10 class scores, trained on shuffled
mini-batches with ``stag.optim.Adam`` (the learning rate cosine-annealed to
0) and ``F.cross_entropy``; it reaches about 98 % test accuracy in 30
epochs.  Each epoch prints its mean loss and the train and test accuracy,
under a tqdm progress bar.

At the end the model is saved with ``stag.save`` to ``--out``/digits_mlp.npz,
loaded into a fresh model with ``stag.load``, and evaluated again (the same
accuracy, printed twice); ``--out``/digits_mlp.png gets the loss curve and
the test set's confusion matrix.  ``MLP.__call__`` and ``loss_fn`` are
decorated with ``@stag.shapecheck``, so every call is also checked at run
time against its annotations (``--no-shapecheck`` turns that off).  Needs the
examples extra: ``pip install -e ".[examples]"``.

A shape bug mypy catches: feeding the 8x8 images to the MLP without
flattening them to 64 features (see ``MLP.__call__``)::

    images: Tensor[Batch, L8, L8] = ...
    model(images)

    error: Argument 1 to "__call__" of "MLP" has incompatible type
    "Tensor[Batch, Literal[8], Literal[8]]"; expected "Tensor[Never, Literal[64]]"  [arg-type]
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Literal, NewType, TypeVar

import numpy as np
from _digits import IntArray, confusion_matrix, parse_args, plot, split_digits
from tqdm import tqdm

import stag
import stag.nn.functional as F
from stag import Tensor, nn
from stag.data import DataLoader
from stag.optim import Adam
from stag.optim.lr_scheduler import CosineAnnealingLR

Train = NewType("Train", int)  # rows in the training set: a run-time size
Test = NewType("Test", int)  # rows in the test set
N = TypeVar("N")  # the rows of one call: a batch, or a whole set
Pixels = Literal[64]
Hidden = Literal[256]
Classes = Literal[10]

PIXELS: Pixels = 64
HIDDEN: Hidden = 256
CLASSES: Classes = 10


@dataclasses.dataclass(frozen=True)
class Digits:
    """The images as rows of 64 pixels in [0, 1], and their labels 0-9."""

    x_train: Tensor[Train, Pixels]
    y_train: Tensor[Train]
    x_test: Tensor[Test, Pixels]
    y_test: Tensor[Test]


def load_data(seed: int) -> Digits:
    """scikit-learn's digits, split 80/20 into train and test, stratified by label."""
    x_tr, y_tr, x_te, y_te = split_digits(seed)
    x_tr, x_te = x_tr.reshape(-1, 64), x_te.reshape(-1, 64)
    n_train, n_test = Train(len(x_tr)), Test(len(x_te))
    return Digits(
        x_train=stag.tensor(x_tr).assert_shape(n_train, PIXELS),
        y_train=stag.tensor(y_tr).assert_shape(n_train),
        x_test=stag.tensor(x_te).assert_shape(n_test, PIXELS),
        y_test=stag.tensor(y_te).assert_shape(n_test),
    )


class MLP(nn.Module):
    """64 pixels -> 256 ReLU units -> 10 class scores (logits)."""

    def __init__(self, generator: stag.Generator) -> None:
        super().__init__()
        self.layers: nn.Sequential[Pixels, Classes] = (
            nn.Linear(PIXELS, HIDDEN, generator=generator)
            >> nn.ReLU()
            >> nn.Linear(HIDDEN, CLASSES, generator=generator)
        )

    @stag.shapecheck
    def __call__(self, x: Tensor[N, Pixels]) -> Tensor[N, Classes]:
        return self.layers(x)


@stag.shapecheck
def loss_fn(logits: Tensor[N, Classes], labels: Tensor[N]) -> Tensor[()]:
    return F.cross_entropy(logits, labels)


def predict(model: MLP, x: Tensor[N, Pixels]) -> IntArray:
    """The most likely class of each row."""
    with stag.no_grad():
        return np.asarray(model(x).argmax(axis=-1).numpy(), dtype=np.int64)


def accuracy(model: MLP, x: Tensor[N, Pixels], y: Tensor[N]) -> float:
    return float(np.mean(predict(model, x) == y.numpy()))


def train_step(opt: Adam[MLP], x: Tensor[stag.Dyn, Pixels], y: Tensor[stag.Dyn]) -> Tensor[()]:
    """One Adam step on a batch; returns its loss, a tensor (read with ``.item()`` outside,
    so that ``stag.compile`` can capture the step once and replay it)."""
    opt.zero_grad()
    loss = loss_fn(opt.module(x), y)
    loss.backward()
    opt.step()
    return loss


Step = Callable[[Adam[MLP], Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]], Tensor[()]]


def train_epoch(
    opt: Adam[MLP],
    loader: DataLoader[Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]],
    step: Step,
    batch_done: Callable[[int], object],
) -> float:
    """One pass of Adam steps over the shuffled batches; returns the mean loss."""
    total = 0.0
    for xb, yb in loader:
        total += step(opt, xb, yb).item() * len(xb)
        batch_done(1)
    return total / loader.num_rows


def train(
    opt: Adam[MLP], data: Digits, epochs: int, gen: stag.Generator, step: Step = train_step
) -> list[float]:
    """``epochs`` passes over the training set; prints and returns each epoch's mean loss."""
    loader = DataLoader(data.x_train, data.y_train, batch_size=32, shuffle=True, generator=gen)
    schedule = CosineAnnealingLR(opt, t_max=epochs)  # the lr decays to 0 over the run
    losses: list[float] = []
    with tqdm(total=epochs * len(loader), unit="batch", leave=False, disable=None) as bar:
        for epoch in range(1, epochs + 1):
            losses.append(train_epoch(opt, loader, step, bar.update))
            schedule.step()
            train_acc = accuracy(opt.module, data.x_train, data.y_train)
            test_acc = accuracy(opt.module, data.x_test, data.y_test)
            tqdm.write(
                f"epoch {epoch:3d}/{epochs}  loss {losses[-1]:.4f}  "
                f"train accuracy {train_acc:7.2%}  test accuracy {test_acc:7.2%}"
            )
    return losses


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, (__doc__ or "").splitlines()[0], epochs=30, quick_epochs=3)
    epochs: int = args.epochs

    data = load_data(args.seed)
    print(f"digits: {len(data.x_train)} training and {len(data.x_test)} test images")
    gen = stag.Generator(args.seed)
    opt = Adam(MLP(gen), lr=args.lr)
    checks = stag.disable_checking() if args.no_shapecheck else contextlib.nullcontext()
    with checks:
        # --compile: the step is captured at its first call (and at the last, smaller batch's)
        # and replayed after, with the same results
        step: Step = stag.compile(train_step) if args.compile else train_step
        losses = train(opt, data, epochs, gen, step)
        print(f"test accuracy {accuracy(opt.module, data.x_test, data.y_test):.2%}")

        args.out.mkdir(parents=True, exist_ok=True)
        checkpoint = args.out / "digits_mlp.npz"
        stag.save(opt.module, checkpoint)
        print(f"saved checkpoint {checkpoint}")
        reloaded = MLP(stag.Generator(args.seed + 1))  # other weights, until loaded
        stag.load(reloaded, checkpoint)
        print(f"reloaded test accuracy {accuracy(reloaded, data.x_test, data.y_test):.2%}")

        picture = args.out / "digits_mlp.png"
        confusion = confusion_matrix(data.y_test.numpy(), predict(reloaded, data.x_test))
        plot(picture, losses, confusion, "MLP")
        print(f"saved {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

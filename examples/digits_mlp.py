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

``--distributed`` trains data-parallel with ``stag.distributed`` (the
``distributed`` extra) over the processes ``torchrun`` starts::

    torchrun --standalone --nproc-per-node 2 examples/digits_mlp.py --distributed

Every rank builds the same model (rank 0's weights are broadcast anyway), takes
its 32 / world-size rows of each global batch of 32, and averages the
gradients over the ranks before each step, so that every step is the one a
single process takes on the whole batch; rank 0 alone prints, saves and
plots.  The last, partial batch of each epoch is dropped (every rank must take
equal batches), so ``--nproc-per-node 1 ... --distributed`` is the one-process
run to compare with: the accuracies agree to float rounding.  The loss printed
is the mean over rank 0's shard.

A shape bug mypy catches: feeding the 8x8 images to the MLP without
flattening them to 64 features (see ``MLP.__call__``)::

    images: Tensor[Batch, L8, L8] = ...
    model(images)

    error: Argument 1 to "__call__" of "MLP" has incompatible type
    "Tensor[Batch, Literal[8], Literal[8]]"; expected "Tensor[Never, Literal[64]]"  [arg-type]
"""

from __future__ import annotations

import argparse
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
BATCH = 32  # rows per step; with --distributed, each rank takes BATCH // world of them


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


def backward(opt: Adam[MLP], x: Tensor[stag.Dyn, Pixels], y: Tensor[stag.Dyn]) -> Tensor[()]:
    """The batch's loss, its gradients left in the parameters' ``.grad``."""
    opt.zero_grad()
    loss = loss_fn(opt.module(x), y)
    loss.backward()
    return loss


def train_step(opt: Adam[MLP], x: Tensor[stag.Dyn, Pixels], y: Tensor[stag.Dyn]) -> Tensor[()]:
    """One Adam step on a batch; returns its loss, a tensor (read with ``.item()`` outside,
    so that ``stag.compile`` can capture the step once and replay it)."""
    loss = backward(opt, x, y)
    opt.step()
    return loss


def data_parallel_step(
    opt: Adam[MLP], x: Tensor[stag.Dyn, Pixels], y: Tensor[stag.Dyn]
) -> Tensor[()]:
    """``train_step`` on this rank's shard of a global batch, the gradients averaged over
    the ranks before the update: every rank takes the step of the whole global batch."""
    from stag import distributed as dist

    loss = backward(opt, x, y)
    dist.average_gradients(opt.module)
    opt.step()
    return loss


Step = Callable[[Adam[MLP], Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]], Tensor[()]]


def train_epoch(
    opt: Adam[MLP],
    loader: DataLoader[Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]],
    step: Step,
    batch_done: Callable[[int], object],
) -> float:
    """One pass of Adam steps over the shuffled batches; returns the mean loss per row."""
    total, rows = 0.0, 0
    for xb, yb in loader:
        total += step(opt, xb, yb).item() * len(xb)
        rows += len(xb)
        batch_done(1)
    return total / rows


def batches(
    data: Digits, gen: stag.Generator, rank: int, world: int, drop_last: bool
) -> DataLoader[Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]]:
    """The training set in shuffled batches of ``BATCH`` rows; on rank ``rank`` of
    ``world``, its ``BATCH // world`` rows of each."""
    if BATCH % world:
        raise SystemExit(
            f"digits_mlp: a batch of {BATCH} rows does not split evenly over {world} "
            f"processes; start a number of processes that divides {BATCH}"
        )
    return DataLoader(
        data.x_train,
        data.y_train,
        batch_size=BATCH // world,
        shuffle=True,
        drop_last=drop_last,
        generator=gen,
        rank=rank,
        world_size=world,
    )


def train(
    opt: Adam[MLP],
    data: Digits,
    epochs: int,
    loader: DataLoader[Tensor[stag.Dyn, Pixels], Tensor[stag.Dyn]],
    step: Step = train_step,
    *,
    report: bool = True,
) -> list[float]:
    """``epochs`` passes of ``loader``; returns each epoch's mean loss, and prints it with
    the train and test accuracy if ``report``."""
    schedule = CosineAnnealingLR(opt, t_max=epochs)  # the lr decays to 0 over the run
    losses: list[float] = []
    bar = tqdm(
        total=epochs * len(loader), unit="batch", leave=False, disable=None if report else True
    )
    with bar:
        for epoch in range(1, epochs + 1):
            losses.append(train_epoch(opt, loader, step, bar.update))
            schedule.step()
            if not report:
                continue
            train_acc = accuracy(opt.module, data.x_train, data.y_train)
            test_acc = accuracy(opt.module, data.x_test, data.y_test)
            tqdm.write(
                f"epoch {epoch:3d}/{epochs}  loss {losses[-1]:.4f}  "
                f"train accuracy {train_acc:7.2%}  test accuracy {test_acc:7.2%}"
            )
    return losses


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        argv,
        (__doc__ or "").splitlines()[0],
        epochs=30,
        quick_epochs=3,
        distributed=True,
        backends=True,
    )
    if not args.distributed:
        return run(args)
    from stag import distributed as dist  # imports PyTorch (gloo): only with --distributed

    dist.init()
    try:
        return run(args, dist.rank(), dist.world_size())
    finally:
        dist.shutdown()


def run(args: argparse.Namespace, rank: int = 0, world: int = 1) -> int:
    """Train as rank ``rank`` of ``world``; rank 0 then evaluates, saves, reloads and plots.

    Everything is made on ``--backend`` (numpy unless told): the same code computes with
    PyTorch's tensors under ``--backend torch``, to float tolerance the same figures.
    """
    with stag.default_backend(args.backend, args.device):
        return train_and_finish(args, rank, world)


def train_and_finish(args: argparse.Namespace, rank: int, world: int) -> int:
    data = load_data(args.seed)
    if rank == 0:
        print(f"digits: {len(data.x_train)} training and {len(data.x_test)} test images")
    gen = stag.Generator(args.seed)  # the same on every rank: one init, one shuffled order
    opt = Adam(MLP(gen), lr=args.lr)
    loader = batches(data, gen, rank, world, drop_last=args.distributed)
    checks = stag.disable_checking() if args.no_shapecheck else contextlib.nullcontext()
    with checks:
        losses = train(opt, data, args.epochs, loader, make_step(opt, args), report=rank == 0)
        if rank == 0:
            finish(opt.module, data, losses, args)
    return 0


def make_step(opt: Adam[MLP], args: argparse.Namespace) -> Step:
    """The training step: data-parallel with --distributed (rank 0's weights broadcast
    first), captured with --compile, else ``train_step``."""
    if args.distributed:
        from stag import distributed as dist

        dist.broadcast_parameters(opt.module)  # rank 0's weights, whatever the others' seeds
        return data_parallel_step
    # --compile: the step is captured at its first call (and at the last, smaller batch's)
    # and replayed after, with the same results
    return stag.compile(train_step) if args.compile else train_step


def finish(model: MLP, data: Digits, losses: list[float], args: argparse.Namespace) -> None:
    """Print the test accuracy, save the model, reload it into a fresh one, and plot."""
    print(f"test accuracy {accuracy(model, data.x_test, data.y_test):.2%}")
    args.out.mkdir(parents=True, exist_ok=True)
    checkpoint = args.out / "digits_mlp.npz"
    stag.save(model, checkpoint)
    print(f"saved checkpoint {checkpoint}")
    reloaded = MLP(stag.Generator(args.seed + 1))  # other weights, until loaded
    stag.load(reloaded, checkpoint)
    print(f"reloaded test accuracy {accuracy(reloaded, data.x_test, data.y_test):.2%}")

    picture = args.out / "digits_mlp.png"
    confusion = confusion_matrix(data.y_test.numpy(), predict(reloaded, data.x_test))
    plot(picture, losses, confusion, "MLP")
    print(f"saved {picture}")


if __name__ == "__main__":
    raise SystemExit(main())

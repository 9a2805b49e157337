"""Train a small GPT-style character language model on a slice of Shakespeare.

The text is ``examples/data/shakespeare.txt``: *Romeo and Juliet* and *Macbeth* from
Project Gutenberg's public-domain etexts (245 KB; see ``examples/data/README.md``).  Its
characters are the vocabulary; the first 90 % trains and the last 10 % is held out.

The model predicts the next character at every position of a 64-character window:
token embeddings plus a learned position table, two pre-norm blocks of causal
multi-head self-attention (``nn.MultiheadAttention``) and a GELU MLP, a final
``LayerNorm``, and an output projection tied to the token embedding (one tensor, one
gradient: the logits are ``h @ embedding.T``).  It trains with ``AdamW``, weight decay
on the matrices only (two parameter groups), a linear warm-up then a cosine decay of
the learning rate, and reaches a held-out loss under 2.0 nats per character in its
full run (about 5 minutes on one core).  Each epoch (200 steps) prints the training
and held-out loss under a tqdm bar; at the end the model is saved with ``stag.save``
(with its optimizer), reloaded into a fresh model and evaluated again, the loss curve
goes to ``--out``/char_transformer.png, and 300 characters are sampled with
``stag.multinomial``.  The modules' ``__call__`` and the loss are checked at run time
by ``@stag.shapecheck`` (``--no-shapecheck`` turns that off).  Needs the examples
extra: ``pip install -e ".[examples]"``.

A shape bug mypy catches: forgetting that the targets are the inputs shifted by one,
and scoring the logits against a window one character longer::

    windows: Tensor[Batch, Window] = ...      # 65 characters
    loss_fn(model(inputs), windows)

    error: Argument 2 to "loss_fn" has incompatible type "Tensor[Batch, Literal[65]]";
    expected "Tensor[Batch, Literal[64]]"  [arg-type]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, NewType, TypeVar

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from tqdm import tqdm

import stag
import stag.nn.functional as F
from stag import Tensor, nn
from stag.optim import AdamW, NoModule
from stag.optim.lr_scheduler import LambdaLR

DATA = Path(__file__).resolve().parent / "data" / "shakespeare.txt"
DEFAULT_OUT = Path(__file__).resolve().parent / "out"

Vocab = NewType("Vocab", int)  # the distinct characters of the text: a run-time size
Batch = NewType("Batch", int)  # windows in one step
V = TypeVar("V")  # the vocabulary of a model
N = TypeVar("N")  # windows in one call
Block = Literal[64]  # characters a window predicts
Window = Literal[65]  # a window and the character after it
Width = Literal[64]
Hidden = Literal[256]  # the MLP's width: 4 x Width
One = Literal[1]

BLOCK: Block = 64
WINDOW: Window = 65
WIDTH: Width = 64
HIDDEN: Hidden = 256
ONE: One = 1
HEADS = 4
LAYERS = 2
BATCH = Batch(32)
STEPS_PER_EPOCH = 200
EVAL_WINDOWS = 512

IntArray = npt.NDArray[np.int64]


# ------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Corpus:
    """The text as character ids: the alphabet, a training part and a held-out part."""

    alphabet: str
    train: IntArray
    held_out: IntArray

    @property
    def vocab(self) -> Vocab:
        return Vocab(len(self.alphabet))

    def decode(self, ids: IntArray) -> str:
        return "".join(self.alphabet[i] for i in ids)


def load_corpus() -> Corpus:
    text = DATA.read_text(encoding="utf-8")
    alphabet = "".join(sorted(set(text)))
    index = {c: i for i, c in enumerate(alphabet)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    cut = int(len(ids) * 0.9)
    return Corpus(alphabet, ids[:cut], ids[cut:])


def windows(ids: IntArray, starts: IntArray) -> Tensor[Batch, Window]:
    """The windows of ``ids`` starting at ``starts``: a block and the character after it."""
    rows = ids[starts[:, None] + np.arange(WINDOW)]
    return stag.tensor(rows).assert_shape(Batch(len(starts)), WINDOW)


def split_window(rows: Tensor[Batch, Window]) -> tuple[Tensor[Batch, Block], Tensor[Batch, Block]]:
    """Inputs and targets: the window without its last character, and shifted by one."""
    inputs: Tensor[Batch, Block]
    targets: Tensor[Batch, Block]
    inputs, targets = rows[:, :-1], rows[:, 1:]  # ids, not floats: no gradient flows here
    return inputs, targets


# ------------------------------------------------------------------------------ model
class FeedForward(nn.Module):
    """Width -> 4 x Width GELU -> Width, at every position."""

    def __init__(self, generator: stag.Generator) -> None:
        super().__init__()
        self.up: nn.Linear[Width, Hidden] = nn.Linear(WIDTH, HIDDEN, generator=generator)
        self.act = nn.GELU(approximate="tanh")  # GPT-2's form: a third of the exact one's time
        self.down: nn.Linear[Hidden, Width] = nn.Linear(HIDDEN, WIDTH, generator=generator)

    @stag.shapecheck
    def __call__(self, x: Tensor[N, Block, Width]) -> Tensor[N, Block, Width]:
        return self.down(self.act(self.up(x)))


class TransformerBlock(nn.Module):
    """Pre-norm residual block: causal self-attention, then the feed-forward network."""

    def __init__(self, generator: stag.Generator) -> None:
        super().__init__()
        self.norm1: nn.LayerNorm[Width] = nn.LayerNorm(WIDTH)
        self.attend: nn.MultiheadAttention[Width] = nn.MultiheadAttention(
            WIDTH, HEADS, causal=True, generator=generator
        )
        self.norm2: nn.LayerNorm[Width] = nn.LayerNorm(WIDTH)
        self.feed = FeedForward(generator)

    @stag.shapecheck
    def __call__(self, x: Tensor[N, Block, Width]) -> Tensor[N, Block, Width]:
        attended = x + self.attend(self.norm1(x))
        return attended + self.feed(self.norm2(attended))


class CharTransformer(nn.Module, Generic[V]):
    """Characters ``(N, Block)`` to next-character logits ``(N, Block, V)``."""

    def __init__(self, vocab: V, generator: stag.Generator) -> None:
        super().__init__()
        self.embed: nn.Embedding[V, Width] = nn.Embedding(vocab, WIDTH, generator=generator)
        stag.nn.init.normal_(self.embed.weight, std=0.02, generator=generator)
        self.position: Tensor[Block, Width] = stag.zeros(BLOCK, WIDTH, requires_grad=True)
        stag.nn.init.normal_(self.position, std=0.02, generator=generator)
        self.blocks = [TransformerBlock(generator) for _ in range(LAYERS)]
        self.norm: nn.LayerNorm[Width] = nn.LayerNorm(WIDTH)

    @stag.shapecheck
    def __call__(self, ids: Tensor[N, Block]) -> Tensor[N, Block, V]:
        h = self.embed(ids) + self.position.unsqueeze(0)
        for block in self.blocks:
            h = block(h)
        return self.norm(h) @ self.embed.weight.T  # the output projection is the embedding


@stag.shapecheck
def loss_fn(logits: Tensor[N, Block, V], targets: Tensor[N, Block]) -> Tensor[()]:
    return F.cross_entropy(logits, targets)


# --------------------------------------------------------------------------- training
def make_optimizer(model: CharTransformer[Vocab], lr: float) -> AdamW[NoModule]:
    """AdamW with weight decay on the matrices only (GPT's recipe): two parameter groups."""
    matrices = [p for p in model.parameters() if p.ndim >= 2]
    others = [p for p in model.parameters() if p.ndim < 2]
    return AdamW(
        [{"params": matrices, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.99),
    )


def schedule(total_steps: int) -> Callable[[int], float]:
    """The learning rate's factor: a linear warm-up over 5 % of the steps, then a cosine
    decay to 10 %."""
    warmup = max(1, total_steps // 20)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.1 + 0.45 * (1 + math.cos(math.pi * progress))

    return factor


def evaluate(model: CharTransformer[Vocab], ids: IntArray, seed: int) -> float:
    """The mean cross-entropy (nats per character) over fixed windows of ``ids``."""
    starts = np.random.default_rng(seed).integers(0, len(ids) - WINDOW, EVAL_WINDOWS)
    total = 0.0
    with stag.no_grad():
        for chunk in np.array_split(starts, EVAL_WINDOWS // int(BATCH)):
            inputs, targets = split_window(windows(ids, chunk))
            total += loss_fn(model(inputs), targets).item() * len(chunk)
    return total / EVAL_WINDOWS


def train_step(
    model: CharTransformer[Vocab],
    opt: AdamW[NoModule],
    inputs: Tensor[Batch, Block],
    targets: Tensor[Batch, Block],
) -> Tensor[()]:
    """One AdamW step on a batch of windows; returns its loss, a tensor (read with ``.item()``
    outside, so that ``stag.compile`` can capture the step once and replay it)."""
    opt.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    opt.step()
    return loss


Step = Callable[
    [CharTransformer[Vocab], AdamW[NoModule], Tensor[Batch, Block], Tensor[Batch, Block]],
    Tensor[()],
]


def train(
    model: CharTransformer[Vocab],
    corpus: Corpus,
    epochs: int,
    steps: int,
    lr: float,
    seed: int,
    step: Step = train_step,
) -> tuple[list[float], list[float]]:
    """``epochs`` x ``steps`` AdamW steps on random windows; the mean training loss and the
    held-out loss of each epoch.  The schedule's rate changes every step: a compiled
    ``step`` reads it anew on each replay."""
    opt = make_optimizer(model, lr)
    total = epochs * steps
    warm_cosine = LambdaLR(opt, schedule(total))
    rng = np.random.default_rng(seed)
    train_losses: list[float] = []
    held_out: list[float] = []
    with tqdm(total=total, unit="step", leave=False, disable=None) as bar:
        for epoch in range(1, epochs + 1):
            running = 0.0
            for _ in range(steps):
                starts = rng.integers(0, len(corpus.train) - WINDOW, int(BATCH))
                inputs, targets = split_window(windows(corpus.train, starts))
                running += step(model, opt, inputs, targets).item()
                warm_cosine.step()
                bar.update()
            train_losses.append(running / steps)
            held_out.append(evaluate(model, corpus.held_out, seed))
            tqdm.write(
                f"epoch {epoch:3d}/{epochs}  train loss {train_losses[-1]:.4f}  "
                f"held-out loss {held_out[-1]:.4f}"
            )
    return train_losses, held_out


# ---------------------------------------------------------------------------- sampling
def sample(
    model: CharTransformer[Vocab], corpus: Corpus, length: int, generator: stag.Generator
) -> str:
    """``length`` characters, each drawn from the model's distribution after the last 64."""
    context = corpus.held_out[:BLOCK].copy()
    drawn: list[int] = []
    with stag.no_grad():
        for _ in range(length):
            window = stag.tensor(context[None, :]).assert_shape(Batch(1), BLOCK)
            last = model(window).swapaxes(0, 1)[-1]  # (positions, 1, V): the last position
            probs = F.softmax(last, axis=-1)
            (next_id,) = stag.multinomial(probs, ONE, generator=generator).numpy()[0]
            drawn.append(int(next_id))
            context = np.append(context[1:], next_id)
    return corpus.decode(np.array(drawn, dtype=np.int64))


def plot(path: Path, train_losses: list[float], held_out: list[float]) -> None:
    fig = Figure(figsize=(6.5, 4.5), layout="tight")  # no pyplot: rendered by Agg, no GUI
    axes = fig.subplots()
    epochs = np.arange(1, len(train_losses) + 1)
    axes.plot(epochs, train_losses, marker=".", label="training")
    axes.plot(epochs, held_out, marker=".", label="held out")
    axes.axhline(2.0, color="grey", linestyle=":", label="2.0 nats")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy, nats per character")
    axes.set_title("char_transformer: Shakespeare")
    axes.legend()
    fig.savefig(path, dpi=100)


# ------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for init, batches, sampling")
    parser.add_argument("--quick", action="store_true", help="one short epoch (the tests)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of 200 steps (10)")
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW's peak learning rate")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint, PNG folder")
    parser.add_argument(
        "--no-shapecheck", action="store_true", help="skip the run-time shape checks"
    )
    parser.add_argument(
        "--compile", action="store_true", help="replay the training step with stag.compile"
    )
    parser.add_argument(
        "--backend",
        default="numpy",
        choices=["numpy", "torch", "cupy"],
        help="the array library that computes (stag.default_backend)",
    )
    parser.add_argument("--device", default=None, help="its device, e.g. cuda (torch, cupy)")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.quick else 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with stag.default_backend(args.backend, args.device):  # numpy unless --backend says
        return run(args)


def run(args: argparse.Namespace) -> int:
    """Train, report, save, reload, sample and plot."""
    steps = 5 if args.quick else STEPS_PER_EPOCH
    corpus = load_corpus()
    print(
        f"shakespeare: {len(corpus.train):,} training and {len(corpus.held_out):,} held-out "
        f"characters, {corpus.vocab} distinct"
    )
    generator = stag.Generator(args.seed)
    model = CharTransformer(corpus.vocab, generator)
    checks = stag.disable_checking() if args.no_shapecheck else contextlib.nullcontext()
    with checks:
        started = time.perf_counter()
        # --compile: the step is captured at its first call and replayed after
        step: Step = stag.compile(train_step) if args.compile else train_step
        train_losses, held_out = train(model, corpus, args.epochs, steps, args.lr, args.seed, step)
        minutes = (time.perf_counter() - started) / 60
        print(f"held-out loss {held_out[-1]:.4f} nats per character ({minutes:.1f} min)")

        args.out.mkdir(parents=True, exist_ok=True)
        checkpoint = args.out / "char_transformer.npz"
        stag.save(model, checkpoint)
        print(f"saved checkpoint {checkpoint}")
        reloaded = CharTransformer(corpus.vocab, stag.Generator(args.seed + 1))
        stag.load(reloaded, checkpoint)
        print(f"reloaded held-out loss {evaluate(reloaded, corpus.held_out, args.seed):.4f}")

        picture = args.out / "char_transformer.png"
        plot(picture, train_losses, held_out)
        print(f"saved {picture}")
        print("sample:")
        print(sample(reloaded, corpus, 300, stag.Generator(args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

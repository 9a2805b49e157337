"""The errors stag raises for bad input."""

from __future__ import annotations

from collections.abc import Sequence


class ShapeError(ValueError):
    """A shape, rank or size that an op cannot accept.

    The message names the op, what it expected and what it got, e.g.
    ``add: shapes (2, 3) and (4,) cannot be broadcast``.
    """


class DTypeError(TypeError):
    """Tensors of different floating dtypes (float32 with float64) met in one op."""


def format_shapes(shapes: Sequence[tuple[int, ...]]) -> str:
    """``(2, 3) and (4,)`` / ``(2,), (3,) and (4,)``: shapes as a reader writes them."""
    texts = [str(tuple(s)) for s in shapes]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " and " + texts[-1]


class CaptureError(RuntimeError):
    """``stag.compile`` cannot record what the function did (the message says where)."""


class BackendError(TypeError):
    """Tensors of two array libraries (or devices) met, or a backend is unknown, not
    installed, or lacks an op (the message names the op and both sides)."""

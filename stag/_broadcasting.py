"""stag's one broadcasting rule, at run time, and the switch back to numpy's.

numpy lines two shapes up from the right, gives the shorter one implicit leading dims
of size 1, and then stretches every size-1 dim to the other operand's size.  stag
accepts all of that except one combination, which the static types refuse too:

- a shape that is a suffix of the other, ``(B, T, C) + (T, C)``: implicit leading dims
  (the bias case) are fine;
- explicit size-1 dims on either side, ``(N, 1) * (1, K)``, are fine (the ranks are
  equal, so every stretched dim was written by someone);
- an implicit rank promotion that *also* stretches a size-1 dim of the other operand,
  ``(N,) + (N, 1)`` or ``(N, 1) ** (K,)``, is refused: numpy's answer is an ``(N, N)``
  or ``(N, K)`` outer result that nobody wrote down (a ported loss went from 0.3 to
  20,620 that way).  The ``ShapeError`` names the op, both shapes and the fix.

``set_numpy_broadcasting(True)`` restores numpy's rule for the whole process and
``with numpy_broadcasting():`` for one block of one thread, as grad mode is kept.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from stag._errors import ShapeError

Shape = tuple[int, ...]


class _Mode(threading.local):
    """Whether numpy's rule is on: a class attribute is the process-wide default, an
    instance attribute a thread's own block (which hides the default until it ends)."""

    numpy: bool = False


MODE = _Mode()


def is_numpy_broadcasting() -> bool:
    """Whether ops called from this thread now follow numpy's rule (see ``numpy_broadcasting``)."""
    return MODE.numpy


def set_numpy_broadcasting(enabled: bool) -> None:
    """Follow numpy's broadcasting everywhere (True), or stag's rule (False, the default).

    The default of every thread; a thread inside a ``numpy_broadcasting()`` block keeps
    numpy's rule until the block ends.
    """
    _Mode.numpy = bool(enabled)


@contextlib.contextmanager
def numpy_broadcasting() -> Iterator[None]:
    """A context manager (and decorator) inside which this thread's ops follow numpy's rule.

    ``(N,) + (N, 1)`` then gives numpy's ``(N, N)``.  Other threads are unaffected; on
    exit the thread gets back what the block found.
    """
    own = vars(MODE)  # this thread's own values (none: it follows the default)
    found = dict(own)
    MODE.numpy = True
    try:
        yield
    finally:
        own.clear()
        own.update(found)


def check(op: str, *shapes: Shape) -> None:
    """Raise ``ShapeError`` where two of ``shapes`` meet in the refused way (see above).

    Called only for operands of different ranks: equal ranks are never refused.
    """
    if MODE.numpy:
        return
    for i, left in enumerate(shapes):
        for right in shapes[i + 1 :]:
            message = refusal(op, left, right)
            if message is not None:
                raise ShapeError(message)


def refusal(op: str, left: Shape, right: Shape) -> str | None:
    """Why ``left`` and ``right`` may not meet in ``op`` under stag's rule, or None."""
    found = _stretched(left, right)
    if found is None:
        return None
    short, long, axis = found
    missing = len(long) - len(short)
    leading = "an implicit leading dim" if missing == 1 else f"{missing} implicit leading dims"
    return (
        f"{op}: shapes {left} and {right} would broadcast to {_numpy_result(left, right)}: "
        f"numpy gives {short} {leading} and stretches dim {axis} of {long}, of size 1, "
        f"to {short[axis - missing]}; {_fix(short, long, axis)} "
        "(stag.numpy_broadcasting() allows numpy's rule)"
    )


def rank_fix(left: Shape, right: Shape) -> str | None:
    """The fix where ``left`` and ``right`` meet in the refused way, else None.

    For the ops that write one shape into another (in-place operators, ``masked_fill``,
    setitem): numpy refuses those too, and the edit that was meant is the same.
    """
    found = _stretched(left, right)
    return None if found is None else _fix(*found)


def _stretched(left: Shape, right: Shape) -> tuple[Shape, Shape, int] | None:
    """(shorter, longer, axis) where a rank promotion stretches dim ``axis`` of the longer
    shape, of size 1; None where the ranks are equal or nothing of the kind happens."""
    if len(left) == len(right):
        return None
    short, long = (left, right) if len(left) < len(right) else (right, left)
    missing = len(long) - len(short)
    axis = next(
        (i + missing for i, size in enumerate(short) if long[i + missing] == 1 and size != 1),
        None,
    )
    return None if axis is None else (short, long, axis)


def _numpy_result(left: Shape, right: Shape) -> Shape:
    rank = max(len(left), len(right))
    padded = [(1,) * (rank - len(s)) + s for s in (left, right)]
    return tuple(max(a, b) if 1 in (a, b) else a for a, b in zip(*padded, strict=True))


def _fix(short: Shape, long: Shape, axis: int) -> str:
    """The edits that make the ranks equal: the two readings of numpy's silent result."""
    if long[-1] == 1 and long[:-1] == short:
        return (
            f"make the ranks equal: .unsqueeze(-1) the {short} operand for a column, "
            f"or .squeeze(-1) the {long} one to pair the elements"
        )
    missing = len(long) - len(short)
    times = "" if missing == 1 else f" ({missing} times)"
    return (
        f"make the ranks equal: .unsqueeze(0) the {short} operand{times} to write the outer "
        f"result out, or .squeeze({axis - len(long)}) the {long} one"
    )

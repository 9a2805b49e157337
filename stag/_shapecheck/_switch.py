"""The checking switch: ``STAG_SHAPECHECK`` at import, then a default and per-thread blocks.

``set_checking`` sets the process-wide default (a class attribute); ``disable_checking``
sets the calling thread's own value (an attribute of a ``threading.local``), which
hides the default until the block that set it ends.  A checked call reads
``STATE.enabled``: one thread-local lookup, which finds the thread's value or falls
through to the default.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

ENV_VAR = "STAG_SHAPECHECK"
COMPILED_IN = os.environ.get(ENV_VAR, "1").strip().lower() not in {"0", "false", "off", "no"}


class _State(threading.local):
    enabled: bool = COMPILED_IN  # the default, shown in every thread that set no value


STATE = _State()
_UNSET = object()


def checking_enabled() -> bool:
    """Whether ``@shapecheck`` functions called from this thread check their calls now."""
    return STATE.enabled


def set_checking(enabled: bool) -> None:
    """Turn run-time shape checking on or off: the default of every thread.

    A thread inside a ``disable_checking()`` block stays unchecked until the block
    ends, and follows this default again after it.  Off, a decorated function calls
    the original after one thread-local read.  With ``STAG_SHAPECHECK=0`` in the
    environment nothing is wrapped at all, and turning checking on later has no
    effect on those functions.
    """
    _State.enabled = bool(enabled)


@contextlib.contextmanager
def disable_checking() -> Iterator[None]:
    """A context manager (and decorator) that turns checking off in the calling thread.

    Other threads are unaffected.  On exit the thread gets back what the block found:
    the enclosing block's setting, or else the process-wide default as it is then.
    """
    found = vars(STATE).get("enabled", _UNSET)
    STATE.enabled = False
    try:
        yield
    finally:
        if found is _UNSET:
            del STATE.enabled
        else:
            STATE.enabled = found

"""The checking switch: ``STAG_SHAPECHECK`` at import, ``set_checking`` at run time."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

ENV_VAR = "STAG_SHAPECHECK"
COMPILED_IN = os.environ.get(ENV_VAR, "1").strip().lower() not in {"0", "false", "off", "no"}


class Switch:
    enabled = COMPILED_IN


def checking_enabled() -> bool:
    """Whether ``@shapecheck`` functions check their calls now."""
    return Switch.enabled


def set_checking(enabled: bool) -> None:
    """Turn run-time shape checking on or off for the whole process.

    Off, a decorated function calls the original after one flag test.  With
    ``STAG_SHAPECHECK=0`` in the environment nothing is wrapped at all, and turning
    checking on later has no effect on those functions.
    """
    Switch.enabled = bool(enabled)


@contextlib.contextmanager
def disable_checking() -> Iterator[None]:
    """A context manager (and decorator) that turns checking off inside it.

    The switch is process-wide, not per thread.
    """
    previous = Switch.enabled
    Switch.enabled = False
    try:
        yield
    finally:
        Switch.enabled = previous

"""Harness self-test, independent of stag: checks clean, so it must stay unreported."""

from typing import assert_type

x: int = len("1")  # pyright narrows `x: int = 1` to Literal[1]
assert_type(x, int)
assert_type([x], list[int])

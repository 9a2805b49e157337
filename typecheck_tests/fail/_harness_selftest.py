"""Harness self-test, independent of stag: one code on a line, and two codes on one line."""


def f(a: int) -> int:
    return a


y: int = "s"  # E: assignment
z: str = f("s")  # E: arg-type, assignment

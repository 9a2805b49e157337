"""The checking switch: ``set_checking`` (the process-wide default), ``disable_checking``
(per thread, restores what it found), ``checking_enabled`` and ``STAG_SHAPECHECK``.

The thread tests order the two threads' steps with events, so the overlap each one
describes happens on every run, not by chance.
"""

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

import stag
from stag import ShapeError, Tensor

N = TypeVar("N")
WAIT = 10.0  # seconds; a step that waits longer has deadlocked


@stag.shapecheck
def double(x: Tensor[N], y: Tensor[N]) -> Tensor[N]:
    return x + y


def checks() -> bool:
    """Whether a call of a decorated function is checked here, now (not what the switch says)."""
    try:
        double(stag.zeros(2), stag.zeros(3))
    except ShapeError as error:
        return str(error).startswith("double():")  # "add: ..." is the op's own check
    raise AssertionError("the mismatch passed")


@pytest.fixture(autouse=True)
def checking_on_afterwards() -> Iterator[None]:
    yield
    stag.set_checking(True)  # a failing test must not leave the process unchecked


def in_threads(*steps: Callable[[], None]) -> None:
    """Run each function in a thread of its own; re-raise the first failure."""
    failures: list[BaseException] = []

    def guarded(step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException as error:  # noqa: BLE001  # handed to the main thread
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    if failures:
        raise failures[0]


def test_set_checking_and_disable_checking() -> None:
    assert stag.checking_enabled() and checks()
    with stag.disable_checking():
        assert not stag.checking_enabled() and not checks()
    assert stag.checking_enabled() and checks()
    stag.set_checking(False)
    assert not stag.checking_enabled() and not checks()
    stag.set_checking(True)
    assert checks()


def test_disable_checking_is_also_a_decorator() -> None:
    @stag.disable_checking()
    def unchecked() -> bool:
        return checks()

    assert unchecked() is False and unchecked() is False
    assert checks()


def test_nested_blocks_restore_what_each_found() -> None:
    with stag.disable_checking():
        with stag.disable_checking():
            assert not checks()
        assert not checks()  # the inner block found checking off
    assert checks()


def test_a_block_in_one_thread_leaves_other_threads_checked() -> None:
    entered, checked = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def quiet() -> None:
        with stag.disable_checking():
            entered.set()
            assert checked.wait(WAIT)
            seen["quiet thread, in its block"] = checks()

    def loud() -> None:
        assert entered.wait(WAIT)
        seen["other thread"] = checks()
        seen["other thread's checking_enabled()"] = stag.checking_enabled()
        checked.set()

    in_threads(quiet, loud)
    assert seen == {
        "quiet thread, in its block": False,
        "other thread": True,
        "other thread's checking_enabled()": True,
    }


def test_overlapping_blocks_in_two_threads_leave_checking_on() -> None:
    """A enters, B enters, A leaves, B leaves: a process-wide flag ends up off."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        with stag.disable_checking():
            a_in.set()
            assert b_in.wait(WAIT)
        seen["A after its block"] = checks()
        a_out.set()

    def b() -> None:
        assert a_in.wait(WAIT)
        with stag.disable_checking():
            b_in.set()
            assert a_out.wait(WAIT)
            seen["B in its block after A left"] = checks()
        seen["B after its block"] = checks()

    in_threads(a, b)
    assert seen == {
        "A after its block": True,
        "B in its block after A left": False,
        "B after its block": True,
    }
    assert stag.checking_enabled() and checks()


def test_set_checking_is_the_default_of_every_thread_outside_a_block() -> None:
    stag.set_checking(False)
    seen: dict[str, bool] = {}
    in_threads(lambda: seen.update(other=checks(), other_says=stag.checking_enabled()))
    assert seen == {"other": False, "other_says": False}
    stag.set_checking(True)
    in_threads(lambda: seen.update(other=checks(), other_says=stag.checking_enabled()))
    assert seen == {"other": True, "other_says": True}


def test_set_checking_inside_a_block_takes_effect_when_the_block_ends() -> None:
    with stag.disable_checking():
        stag.set_checking(True)
        assert not checks()  # the block still holds this thread
        stag.set_checking(False)
    assert not checks()  # the default it left to is off
    stag.set_checking(True)
    assert checks()


def test_env_var_off_returns_the_function_itself() -> None:
    code = (
        "import stag\n"
        "def f(x: stag.Tensor[int]) -> None: pass\n"
        "print(stag.shapecheck(f) is f, stag.checking_enabled())\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    for value, expected in (("0", "True False"), ("1", "False True")):
        env = {**os.environ, "PYTHONPATH": root, "STAG_SHAPECHECK": value}
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
        assert (done.returncode, done.stdout.strip()) == (0, expected), done.stderr

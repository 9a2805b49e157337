"""``%load_ext stag`` in IPython's ``InteractiveShell``: later cells' functions are checked."""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from typing import Any

import pytest

import stag

interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
traitlets = pytest.importorskip("traitlets.config")

DEFINE = """
from typing import Literal
import stag
from stag import Tensor

def double(x: Tensor[Literal[3]]) -> Tensor[Literal[3]]:
    return x * 2

class Scale:
    def __call__(self, x: Tensor[Literal[2]]) -> Tensor[Literal[2]]:
        return x * 3
"""


@pytest.fixture
def shell() -> Iterator[Any]:
    config = traitlets.Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = interactiveshell.InteractiveShell.instance(config=config)
    yield shell
    interactiveshell.InteractiveShell.clear_instance()
    # The shell's exit hook runs gc.collect() over the whole test session's heap (about
    # a minute at the end of the suite): nothing of this shell needs it.
    atexit.unregister(shell.atexit_operations)


def run(shell: Any, cell: str) -> BaseException | None:
    """Run ``cell``; the exception it raised, if any."""
    result = shell.run_cell(cell)
    assert result.error_before_exec is None, result.error_before_exec
    error: BaseException | None = result.error_in_exec
    return error


def test_functions_and_methods_of_later_cells_are_checked(shell: Any) -> None:
    shell.run_line_magic("load_ext", "stag")
    assert run(shell, DEFINE) is None
    assert run(shell, "double(stag.ones(3))") is None
    assert isinstance(run(shell, "double(stag.ones(4))"), stag.ShapeError)
    error = run(shell, "Scale()(stag.ones(5))")
    assert isinstance(error, stag.ShapeError) and "Scale.__call__()" in str(error)


def test_cells_before_the_extension_and_after_its_unloading_are_not(shell: Any) -> None:
    assert run(shell, DEFINE) is None
    assert run(shell, "double(stag.ones(4))") is None  # not checked: defined before %load_ext
    shell.run_line_magic("load_ext", "stag")
    shell.run_line_magic("unload_ext", "stag")
    assert run(shell, DEFINE) is None
    assert run(shell, "double(stag.ones(4))") is None


def test_loading_twice_registers_once_and_plain_cells_are_untouched(shell: Any) -> None:
    shell.run_line_magic("load_ext", "stag")
    stag.load_ipython_extension(shell)
    assert sum(type(t).__name__ == "ShapecheckCells" for t in shell.ast_transformers) == 1
    assert run(shell, "x = 1 + 1") is None
    assert "__stag_shapecheck__" not in shell.user_ns  # no import added to a cell without defs

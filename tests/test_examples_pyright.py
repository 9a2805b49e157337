"""The examples type-check under pyright (standard mode, no plugin) as they do under mypy."""

from __future__ import annotations

import pytest
from _typecheck_harness import ROOT, basedpyright, run_pyright

CLEAN = ["char_transformer.py"]  # the others follow once pyright accepts PyTorch-style sizes


@pytest.mark.slow
@pytest.mark.parametrize("name", CLEAN)
def test_an_example_has_no_pyright_error(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    executable = basedpyright()
    if executable is None:
        pytest.skip("basedpyright is not installed (it is in the test extra)")
    errors = run_pyright(executable, [ROOT / "examples" / name], tmp_path_factory.mktemp("pyright"))
    assert not errors, "\n".join(map(str, errors))

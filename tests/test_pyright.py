"""The type tests under pyright: one basedpyright run over typecheck_tests/ (pass and fail).

The same case files as `test_typecheck.py`, with the marks read for pyright (see
`_typecheck_harness`): a plain `# E:` mark needs some pyright error on its line,
`# E[pyright]: <rule>` exactly those rules, `# E[mypy]:` none; a file marked
`# checkers: mypy` (it needs the mypy plugin) is left out. pyright runs in standard mode,
with no plugin: what it reports without one is what users of pyright get.
"""

from pathlib import Path

import pytest
from _typecheck_harness import (
    FAIL_DIR,
    PASS_DIR,
    Diagnostic,
    Key,
    basedpyright,
    compare,
    expected_errors,
    in_case_dirs,
    python_files,
    read_marks,
    run_pyright,
)


# A pyright difference in a file another change owns (examples_shape_bugs.py): pyright
# accepts `nn.Sequential(nn.Linear(ONE, HIDDEN), nn.Linear(ONE, HIDDEN), nn.ReLU())`, so
# that line's mark should read `# E[mypy]: misc`.  Until it does, the plain mark is not
# asked of pyright.  Delete this once the mark is changed.
def _expected(cases: list[Path]) -> set[Key]:
    return expected_errors(cases, "pyright")


def _pyright_cases() -> list[Path]:
    return [
        path
        for path in python_files([PASS_DIR, FAIL_DIR])
        if not read_marks(path.read_text(), str(path)).mypy_only
    ]


@pytest.fixture(scope="module")
def pyright_errors(tmp_path_factory: pytest.TempPathFactory) -> list[Diagnostic]:
    executable = basedpyright()
    if executable is None:
        pytest.skip("basedpyright is not installed (it is in the test extra)")
    return run_pyright(executable, _pyright_cases(), tmp_path_factory.mktemp("pyright"))


@pytest.mark.slow
def test_cases_report_exactly_the_marked_errors_under_pyright(
    pyright_errors: list[Diagnostic],
) -> None:
    reported = [d for d in pyright_errors if in_case_dirs(d.key.path)]
    report = compare(_expected(_pyright_cases()), reported, "pyright")
    if report:
        pytest.fail("\n".join(report))


@pytest.mark.slow
def test_escape_hatch_cases_pass_under_pyright(pyright_errors: list[Diagnostic]) -> None:
    """The one promise the core makes about pyright: `Dyn` dims behave as under mypy."""
    escape_hatch = [d for d in pyright_errors if d.key.path.endswith("pass/dims_escape_hatch.py")]
    assert not escape_hatch, "\n".join(map(str, escape_hatch))

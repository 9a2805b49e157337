"""The type tests: one mypy --strict run over the library, the examples and typecheck_tests/.

- `stag/`, `examples/` and `typecheck_tests/pass/` must type-check clean; pass files pin
  result types with `assert_type`.
- `typecheck_tests/fail/` must produce exactly the errors marked in its files: a line that
  should fail ends with `# E: <code>` (or `# E: <code>, <code>`), e.g.

      x @ w.T  # E: operator

  and every (file, line, code) mypy reports there must be marked, and every mark reported.

mypy runs once per test run (the `mypy_output` fixture); its tests are marked `slow`. The
marks (`# E[mypy]:`, `# E[pyright]:`, `# N:`, `# checkers: mypy`) are described in
`_typecheck_harness.py`; `test_pyright.py` reads the same files for pyright. To iterate, set
STAG_TYPECHECK_TARGETS to space-separated paths, e.g.
`STAG_TYPECHECK_TARGETS="typecheck_tests/fail/linalg.py" pytest tests/test_typecheck.py`.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from pathlib import Path

import pytest
from _typecheck_harness import (
    FAIL_DIR,
    PASS_DIR,
    ROOT,
    Diagnostic,
    Key,
    compare,
    expected_errors,
    expected_notes,
    in_fail_dir,
    parse_marks,
    parse_mypy_output,
    python_files,
    read_marks,
    relative,
    run_mypy,
)

DEFAULT_TARGETS = ("stag", "examples", "typecheck_tests/pass", "typecheck_tests/fail")
TARGETS_ENV = "STAG_TYPECHECK_TARGETS"

#: One case is one `assert_type(...)` call in pass/ or one `# E:` mark (line) in fail/.
MIN_CASES = 60


def count_assert_types(source: str) -> int:
    def is_assert_type(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name == "assert_type"

    return sum(map(is_assert_type, ast.walk(ast.parse(source))))


def configured_targets() -> tuple[str, ...]:
    return tuple(os.environ.get(TARGETS_ENV, "").split()) or DEFAULT_TARGETS


# --- the tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mypy_output() -> list[Diagnostic]:
    return run_mypy(configured_targets())


@pytest.fixture(scope="module")
def mypy_errors(mypy_output: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in mypy_output if d.severity == "error"]


@pytest.mark.slow
def test_library_examples_and_pass_cases_are_clean(mypy_errors: list[Diagnostic]) -> None:
    errors = [str(d) for d in mypy_errors if not in_fail_dir(d.key.path)]
    if errors:
        pytest.fail(
            f"{len(errors)} mypy error(s) outside typecheck_tests/fail:\n" + "\n".join(errors)
        )


@pytest.mark.slow
def test_fail_cases_report_exactly_the_marked_errors(mypy_errors: list[Diagnostic]) -> None:
    fail_files = [p for p in python_files(configured_targets()) if in_fail_dir(p)]
    reported = [d for d in mypy_errors if in_fail_dir(d.key.path)]
    report = compare(expected_errors(fail_files), reported, "mypy")
    if report:
        pytest.fail("\n".join(report))


@pytest.mark.slow
def test_marked_messages_are_reported(mypy_output: list[Diagnostic]) -> None:
    """Each `# N: <text>` names a message (the plugin's wording) mypy gives on its line."""
    files = [p for p in python_files(configured_targets()) if in_fail_dir(p)]
    messages: dict[tuple[str, int], list[str]] = {}
    for d in mypy_output:
        messages.setdefault((d.key.path, d.key.line), []).append(d.message)
    missing = [
        f"  {path}:{line}: {text!r}; mypy said {messages.get((path, line), [])}"
        for (path, line), text in sorted(expected_notes(files).items())
        if not any(text in message for message in messages.get((path, line), []))
    ]
    assert not missing, "marked messages mypy did not give:\n" + "\n".join(missing)


@pytest.mark.slow
def test_without_the_plugin_examples_and_shared_pass_cases_are_clean(tmp_path: Path) -> None:
    """The plugin is optional: with it off, the library, the examples and every pass file
    not marked `# checkers: mypy` still check clean (they state their shapes)."""
    config = tmp_path / "mypy.ini"
    lines = (ROOT / "mypy.ini").read_text().splitlines()
    config.write_text("\n".join(line for line in lines if not line.startswith("plugins")))
    targets = ["stag", "examples"] + [
        relative(path)
        for path in python_files([PASS_DIR])
        if not read_marks(path.read_text(), str(path)).mypy_only
    ]
    cache = ROOT / ".mypy_cache" / "without-plugin"  # its own: a config change empties a cache
    errors = [d for d in run_mypy(targets, config, cache) if d.severity == "error"]
    assert not errors, "\n".join(map(str, errors))


def _has_marks(path: Path) -> bool:
    errors = read_marks(path.read_text(), str(path)).errors
    return bool(errors["mypy"] or errors["pyright"])


def test_every_fail_file_has_marks() -> None:
    unmarked = [relative(p) for p in python_files([FAIL_DIR]) if not _has_marks(p)]
    assert not unmarked, f"fail files without any `# E: <code>` mark: {unmarked}"


def test_pass_files_carry_no_marks_or_type_ignores() -> None:
    """mypy checks a pass file clean; only a `# E[pyright]:` mark (a plugin result) is allowed."""
    offending = [
        f"{relative(path)}:{token.start[0]}: {token.string}"
        for path in python_files([PASS_DIR])
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        if token.type == tokenize.COMMENT
        and (
            not read_marks(token.string).only_pyright_marks
            or re.search(r"#\s*type:\s*ignore", token.string)
        )
    ]
    assert not offending, "pass files must type-check as written:\n" + "\n".join(offending)


def test_there_are_at_least_min_cases() -> None:
    asserts = sum(count_assert_types(p.read_text()) for p in python_files([PASS_DIR]))
    marks = sum(len(parse_marks(p.read_text(), str(p))) for p in python_files([FAIL_DIR]))
    marks += sum(len(read_marks(p.read_text()).notes) for p in python_files([FAIL_DIR]))
    assert asserts + marks >= MIN_CASES, (
        f"{asserts} assert_type calls in pass/ + {marks} marked errors in fail/ "
        f"= {asserts + marks} cases; expected at least {MIN_CASES}"
    )


def test_mark_parser_reads_codes_per_line_and_only_from_comments() -> None:
    source = (
        "x @ w.T  # E: operator\n"
        's = "# E: not-a-mark"\n'
        "f(1, 2)  #E: arg-type, misc\n"
        "g()  # type: ignore[misc]  # E: unused-ignore\n"
        "# a comment without a mark\n"
    )
    assert parse_marks(source) == {
        1: frozenset({"operator"}),
        3: frozenset({"arg-type", "misc"}),
        4: frozenset({"unused-ignore"}),
    }


def test_mark_parser_reads_checker_marks_notes_and_mypy_only_files() -> None:
    source = (
        "# checkers: mypy\n"
        "x @ w.T  # E: operator\n"
        "f(x)  # E[mypy]: misc  # E[pyright]: reportCallIssue, reportArgumentType\n"
        "g(x)  # E[pyright]: reportAssertTypeFailure\n"
        "x @ v  # E: operator  # N: matmul: inner dimensions differ\n"
    )
    marks = read_marks(source)
    assert marks.mypy_only
    assert marks.errors["mypy"] == {
        2: frozenset({"operator"}),
        3: frozenset({"misc"}),
        5: frozenset({"operator"}),
    }
    assert marks.errors["pyright"] == {
        2: frozenset({"*"}),
        3: frozenset({"reportCallIssue", "reportArgumentType"}),
        4: frozenset({"reportAssertTypeFailure"}),
        5: frozenset({"*"}),
    }
    assert marks.notes == {5: "matmul: inner dimensions differ"}
    assert not marks.only_pyright_marks
    assert read_marks("g(x)  # E[pyright]: reportAssertTypeFailure\n").only_pyright_marks


def test_compare_reports_missing_and_unexpected_errors() -> None:
    def diagnostic(line: int, code: str) -> Diagnostic:
        return Diagnostic(Key("a.py", line, code), "error", "boom")

    expected = {Key("a.py", 1, "*"), Key("a.py", 2, "misc")}
    assert compare(expected, [diagnostic(1, "reportCallIssue"), diagnostic(2, "misc")], "x") == []
    report = compare(expected, [diagnostic(2, "operator"), diagnostic(3, "misc")], "x")
    assert "marked but not reported by x:" in report
    assert "reported by x but not marked:" in report
    assert len(report) == 6  # two headings, two missing, two unexpected


def test_mark_parser_rejects_malformed_marks() -> None:
    with pytest.raises(ValueError, match="malformed mark"):
        parse_marks("x = 1  # E: Arg Type\n")
    with pytest.raises(ValueError, match="malformed mark"):
        parse_marks("x = 1  # E:\n")
    with pytest.raises(ValueError, match="malformed mark"):
        parse_marks("x = 1  # E[pyre]: misc\n")


def test_mypy_output_parser_reads_errors_and_notes() -> None:
    out = (
        "typecheck_tests/fail/a.py:3: error: Unsupported operand types for @  [operator]\n"
        "typecheck_tests/fail/a.py:3: note: Both left and right operands are unions\n"
    )
    error, note = parse_mypy_output(out)
    assert error.key == Key("typecheck_tests/fail/a.py", 3, "operator")
    assert error.message == "Unsupported operand types for @"
    assert note.severity == "note"

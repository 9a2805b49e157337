"""The type tests: one mypy --strict run over the library, the examples and typecheck_tests/.

- `stag/`, `examples/` and `typecheck_tests/pass/` must type-check clean; pass files pin
  result types with `assert_type`.
- `typecheck_tests/fail/` must produce exactly the errors marked in its files: a line that
  should fail ends with `# E: <code>` (or `# E: <code>, <code>`), e.g.

      x @ w.T  # E: operator

  and every (file, line, code) mypy reports there must be marked, and every mark reported.

mypy runs once per test run (the `mypy_errors` fixture); its tests are marked `slow`. To iterate on a few files, set
STAG_TYPECHECK_TARGETS to space-separated paths, e.g.
`STAG_TYPECHECK_TARGETS="typecheck_tests/fail/linalg.py" pytest tests/test_typecheck.py`.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parent.parent
PASS_DIR = ROOT / "typecheck_tests" / "pass"
FAIL_DIR = ROOT / "typecheck_tests" / "fail"
DEFAULT_TARGETS = ("stag", "examples", "typecheck_tests/pass", "typecheck_tests/fail")
TARGETS_ENV = "STAG_TYPECHECK_TARGETS"

#: One case is one `assert_type(...)` call in pass/ or one `# E:` mark (line) in fail/.
MIN_CASES = 60

# Output one diagnostic per line, `path:line: severity: message  [code]`, and nothing else.
MYPY_FLAGS = (
    "--config-file=mypy.ini",
    "--no-error-summary",
    "--show-error-codes",
    "--hide-error-context",
    "--hide-column-numbers",
    "--hide-error-end",
    "--hide-error-code-links",
    "--hide-absolute-path",
    "--no-pretty",
    "--no-color-output",
)

_DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+\.pyi?):(?P<line>\d+): (?P<severity>error|note|warning): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_MARK = re.compile(r"#\s*E:(?P<codes>.*)$")
_CODE = re.compile(r"^[a-z][a-z0-9-]*$")


class Key(NamedTuple):
    """What a fail case pins: an error `code` on `line` of `path` (POSIX, repo-relative)."""

    path: str
    line: int
    code: str


class Diagnostic(NamedTuple):
    key: Key
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.key.path}:{self.key.line}: {self.message}  [{self.key.code}]"


# --- the mark parser -------------------------------------------------------------------


def parse_marks(source: str, filename: str = "<string>") -> dict[int, frozenset[str]]:
    """The expected error codes of a fail file, by line number.

    Only real comments count (a `# E:` inside a string is not a mark); a malformed mark
    raises ValueError rather than being silently ignored.
    """
    marks: dict[int, frozenset[str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT or (match := _MARK.search(token.string)) is None:
            continue
        line = token.start[0]
        codes = [code.strip() for code in match["codes"].split(",")]
        if not all(_CODE.match(code) for code in codes):
            raise ValueError(
                f"{filename}:{line}: malformed mark {token.string!r}; "
                "expected `# E: <code>` or `# E: <code>, <code>`"
            )
        marks[line] = frozenset(codes)
    return marks


def expected_errors(paths: Iterable[Path]) -> set[Key]:
    return {
        Key(_relative(path), line, code)
        for path in paths
        for line, codes in parse_marks(path.read_text(), str(path)).items()
        for code in codes
    }


def count_assert_types(source: str) -> int:
    def is_assert_type(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name == "assert_type"

    return sum(map(is_assert_type, ast.walk(ast.parse(source))))


# --- running mypy ----------------------------------------------------------------------


def parse_mypy_output(stdout: str) -> list[Diagnostic]:
    diagnostics = []
    for raw in stdout.splitlines():
        match = _DIAGNOSTIC.match(raw)
        if match is None:
            raise ValueError(f"unparseable mypy output line: {raw!r}\n\nfull output:\n{stdout}")
        key = Key(_relative(Path(match["path"])), int(match["line"]), match["code"] or "<none>")
        diagnostics.append(Diagnostic(key, match["severity"], match["message"]))
    return diagnostics


def run_mypy(targets: Sequence[str]) -> list[Diagnostic]:
    """mypy's errors (notes dropped) for `targets`, run from the repo root with its mypy.ini."""
    with contextlib.chdir(ROOT):
        stdout, stderr, status = mypy_api.run([*MYPY_FLAGS, *targets])
    if status not in (0, 1) or stderr:
        raise RuntimeError(f"mypy did not complete (exit status {status}):\n{stdout}{stderr}")
    return [d for d in parse_mypy_output(stdout) if d.severity == "error"]


def configured_targets() -> tuple[str, ...]:
    return tuple(os.environ.get(TARGETS_ENV, "").split()) or DEFAULT_TARGETS


def python_files(targets: Iterable[str | Path]) -> Iterator[Path]:
    for target in targets:
        path = ROOT / target
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _relative(path: Path) -> str:
    resolved = (ROOT / path).resolve()  # ROOT / an absolute path is that path
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(path)


def _source_line(key: Key) -> str:
    lines = (ROOT / key.path).read_text().splitlines()
    return lines[key.line - 1].strip() if key.line <= len(lines) else ""


def _in_fail_dir(path: str | Path) -> bool:
    return (ROOT / path).resolve().is_relative_to(FAIL_DIR)


# --- the tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mypy_errors() -> list[Diagnostic]:
    return run_mypy(configured_targets())


@pytest.mark.slow
def test_library_examples_and_pass_cases_are_clean(mypy_errors: list[Diagnostic]) -> None:
    errors = [str(d) for d in mypy_errors if not _in_fail_dir(d.key.path)]
    if errors:
        pytest.fail(
            f"{len(errors)} mypy error(s) outside typecheck_tests/fail:\n" + "\n".join(errors)
        )


@pytest.mark.slow
def test_fail_cases_report_exactly_the_marked_errors(mypy_errors: list[Diagnostic]) -> None:
    fail_files = [p for p in python_files(configured_targets()) if _in_fail_dir(p)]
    expected = expected_errors(fail_files)
    reported = {d.key: d for d in mypy_errors if _in_fail_dir(d.key.path)}
    missing = sorted(expected - reported.keys())
    unexpected = sorted(reported.keys() - expected)
    report = []
    if missing:
        report.append("marked but not reported by mypy:")
        report += [f"  {k.path}:{k.line}: [{k.code}]  {_source_line(k)}" for k in missing]
    if unexpected:
        report.append("reported by mypy but not marked:")
        report += [f"  {reported[k]}" for k in unexpected]
    if report:
        pytest.fail("\n".join(report))


def test_every_fail_file_has_marks() -> None:
    unmarked = [_relative(p) for p in python_files([FAIL_DIR]) if not parse_marks(p.read_text())]
    assert not unmarked, f"fail files without any `# E: <code>` mark: {unmarked}"


def test_pass_files_carry_no_marks_or_type_ignores() -> None:
    offending = [
        f"{_relative(path)}:{token.start[0]}: {token.string}"
        for path in python_files([PASS_DIR])
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        if token.type == tokenize.COMMENT
        and (_MARK.search(token.string) or re.search(r"#\s*type:\s*ignore", token.string))
    ]
    assert not offending, "pass files must type-check as written:\n" + "\n".join(offending)


def test_there_are_at_least_min_cases() -> None:
    asserts = sum(count_assert_types(p.read_text()) for p in python_files([PASS_DIR]))
    marks = sum(len(parse_marks(p.read_text(), str(p))) for p in python_files([FAIL_DIR]))
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


def test_mark_parser_rejects_malformed_marks() -> None:
    with pytest.raises(ValueError, match="malformed mark"):
        parse_marks("x = 1  # E: Arg Type\n")
    with pytest.raises(ValueError, match="malformed mark"):
        parse_marks("x = 1  # E:\n")


def test_mypy_output_parser_reads_errors_and_notes() -> None:
    out = (
        "typecheck_tests/fail/a.py:3: error: Unsupported operand types for @  [operator]\n"
        "typecheck_tests/fail/a.py:3: note: Both left and right operands are unions\n"
    )
    error, note = parse_mypy_output(out)
    assert error.key == Key("typecheck_tests/fail/a.py", 3, "operator")
    assert error.message == "Unsupported operand types for @"
    assert note.severity == "note"

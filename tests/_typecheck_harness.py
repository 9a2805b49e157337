"""The type-test harness shared by `test_typecheck.py` (mypy) and `test_pyright.py`.

A case file in `typecheck_tests/` says what each checker must report, in comments:

- `# E: <code>[, <code>]` - mypy reports these error codes on the line, and pyright
  reports an error there too (any rule: the two checkers name errors differently);
- `# E[mypy]: <code>` - only mypy reports an error here; pyright must accept the line;
- `# E[pyright]: <rule>[, <rule>]` - only pyright reports an error here, with these
  rules (`reportAssertTypeFailure`, ...); mypy must accept the line;
- `# N: <text>` - a mypy message on the line (a note or an error) contains `<text>`:
  this pins the wording of the plugin's shape messages;
- `# checkers: mypy` on a line of its own - the whole file is for mypy only (it needs
  the mypy plugin); pyright does not check it.

Several marks may share a line: `x  # E[mypy]: misc  # E[pyright]: reportCallIssue`.
Pass files carry no marks except `# E[pyright]:` (a result only the plugin computes).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parent.parent
PASS_DIR = ROOT / "typecheck_tests" / "pass"
FAIL_DIR = ROOT / "typecheck_tests" / "fail"

Checker = Literal["mypy", "pyright"]
ANY_RULE = "*"  # a plain `# E:` mark seen by pyright: some error, whatever its rule

# Output one diagnostic per line, `path:line: severity: message  [code]`, and nothing else.
MYPY_FLAGS = (
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
_MARK = re.compile(r"#\s*E(?:\[(?P<checker>[a-z]+)\])?:(?P<codes>[^#]*)")
_NOTE = re.compile(r"#\s*N:(?P<text>.*)$")
_CODE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*$")
_MYPY_ONLY = re.compile(r"^#\s*checkers:\s*mypy\s*$")


class Key(NamedTuple):
    """What a case pins: an error `code` on `line` of `path` (POSIX, repo-relative)."""

    path: str
    line: int
    code: str


class Diagnostic(NamedTuple):
    key: Key
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.key.path}:{self.key.line}: {self.message}  [{self.key.code}]"


@dataclass
class Marks:
    """The marks of one file: expected codes per line and checker, and expected notes."""

    errors: dict[Checker, dict[int, frozenset[str]]] = field(
        default_factory=lambda: {"mypy": {}, "pyright": {}}
    )
    notes: dict[int, str] = field(default_factory=dict)
    mypy_only: bool = False
    only_pyright_marks: bool = True  # no mark but `# E[pyright]:` (what a pass file may carry)


# --- the mark parser -------------------------------------------------------------------


def read_marks(source: str, filename: str = "<string>") -> Marks:
    """Every mark of a case file. Only real comments count; a malformed mark raises."""
    marks = Marks()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        if _MYPY_ONLY.match(token.string):
            marks.mypy_only = True
        if (note := _NOTE.search(token.string)) is not None:
            marks.notes[line] = note["text"].strip()
            marks.only_pyright_marks = False
        for match in _MARK.finditer(token.string):
            codes = [code.strip() for code in match["codes"].split(",")]
            checker = match["checker"]
            if checker not in (None, "mypy", "pyright") or not all(map(_CODE.match, codes)):
                raise ValueError(
                    f"{filename}:{line}: malformed mark {token.string!r}; expected "
                    "`# E: <code>`, `# E: <code>, <code>` or `# E[mypy|pyright]: <code>`"
                )
            for who in ("mypy", "pyright") if checker is None else (checker,):
                ours = ANY_RULE if checker is None and who == "pyright" else None
                found = frozenset([ours] if ours else codes)
                marks.errors[who][line] = marks.errors[who].get(line, frozenset()) | found
            marks.only_pyright_marks &= checker == "pyright"
    return marks


def parse_marks(source: str, filename: str = "<string>") -> dict[int, frozenset[str]]:
    """The mypy error codes a file expects, by line number."""
    return read_marks(source, filename).errors["mypy"]


def expected_errors(paths: Iterable[Path], checker: Checker = "mypy") -> set[Key]:
    keys = set()
    for path in paths:
        marks = read_marks(path.read_text(), str(path))
        if checker == "pyright" and marks.mypy_only:
            continue
        for line, codes in marks.errors[checker].items():
            keys |= {Key(relative(path), line, code) for code in codes}
    return keys


def expected_notes(paths: Iterable[Path]) -> dict[tuple[str, int], str]:
    return {
        (relative(path), line): text
        for path in paths
        for line, text in read_marks(path.read_text(), str(path)).notes.items()
    }


def compare(expected: set[Key], reported: Sequence[Diagnostic], checker: str) -> list[str]:
    """What differs between the marks and the report ([] when they agree).

    A pyright `ANY_RULE` mark is met by any error on its line.
    """
    got = {d.key: d for d in reported}
    loose = {(k.path, k.line) for k in expected if k.code == ANY_RULE}
    missing = sorted(
        k
        for k in expected
        if (k.code == ANY_RULE and not any((g.path, g.line) == (k.path, k.line) for g in got))
        or (k.code != ANY_RULE and k not in got)
    )
    unexpected = sorted(k for k in got if k not in expected and (k.path, k.line) not in loose)
    report = []
    if missing:
        report.append(f"marked but not reported by {checker}:")
        report += [f"  {k.path}:{k.line}: [{k.code}]  {source_line(k)}" for k in missing]
    if unexpected:
        report.append(f"reported by {checker} but not marked:")
        report += [f"  {got[k]}" for k in unexpected]
    return report


# --- running the checkers --------------------------------------------------------------


def parse_mypy_output(stdout: str) -> list[Diagnostic]:
    diagnostics = []
    for raw in stdout.splitlines():
        match = _DIAGNOSTIC.match(raw)
        if match is None:
            raise ValueError(f"unparseable mypy output line: {raw!r}\n\nfull output:\n{stdout}")
        key = Key(relative(Path(match["path"])), int(match["line"]), match["code"] or "<none>")
        diagnostics.append(Diagnostic(key, match["severity"], match["message"]))
    return diagnostics


def run_mypy(
    targets: Sequence[str], config: Path = ROOT / "mypy.ini", cache_dir: Path | None = None
) -> list[Diagnostic]:
    """mypy's errors and notes for `targets`, run from the repo root (with its mypy.ini)."""
    flags = [*MYPY_FLAGS, f"--config-file={config}"]
    flags += [f"--cache-dir={cache_dir}"] if cache_dir is not None else []
    with contextlib.chdir(ROOT):
        stdout, stderr, status = mypy_api.run([*flags, *targets])
    if status not in (0, 1) or stderr:
        raise RuntimeError(f"mypy did not complete (exit status {status}):\n{stdout}{stderr}")
    return parse_mypy_output(stdout)


def basedpyright() -> str | None:
    return shutil.which("basedpyright", path=str(Path(sys.executable).parent))


def run_pyright(executable: str, targets: Sequence[Path], workdir: Path) -> list[Diagnostic]:
    """basedpyright's errors (standard mode) for `targets`."""
    config = workdir / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "standard",
                "pythonVersion": "3.11",
                "extraPaths": [str(ROOT), str(ROOT / "examples")],
            }
        )
    )
    command = [executable, "--project", str(config), "--pythonpath", sys.executable]
    result = subprocess.run(
        [*command, "--outputjson", *map(str, targets)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"basedpyright did not complete:\n{result.stdout}{result.stderr}")
    return [
        Diagnostic(
            Key(relative(Path(d["file"])), d["range"]["start"]["line"] + 1, d.get("rule", "")),
            d["severity"],
            " ".join(d["message"].split()),
        )
        for d in json.loads(result.stdout)["generalDiagnostics"]
        if d["severity"] == "error"
    ]


# --- paths -----------------------------------------------------------------------------


def python_files(targets: Iterable[str | Path]) -> Iterator[Path]:
    for target in targets:
        path = ROOT / target
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def relative(path: Path) -> str:
    resolved = (ROOT / path).resolve()  # ROOT / an absolute path is that path
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(path)


def source_line(key: Key) -> str:
    path = ROOT / key.path
    lines = path.read_text().splitlines() if path.is_file() else []
    return lines[key.line - 1].strip() if key.line <= len(lines) else ""


def in_fail_dir(path: str | Path) -> bool:
    return (ROOT / path).resolve().is_relative_to(FAIL_DIR)


def in_case_dirs(path: str | Path) -> bool:
    resolved = (ROOT / path).resolve()
    return resolved.is_relative_to(FAIL_DIR) or resolved.is_relative_to(PASS_DIR)

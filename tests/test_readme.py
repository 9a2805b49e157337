"""The README's test command is the one CI runs, so the two cannot drift apart."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
TEST_HEADING = "## Running the tests"

_SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_test_command(readme_text: str) -> str:
    """The single command in the first ```sh block under the `## Running the tests` heading."""
    lines = readme_text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip() == TEST_HEADING)
    section = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        section.append(line)
    block = _SH_BLOCK.search("".join(section))
    assert block is not None, f"no ```sh block under {TEST_HEADING!r} in README.md"
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 1, f"expected one command under {TEST_HEADING!r}, got {commands}"
    return commands[0].strip()


def test_readme_command_parser_takes_the_block_under_the_heading() -> None:
    text = (
        "## Quick start\n\n```sh\npython demo.py\n```\n\n"
        f"{TEST_HEADING}\n\nSome prose.\n\n```sh\nmake test\n```\n\n"
        "## Later\n\n```sh\nmake other\n```\n"
    )
    assert readme_test_command(text) == "make test"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = readme_test_command(README.read_text())
    ci_lines = [line.strip() for line in CI_RUN.read_text().splitlines()]
    assert command in ci_lines, f".ci/run does not run the README's test command:\n  {command}"


def test_ci_script_is_executable() -> None:
    assert os.access(CI_RUN, os.X_OK), ".ci/run must be executable (chmod +x .ci/run)"


def test_readme_intro_type_checks_with_exactly_the_error_it_shows(tmp_path: Path) -> None:
    """The first python block is what a new user copies: mypy must agree with its comments."""
    from mypy import api

    block = re.search(r"^```python\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)
    assert block is not None, "README.md has no ```python block"
    source = tmp_path / "readme_intro.py"
    source.write_text(block.group(1))
    stdout, _, _ = api.run(["--strict", "--no-error-summary", "--hide-error-context", str(source)])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    marked = [
        i for i, line in enumerate(block.group(1).splitlines(), start=1) if "mypy: error" in line
    ]
    reported = [int(line.split(":")[1]) for line in errors]
    assert reported == marked, f"README intro: mypy reported\n{stdout}"

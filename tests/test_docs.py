"""The documentation holds: README's "Coming from PyTorch" type-checks as it says, its
snippets match the pins, and the API reference builds clean with every public name.

Each Python block of the README sections below is type-checked as a file of its own by
mypy (``--strict`` and the plugin, through the section's own ``mypy.ini`` block) and by
basedpyright (standard mode): a line marked ``# mypy: error`` / ``# pyright: error`` must
be reported by that checker, and no other line may be; a mark that says ``(without
--allow-redefinition)`` must go away under that flag.  The "Coming from PyTorch" blocks
without marks are run as well.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
import zlib
from pathlib import Path
from typing import Any

import pytest
from _typecheck_harness import basedpyright, run_pyright
from test_api import NAMESPACES, package_names

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CHECKED_SECTIONS = ["Coming from PyTorch", "PyTorch weights", "DLPack: zero-copy exchange"]
FLAG_MARK = "(without --allow-redefinition)"


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def marked(source: str, checker: str) -> set[int]:
    return {i for i, line in enumerate(source.splitlines(), 1) if f"# {checker}: error" in line}


@pytest.fixture(scope="module")
def python_blocks(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, str]:
    """Every Python block of the checked sections, written as a file, with a mypy.ini."""
    where = tmp_path_factory.mktemp("readme_blocks")
    (where / "mypy.ini").write_text(blocks(section("Coming from PyTorch"), "ini")[0])
    files = {}
    for title in CHECKED_SECTIONS:
        for i, source in enumerate(blocks(section(title), "python")):
            stem = re.sub(r"\W+", "_", title).lower()
            path = where / f"{stem}_{i}.py"
            path.write_text(source)
            files[path] = source
    return files


def mypy_errors(files: dict[Path, str], *flags: str) -> dict[str, set[int]]:
    """The lines mypy reports, by file name (run from the blocks' folder, as a user would)."""
    from mypy import api

    where = next(iter(files)).parent
    args = ["--config-file", str(where / "mypy.ini"), "--cache-dir", str(where / ".mypy_cache")]
    stdout, _, _ = api.run([*args, *flags, *map(str, files)])
    found: dict[str, set[int]] = {path.name: set() for path in files}
    for name, line in re.findall(r"^.*?([\w.]+\.py):(\d+): error:", stdout, re.MULTILINE):
        found.setdefault(name, set()).add(int(line))
    return found


def test_the_mypy_ini_of_the_section_turns_the_plugin_on() -> None:
    (ini,) = blocks(section("Coming from PyTorch"), "ini")
    assert "plugins = stag.mypy_plugin" in ini and "strict = True" in ini


@pytest.mark.slow
def test_blocks_type_check_under_mypy_as_marked(python_blocks: dict[Path, str]) -> None:
    expected = {path.name: marked(source, "mypy") for path, source in python_blocks.items()}
    assert mypy_errors(python_blocks) == expected
    under_flag = {
        path.name: {
            i for i in marked(source, "mypy") if FLAG_MARK not in source.splitlines()[i - 1]
        }
        for path, source in python_blocks.items()
    }
    assert mypy_errors(python_blocks, "--allow-redefinition") == under_flag


@pytest.mark.slow
def test_blocks_type_check_under_pyright_as_marked(python_blocks: dict[Path, str]) -> None:
    executable = basedpyright()
    if executable is None:
        pytest.skip("basedpyright is not installed (it is in the test extra)")
    where = next(iter(python_blocks)).parent
    diagnostics = run_pyright(executable, list(python_blocks), where)
    found: dict[str, set[int]] = {path.name: set() for path in python_blocks}
    for d in diagnostics:
        if d.severity == "error":
            found[Path(d.key.path).name].add(d.key.line)
    assert found == {path.name: marked(src, "pyright") for path, src in python_blocks.items()}


def test_the_unmarked_coming_from_pytorch_blocks_run(tmp_path: Path) -> None:
    for source in blocks(section("Coming from PyTorch"), "python"):
        if "error" in "".join(re.findall(r"# (?:mypy|pyright): \w+", source)):
            continue
        done = subprocess.run(
            [sys.executable, "-c", source],
            check=False,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{source}\n{done.stderr}"


def test_the_ci_and_pre_commit_snippets_match_the_pins() -> None:
    yaml = pytest.importorskip("yaml")
    workflow, pre_commit = (
        yaml.safe_load(b) for b in blocks(section("Coming from PyTorch"), "yaml")
    )
    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [p for p in test_extra["optional-dependencies"]["test"] if "==" in p]
    runs = " ".join(step.get("run", "") for step in workflow["jobs"]["types"]["steps"])
    assert all(pin in runs for pin in pins if pin.startswith(("mypy", "basedpyright"))), runs
    assert "mypy ." in runs and "basedpyright ." in runs
    hooks = pre_commit["repos"][0]["hooks"]
    assert {h["id"]: (h["entry"], h["language"]) for h in hooks} == {
        "mypy": ("mypy", "system"),
        "basedpyright": ("basedpyright", "system"),
    }


def test_the_readme_links_to_docs_that_exist() -> None:
    links = re.findall(r"\]\((docs/[\w./-]+)\)", README)
    assert links and all((ROOT / link).is_file() for link in links), links


# ------------------------------------------------------------------ the API reference
def inventory(site: Path) -> set[str]:
    """The object names of a built site's ``objects.inv`` (Sphinx's inventory, version 2)."""
    data = (site / "objects.inv").read_bytes()
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines()}


def api_pages_hook() -> Any:
    spec = importlib.util.spec_from_file_location("api_pages", ROOT / "docs" / "api_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_api_reference_builds_clean_and_lists_every_public_name(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra")
    assert api_pages_hook().NAMESPACES == NAMESPACES
    site = tmp_path / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr, done.stderr[-4000:]
    names = inventory(site)
    missing = [
        f"{ns}.{n}" for ns in NAMESPACES for n in package_names(ns) if f"{ns}.{n}" not in names
    ]
    assert not missing, missing
    # members a public class inherits from a private base are on its page as its own
    assert {"stag.Tensor.numpy", "stag.Tensor.shape", "stag.nn.Linear.__rshift__"} <= names

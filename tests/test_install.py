"""Every supported install of stag is seen, with its types, by both checkers from outside.

Per install mode, a fresh venv (no system site-packages) gets the checkers pinned in the
``test`` extra and this checkout, installed as README says: editable (``pip install -e``:
hatchling writes a ``.pth`` naming the checkout, which mypy and pyright read) or as a
built wheel.  A user's project in another directory then runs mypy (``--strict``, the
plugin on through its own ``mypy.ini``) and basedpyright on a file with one planted
shape error: each checker must report exactly that error.  An install a checker cannot
see shows up as ``import-not-found`` / ``reportMissingImports`` instead.

pip reuses its cache, and the modes run side by side: about two minutes on two shared
cores.  Marked ``install``: ``pytest -m "not install"`` leaves these out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.install

USER_FILE = """\
from typing import Literal, NewType

import stag
from stag import Tensor

Batch = NewType("Batch", int)
n = Batch(2)
x: Tensor[Batch, Literal[784]] = stag.zeros(n, 784)
w: Tensor[Literal[784], Literal[10]] = stag.zeros(784, 10)
y: Tensor[Batch, Literal[10]] = x @ w
z = x @ w.T
"""
PLANTED_LINE = 11
MYPY_INI = "[mypy]\nstrict = True\nplugins = stag.mypy_plugin\n"
PYRIGHT_CONFIG = {"typeCheckingMode": "standard"}
MODES = {"editable": ["-e", str(ROOT)], "wheel": [str(ROOT)]}
Found = tuple[list[tuple[int, str]], str]  # (line, error code) pairs, and the output


def checker_pins() -> list[str]:
    """mypy's and basedpyright's pins, as the ``test`` extra states them."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    test = extras["optional-dependencies"]["test"]
    return [pin for pin in test if pin.startswith(("mypy==", "basedpyright=="))]


def activated(venv: Path | None) -> dict[str, str]:
    """This process's environment as ``source venv/bin/activate`` leaves it (no venv: none),
    without what would show the checkout to the venv."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "MYPYPATH", "PYTHONHOME"):
        env.pop(name, None)
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(args: list[str], cwd: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """``args`` run in ``cwd`` inside the activated ``venv``."""
    env = activated(venv)
    return subprocess.run(args, check=False, cwd=cwd, env=env, capture_output=True, text=True)


def user_project(project: Path) -> Path:
    """A user's project: the file with the planted error, and each checker's settings."""
    project.mkdir()
    (project / "user.py").write_text(USER_FILE)
    (project / "mypy.ini").write_text(MYPY_INI)
    (project / "pyrightconfig.json").write_text(json.dumps(PYRIGHT_CONFIG))
    return project


def make_venv(venv: Path, install: list[str]) -> None:
    """A fresh venv with the checkers and stag installed."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=activated(None))
    pip = run(["pip", "install", "-q", *checker_pins(), *install], venv, venv)
    assert pip.returncode == 0, pip.stdout + pip.stderr


def mypy_errors(venv: Path, project: Path) -> Found:
    result = run(["mypy", "user.py"], project, venv)
    found = re.findall(r"^user\.py:(\d+): error: .*\[([\w-]+)\]$", result.stdout, re.MULTILINE)
    return [(int(line), code) for line, code in found], result.stdout


def pyright_errors(venv: Path, project: Path) -> Found:
    result = run(["basedpyright", "--outputjson", "user.py"], project, venv)
    report = json.loads(result.stdout)
    found = [
        (d["range"]["start"]["line"] + 1, d.get("rule", ""))
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    return found, result.stdout


def check_mode(mode: str, where: Path) -> tuple[Found, Found]:
    """Install stag in ``mode`` in a fresh venv; what mypy and pyright report on the file."""
    project, venv = user_project(where / "project"), where / "venv"
    make_venv(venv, MODES[mode])
    return mypy_errors(venv, project), pyright_errors(venv, project)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Found, Found]]:
    """Every mode's reports, the modes side by side (mostly pip and the checkers waiting)."""
    with ThreadPoolExecutor(len(MODES)) as pool:
        futures = {m: pool.submit(check_mode, m, tmp_path_factory.mktemp(m)) for m in MODES}
        return {mode: future.result() for mode, future in futures.items()}


@pytest.mark.parametrize("mode", MODES)
def test_both_checkers_see_the_installed_types(
    mode: str, reports: dict[str, tuple[Found, Found]]
) -> None:
    (errors, output), (pyright, pyright_output) = reports[mode]
    assert errors == [(PLANTED_LINE, "operator")], output
    assert "matmul: inner dimensions differ: 784" in output, "the plugin did not run:\n" + output
    assert pyright == [(PLANTED_LINE, "reportOperatorIssue")], pyright_output

"""Every supported install of stag is seen, with its types, by both checkers from outside.

Per install mode, a fresh venv (no system site-packages) gets the checkers pinned in the
``test`` extra and this checkout, installed as README says: editable (``pip install -e``:
hatchling writes a ``.pth`` naming the checkout, which mypy and pyright read) or as a
built wheel.  A user's project in another directory then runs mypy (``--strict``, the
plugin on through its own ``mypy.ini``) and basedpyright on a file with one planted
shape error: each checker must report exactly that error.  An install a checker cannot
see shows up as ``import-not-found`` / ``reportMissingImports`` instead.

pip reuses its cache, so a mode takes about a minute on two shared cores.  Marked
``install``: ``pytest -m "not install"`` leaves these out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
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


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("user_project")
    (project / "user.py").write_text(USER_FILE)
    (project / "mypy.ini").write_text(MYPY_INI)
    (project / "pyrightconfig.json").write_text(json.dumps(PYRIGHT_CONFIG))
    return project


def make_venv(venv: Path, install: list[str]) -> None:
    """A fresh venv with the checkers and stag installed."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=activated(None))
    pip = run(["pip", "install", "-q", *checker_pins(), *install], venv, venv)
    assert pip.returncode == 0, pip.stdout + pip.stderr


def mypy_errors(venv: Path, project: Path) -> tuple[list[tuple[int, str]], str]:
    result = run(["mypy", "user.py"], project, venv)
    found = re.findall(r"^user\.py:(\d+): error: .*\[([\w-]+)\]$", result.stdout, re.MULTILINE)
    return [(int(line), code) for line, code in found], result.stdout


def pyright_errors(venv: Path, project: Path) -> tuple[list[tuple[int, str]], str]:
    result = run(["basedpyright", "--outputjson", "user.py"], project, venv)
    report = json.loads(result.stdout)
    found = [
        (d["range"]["start"]["line"] + 1, d.get("rule", ""))
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    return found, result.stdout


@pytest.mark.parametrize("mode", MODES)
def test_both_checkers_see_the_installed_types(
    mode: str, user_project: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    make_venv(venv, MODES[mode])
    errors, output = mypy_errors(venv, user_project)
    assert errors == [(PLANTED_LINE, "operator")], output
    assert "matmul: inner dimensions differ: 784" in output, "the plugin did not run:\n" + output
    errors, output = pyright_errors(venv, user_project)
    assert errors == [(PLANTED_LINE, "reportOperatorIssue")], output

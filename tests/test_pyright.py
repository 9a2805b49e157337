"""The escape hatch behaves the same under pyright as under mypy.

``typecheck_tests/pass/dims_escape_hatch.py`` is checked by mypy in
``test_typecheck.py``; here basedpyright (pyright's engine in a wheel) must
accept it too, ``assert_type`` lines included.  The full two-checker harness
is future work; this pins the one promise the core makes about pyright.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ["typecheck_tests/pass/dims_escape_hatch.py"]


def _basedpyright() -> str:
    found = shutil.which("basedpyright", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("basedpyright is not installed (it is in the test extra)")
    return found


@pytest.mark.slow
def test_escape_hatch_cases_pass_under_pyright(tmp_path: Path) -> None:
    config = tmp_path / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {"typeCheckingMode": "standard", "pythonVersion": "3.11", "extraPaths": [str(ROOT)]}
        )
    )
    result = subprocess.run(
        [_basedpyright(), "--project", str(config), "--pythonpath", sys.executable, *CASES],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout

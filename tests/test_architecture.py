"""The layering of faceapp is checked, not kept by habit: the import-linter contracts in
pyproject.toml must all hold, and the same contracts must catch a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache", "--config", str(cwd / "pyproject.toml")],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept(figure):
    res = lint_imports(ROOT, ROOT)
    print(res.stdout)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout
    kept = res.stdout.count(" KEPT")
    assert kept >= 6, res.stdout
    figure("import-linter contracts", f"{kept} kept, 0 broken")


def test_contracts_catch_a_violation(tmp_path):
    """A copy of the package with SQL in a service and the storage importing the UI."""
    shutil.copytree(ROOT / "faceapp", tmp_path / "faceapp", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "faceapp" / "services" / "employees.py", "a", encoding="utf-8") as fh:
        fh.write("\nimport sqlite3  # noqa\n")
    with open(tmp_path / "faceapp" / "storage" / "db.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom ..ui import main_window  # noqa\n")
    res = lint_imports(tmp_path, tmp_path)
    assert res.returncode != 0, res.stdout
    assert "SQL only in storage BROKEN" in res.stdout.replace("\n", " ")
    assert "faceapp.storage.db -> faceapp.ui.main_window" in res.stdout

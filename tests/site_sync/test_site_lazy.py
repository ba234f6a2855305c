"""A PC that is no site kiosk never loads the PostgreSQL driver: starting needs no psycopg
(a bundle or an install without it still starts), only joining a site does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from faceapp.app import build_context
from faceapp.cli import build_parser
build_parser()
ctx = build_context(sys.argv[1], allow_new_db=True)
ctx.close()
print("psycopg" in sys.modules)
"""


def test_a_standalone_database_starts_without_loading_psycopg(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path / "plain.db")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


NO_DRIVER = """
import sys
sys.modules["psycopg"] = None  # as on a Linux bundle without the system's libpq: importing it fails
from faceapp.cli import main
sys.exit(main(["--db", sys.argv[1], "site", "init", "--dsn", "host=/nonexistent dbname=site"]))
"""


def test_a_missing_postgresql_driver_is_one_line_naming_the_package_to_install(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", NO_DRIVER, str(tmp_path / "plain.db")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert out.stderr.count("\n") == 1 and "libpq5" in out.stderr and "Traceback" not in out.stderr, out.stderr

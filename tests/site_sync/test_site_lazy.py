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

"""The kiosk's admin PIN lock-out lives in the database: a restart does not give an
attacker five fresh guesses, and every wrong PIN is in the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from faceapp.access.pin import hash_pin
from faceapp.app import build_context

ROOT = Path(__file__).resolve().parents[2]

GUESSER = textwrap.dedent("""
    import sys
    from faceapp.app import build_context
    ctx = build_context(sys.argv[1])
    guard = ctx.admin_pin(sys.argv[2])
    print([guard.attempt(p) for p in sys.argv[3:]], "locked" if guard.locked_for() > 50 else "open")
""")


def guess_in_another_process(db: Path, stored: str, *pins: str) -> str:
    """A kiosk process that guesses and exits (is restarted)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", GUESSER, str(db), stored, *pins], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_lockout_survives_a_restart_and_wrong_pins_are_audited(tmp_path):
    db = tmp_path / "pin.db"
    stored = hash_pin("2468")
    assert guess_in_another_process(db, stored, "0000", "1111", "2222") == "[False, False, False] open"
    # restarted: the count goes on from 3, the fifth wrong PIN locks
    assert guess_in_another_process(db, stored, "3333", "4444") == "[False, False] locked"
    # restarted again: still locked, even for the right PIN
    assert guess_in_another_process(db, stored, "2468") == "[False] locked"
    ctx = build_context(db)
    try:
        guard = ctx.admin_pin(stored)
        assert guard.locked_for() > 50
        wrong = [e for e in ctx.repo.audit_log(100) if e.action == "admin_pin.wrong"]
        assert len(wrong) == 5 and wrong[0].details["locked_for_s"] == 60
        assert all("2468" not in str(e.details) and "0000" not in str(e.details) for e in wrong)
    finally:
        ctx.close()


def test_lockout_ends_doubles_and_a_right_pin_resets_it(tmp_path):
    now = [1_000_000.0]
    ctx = build_context(tmp_path / "pin.db")
    try:
        guard = ctx.admin_pin(hash_pin("2468"), clock=lambda: now[0])
        for _ in range(5):
            assert not guard.attempt("1")
        assert guard.locked_for() == 60
        now[0] += 61
        for _ in range(5):
            guard.attempt("1")
        assert guard.locked_for() == 120  # the second lock-out doubles
        now[0] += 121
        assert guard.attempt("2468")
        again = ctx.admin_pin(hash_pin("2468"), clock=lambda: now[0])  # a fresh guard reads the reset state
        assert again.locked_for() == 0 and again.state.failures == 0 and again.state.lockouts == 0
        assert [e.action for e in ctx.repo.audit_log(1)] == ["admin_pin.unlock"]
    finally:
        ctx.close()


def test_a_database_that_cannot_record_fails_closed_for_wrong_pins(tmp_path):
    """A locked database must not turn the lock-out off: the count goes on in memory."""
    import sqlite3

    db = tmp_path / "pin.db"
    ctx = build_context(db)
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    try:
        ctx.repo.busy_timeout_ms = 50
        ctx.repo.db.conn.execute("PRAGMA busy_timeout = 50")
        guard = ctx.admin_pin(hash_pin("2468"))
        other.execute("BEGIN EXCLUSIVE")
        for _ in range(5):
            assert not guard.attempt("1")
        assert guard.locked_for() > 0
    finally:
        other.close()
        ctx.close()

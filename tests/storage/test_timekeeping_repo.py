"""Stored time-keeping rules and punch corrections (real SQLite file)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timezone

import numpy as np
import pytest

from faceapp.shared.records import AttendanceEvent
from faceapp.timekeeping.rules import (Assignment, Holiday, Leave, Rounding, Shift, Timetable,
                                       TimekeepingRuleError)

T0 = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)


def _person(repo, number="0042", dept="Sales"):
    emb = np.ones((1, 128), np.float32)
    return repo.enrol(number, "Ana", dept, T0, emb, [1.0], "m")


def test_timetables_shifts_assignments_round_trip(repo):
    tt = Timetable("Night", time(22), time(6), crosses_midnight=True, in_after=60, out_before=60, break_minutes=30,
                   round_in=Rounding(15, "up"), ot_after=30, late_absent_after=120, late_absent_as="half_day")
    repo.add_timetable(tt, "alice")
    assert repo.timetables() == {"Night": tt}
    with pytest.raises(TimekeepingRuleError, match="already exists"):
        repo.add_timetable(tt)
    shift = Shift("4on4off", "rotation", ("Night",) * 4 + (None,) * 4)
    repo.add_shift(shift)
    assert repo.shifts() == {"4on4off": shift}
    with pytest.raises(TimekeepingRuleError, match="unknown timetable"):
        repo.add_shift(Shift("X", "weekly", ("Day",) * 7))
    emp = _person(repo)
    a = repo.assign_shift(Assignment("4on4off", date(2026, 6, 1), employee_id=emp.id), "alice")
    d = repo.assign_shift(Assignment("4on4off", date(2026, 1, 1), department="Sales"))
    assert repo.assignments() == [a, d] and a.id is not None
    with pytest.raises(TimekeepingRuleError, match="unknown shift"):
        repo.assign_shift(Assignment("nope", date(2026, 1, 1), department="Sales"))
    actions = [e.action for e in repo.audit_log(20)]
    assert {"timekeeping.timetable_add", "timekeeping.shift_add", "timekeeping.assign"} <= set(actions)


def test_holidays_and_leave(repo):
    emp = _person(repo)
    repo.add_holidays([Holiday(date(2026, 12, 25), "Christmas"), Holiday(date(2026, 5, 1), "Labour day")])
    repo.add_holidays([Holiday(date(2026, 12, 25), "Christmas Day")])  # renamed, not duplicated
    assert list(repo.holidays(date(2026, 6, 1), date(2026, 12, 31)).values()) == [
        Holiday(date(2026, 12, 25), "Christmas Day")]
    repo.add_leave([Leave(emp.id, date(2026, 6, 2), "sick", "half", True, "flu")], "bob")
    with pytest.raises(TimekeepingRuleError, match="already has leave"):
        repo.add_leave([Leave(emp.id, date(2026, 6, 3), "annual"), Leave(emp.id, date(2026, 6, 2), "annual")])
    assert [(lv.day, lv.kind, lv.portion) for lv in repo.leave(date(2026, 6, 1), date(2026, 6, 30))] == [
        (date(2026, 6, 2), "sick", "half")]  # the refused batch left nothing behind


def test_corrections_never_edit_a_punch_and_are_audited(repo, db_path):
    emp = _person(repo)
    ev = repo.add_attendance(AttendanceEvent(emp.id, T0, "in"))
    with pytest.raises(TimekeepingRuleError, match="reason"):
        repo.void_punch(ev.id, "  ", "alice")
    repo.void_punch(ev.id, "wrong person", "alice")
    with pytest.raises(TimekeepingRuleError, match="already void"):
        repo.void_punch(ev.id, "again", "alice")
    added = repo.add_punch(emp.id, datetime(2026, 6, 1, 15, tzinfo=timezone.utc), "out", "forgot to check out", "bob")
    day = (datetime(2026, 6, 1, tzinfo=timezone.utc), datetime(2026, 6, 2, tzinfo=timezone.utc))
    ps = repo.punches(*day)
    assert [(p.id, p.voided, p.corrected) for p in ps] == [(ev.id, True, True), (added, False, True)]
    repo.restore_punch(ev.id, "it was her after all", "alice")
    assert [p.voided for p in repo.punches(*day)] == [False, False]
    assert [(a, who) for a, _, who, _ in repo.punch_corrections(ev.id)] == [("void", "alice"), ("restore", "alice")]
    assert [e.ts for e in repo.events()][0] == T0  # the original row is untouched
    audit = [(e.actor, e.action, e.details.get("reason")) for e in repo.audit_log(10)][:3]
    assert audit == [("alice", "timekeeping.punch_restore", "it was her after all"),
                     ("bob", "timekeeping.punch_add", "forgot to check out"),
                     ("alice", "timekeeping.punch_void", "wrong person")]
    con = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE punch_corrections SET reason = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM punch_corrections")
    con.close()

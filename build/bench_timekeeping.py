"""Time-keeping benchmark: a month of daily results for N employees with 4 punches a day
(in, break out, break in, out), computed from a real SQLite file as the reports do
(punches, rules, leave and holidays read, every day of everyone computed), and the time
to write the time card and the summary as XLSX. Prints figures; not a test.

    PYTHONPATH=. python build/bench_timekeeping.py [--people 500] [--days 31] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faceapp.attendance.settings import AttendanceSettings  # noqa: E402
from faceapp.services.timekeeping import TimekeepingService  # noqa: E402
from faceapp.storage.convert import ts_to_db  # noqa: E402
from faceapp.storage.db import open_db  # noqa: E402
from faceapp.storage.repository import Repository  # noqa: E402
from faceapp.timekeeping.rules import Assignment, Holiday, Leave, Rounding, Shift, Timetable  # noqa: E402
from faceapp.timekeeping.xlsx import write_xlsx  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 10, 1)  # October: the month of the autumn DST change


def build(path: Path, people: int, days: int) -> TimekeepingService:
    repo = Repository(open_db(path))
    svc = TimekeepingService(repo, AttendanceSettings(timezone="Europe/Berlin"))
    svc.add_timetable(Timetable("Day", datetime.min.time().replace(hour=9), datetime.min.time().replace(hour=17),
                                break_minutes=30, break_must_punch=True, late_grace=5, early_grace=5, ot_after=30,
                                min_ot=15, round_in=Rounding(5, "up"), round_out=Rounding(5, "down")))
    svc.add_timetable(Timetable("Night", datetime.min.time().replace(hour=22), datetime.min.time().replace(hour=6),
                                crosses_midnight=True, in_after=120, out_before=120, break_minutes=30, late_grace=5))
    svc.add_timetable(Timetable("Flex", kind="flexible", required_minutes=450, break_minutes=30, ot_after=30))
    svc.add_shift(Shift("Office", "weekly", ("Day",) * 5 + (None, None)))
    svc.add_shift(Shift("Nights", "weekly", ("Night",) * 5 + (None, None)))
    svc.add_shift(Shift("4on4off", "rotation", ("Day",) * 4 + (None,) * 4))
    svc.add_shift(Shift("Flexible", "weekly", ("Flex",) * 5 + (None, None)))
    depts = ["Office", "Nights", "4on4off", "Flexible"]
    emb = np.ones((1, 128), np.float32)
    ids = []
    for i in range(people):
        e = repo.enrol(f"{i:05d}", f"Person {i}", depts[i % 4], datetime(2026, 1, 1, tzinfo=timezone.utc), emb,
                       [1.0], "m")
        ids.append(e.id)
    for d in depts:
        svc.assign(Assignment(d, date(2026, 1, 1), department=d))
    svc.add_holidays([Holiday(date(2026, 10, 3), "Unity day")])
    rng = random.Random(0)
    repo.add_leave([Leave(ids[i], FIRST + timedelta(days=rng.randrange(days)), "annual") for i in range(0, people, 7)])
    rows = []
    for n, emp in enumerate(ids):
        night = depts[n % 4] == "Nights"
        for k in range(days):
            d = FIRST + timedelta(days=k)
            base = datetime(d.year, d.month, d.day, 22 if night else 9, tzinfo=TZ)
            for off in (-rng.randrange(0, 15), 240 + rng.randrange(10), 270 + rng.randrange(20), 480 + rng.randrange(60)):
                rows.append((emp, ts_to_db(base + timedelta(minutes=off)), "in"))
    repo.db.conn.execute("BEGIN")
    repo.db.conn.executemany("INSERT INTO attendance (employee_id, ts, kind, source) VALUES (?, ?, ?, 'bench')", rows)
    repo.db.conn.execute("COMMIT")
    print(f"{people} employees, {len(rows)} punches over {days} days")
    return svc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=500)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        svc = build(Path(tmp) / "bench.db", args.people, args.days)
        last = FIRST + timedelta(days=args.days - 1)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            period = svc.period(FIRST, last)
            times.append(time.perf_counter() - t0)
        print(f"compute {len(period.results)} daily results (read + rules): median {statistics.median(times):.2f} s, "
              f"best {min(times):.2f} s")
        t0 = time.perf_counter()
        tables = svc.report_tables("timecard", period) + svc.report_tables("summary", period)
        t1 = time.perf_counter()
        write_xlsx(tables, Path(tmp) / "month.xlsx")
        t2 = time.perf_counter()
        size = (Path(tmp) / "month.xlsx").stat().st_size
        print(f"report tables: {t1 - t0:.2f} s; XLSX (time card {len(tables[0].rows)} rows + summaries): "
              f"{t2 - t1:.2f} s, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

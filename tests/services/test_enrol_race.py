"""Two imports of the same people at the same moment (two admins, or the desktop's Import and
`faceapp employees import`) enrol each person once: the duplicate check runs inside the
insert's write transaction against the gallery as it is then, not the one each process loaded
at its start. Real processes, real engine, real LFW photos."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from faceapp.app import build_context

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 40

# One importer process: everything loaded (models, the list), then it waits for the start
# file, so that both processes load their gallery and import in the same instant.
IMPORTER = """
import sys, time
from pathlib import Path
from faceapp.app import build_context
from faceapp.services.bulk_import import BulkImporter, read_people_csv
from faceapp.services.enrolment import consent_now

db, people_csv, ready, go = sys.argv[1:5]
ctx = build_context(db, provider="cpu")
svc = ctx.enrolment()
people = read_people_csv(people_csv)
Path(ready).touch()
deadline = time.monotonic() + 120
while not Path(go).exists() and time.monotonic() < deadline:
    time.sleep(0.005)
report = BulkImporter(svc).run(people, consent_now(), actor="test")
print(report.summary())
ctx.close()
"""


def test_two_imports_at_once_enrol_each_person_once(tmp_path, faces_dir):
    folders = sorted(p for p in (faces_dir / "lfw_scale" / "images").iterdir() if p.is_dir())[:PEOPLE]
    photos = [sorted(f.glob("*.jpg"))[0] for f in folders]
    db = tmp_path / "site.db"
    build_context(db, provider="cpu").close()  # created and migrated once, before the race
    lists = []
    for first in (1, 1001):  # the same people under two numbers
        path = tmp_path / f"people-{first}.csv"
        path.write_text("number,name,department,photo\n" + "".join(
            f"{first + i},{photo.parent.name},,{photo}\n" for i, photo in enumerate(photos)), encoding="utf-8")
        lists.append(path)
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(db), str(lst), str(tmp_path / f"ready{i}"),
                               str(go)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, lst in enumerate(lists)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{i}").exists() for i in range(2)) and time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    ctx = build_context(db, provider="cpu")
    enrolled = Counter(e.name for e in ctx.employees().list())
    ctx.close()
    twice = sorted(name for name, n in enrolled.items() if n > 1)
    assert twice == [], f"{len(twice)} of {len(enrolled)} people enrolled twice; {[o for o, _ in outs]}"
    assert len(enrolled) >= PEOPLE * 0.5, outs  # most LFW photos pass the gates

"""Issue 3's end-to-end check: enrol from photos, run the Hamilton clip through
`faceapp identify`, get exactly one attendance event per enrolled person who appears,
then export CSV and read it back."""

from __future__ import annotations

import csv

import pytest

from faceapp.app import SETTINGS_KEY, build_context
from faceapp.cli import main


@pytest.fixture()
def db(tmp_path, faces_dir):
    path = tmp_path / "attendance.db"
    ctx = build_context(path)
    # Default recognition settings (the calibrated threshold); a simulated door so that every
    # decision is also an access attempt.
    ctx.save_settings(ctx.settings.replace(timezone="Europe/Berlin", door_backend="simulated"))
    assert ctx.repo.get_setting(SETTINGS_KEY, {})["threshold_mode"] == "calibrated"
    return path


def _cli(db, *args) -> int:
    return main(["--provider", "cpu", "--db", str(db), *args])


@pytest.mark.shared
@pytest.mark.slow
def test_enrol_identify_video_and_export(db, faces_dir, tmp_path, capsys):
    ex = faces_dir / "face_recognition_examples"
    assert _cli(db, "enroll", "--consent", "--name", "Lin-Manuel Miranda", "--number", "1001",
                "--department", "Cast", str(ex / "lin_manuel_miranda" / "lin-manuel-miranda.png")) == 0
    assert _cli(db, "enroll", "--consent", "--name", "Alex Lacamoire", "--number", "1002",
                "--department", "Band", *map(str, sorted((ex / "alex_lacamoire").iterdir()))) == 0
    assert _cli(db, "enroll", "--consent", "--name", "基特·哈灵顿", "--number", "=1003",
                *map(str, sorted((ex / "kit_harington").iterdir()))) == 0  # never in the clip
    # the same person again under another name is refused, nothing written
    assert _cli(db, "enroll", "--consent", "--name", "Alex Again", "--number", "2000",
                str(ex / "alex_lacamoire" / "img1.jpg")) != 0
    assert "already enrolled as Alex Lacamoire" in capsys.readouterr().err
    capsys.readouterr()

    ctx = build_context(db)
    always = ctx.repo.create_access_group("Always", {d: ["00:00-24:00"] for d in
                                                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, actor="t")
    for number in ("1001", "1002"):
        ctx.repo.set_employee_access_groups(ctx.repo.find_employee(number).id, [always.id], actor="t")
    ctx.close()

    assert _cli(db, "identify", str(faces_dir / "video" / "short_hamilton_clip.mp4"),
                "--start", "2026-11-23T08:59:00+01:00") == 0
    out = capsys.readouterr().out
    print(out)
    assert "275 frame(s) processed" in out

    ctx = build_context(db)
    events = ctx.repo.events(None, None)
    by_person = sorted((e.employee_name, e.kind) for e in events)
    # Lin exactly once; Alex (small and brief behind the piano) at most once; nobody else
    assert by_person in ([("Alex Lacamoire", "in"), ("Lin-Manuel Miranda", "in")], [("Lin-Manuel Miranda", "in")])
    assert all(e.source == "cli:short_hamilton_clip.mp4" for e in events)
    hi = ctx.operating_point().threshold  # the database's encoder (MobileFaceNet: a new database)
    assert all(e.score <= hi for e in events)
    assert ctx.repo.find_employee("2000") is None
    # door access: every decision logged; Lin turns his head on stage and is let in, the
    # audience are denied as unknown; nobody unknown is ever granted
    log = ctx.repo.access_log(None, None)
    lin = ctx.repo.find_employee("1001").id
    assert any(a.granted and a.employee_id == lin for a in log)
    assert all(a.reason == "unknown" and not a.granted for a in log if a.employee_id is None)
    assert any(a.employee_id is None for a in log)

    out_csv = tmp_path / "out.csv"
    assert _cli(db, "export-csv", "--from", "2026-11-23", "--to", "2026-11-23", "--out", str(out_csv)) == 0
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with open(out_csv, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["id", "timestamp", "date", "employee_number", "employee_name", "department", "kind"]
    assert sorted((r[4], r[6]) for r in body) == by_person
    assert all(r[1].startswith("2026-11-23T08:59") and r[1].endswith("+01:00") for r in body)

    summary_csv = tmp_path / "summary.csv"
    assert _cli(db, "export-csv", "--summary", "--from", "2026-11-23", "--to", "2026-11-23",
                "--out", str(summary_csv)) == 0
    with open(summary_csv, newline="", encoding="utf-8-sig") as fh:
        srows = list(csv.DictReader(fh))
    assert sorted(r["employee_name"] for r in srows) == [name for name, _ in by_person]

    # an empty day exports a header only; a day filter excludes everything else
    assert _cli(db, "export-csv", "--from", "2026-11-24", "--to", "2026-11-24", "--out", str(out_csv)) == 0
    with open(out_csv, newline="", encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 1


@pytest.mark.shared
def test_formula_like_employee_fields_are_neutralised_in_csv(tmp_path, faces_dir, capsys):
    db = tmp_path / "f.db"
    ex = faces_dir / "face_recognition_examples"
    assert _cli(db, "enroll", "--consent", "--name", "=HYPERLINK(\"x\")", "--number", "+1",
                str(ex / "lin_manuel_miranda" / "lin-manuel-miranda.png")) == 0
    assert _cli(db, "identify", str(ex / "lin_manuel_miranda" / "lin-manuel-miranda.png"),
                "--start", "2026-11-23T09:00:00+00:00") == 0
    out = tmp_path / "f.csv"
    assert _cli(db, "export-csv", "--out", str(out)) == 0
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    assert rows[0]["employee_name"] == "'=HYPERLINK(\"x\")" and rows[0]["employee_number"] == "'+1"

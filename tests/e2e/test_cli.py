"""The CLI end to end: real models, real photos, exit codes a script can rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from faceapp.cli import EXIT_CHECK, EXIT_INPUT, EXIT_MODEL, EXIT_NOFACE, main


def _save(path, rgb):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return str(path)


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut, grace_hopper):
    d = tmp_path_factory.mktemp("photos")
    brighter = cv2.convertScaleAbs(cv2.resize(astronaut, (400, 400)), alpha=1.15, beta=10)
    return {
        "astronaut": _save(d / "astronaut.png", astronaut),
        "astronaut_small": _save(d / "astronaut_small.jpg", brighter),
        "hopper": _save(d / "hopper.jpg", grace_hopper),
        "blank": _save(d / "blank.png", np.full((300, 300, 3), 128, np.uint8)),
        "corrupt": str(d / "corrupt.jpg"),
    }


@pytest.fixture(scope="module", autouse=True)
def _corrupt(photos):
    with open(photos["corrupt"], "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0garbage")


def test_detect_reports_one_face_with_quality(photos, capsys):
    assert main(["--provider", "cpu", "detect", "--json", photos["astronaut"], photos["hopper"]]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [len(r["faces"]) for r in rows] == [1, 1]
    face = rows[0]["faces"][0]
    x1, y1, x2, y2 = face["box"]
    assert 150 < (x1 + x2) / 2 < 260 and 50 < (y1 + y2) / 2 < 150  # astronaut's face, upper middle
    assert face["score"] > 0.9 and face["size_px"] > 60 and face["eye_distance_px"] > 20
    assert abs(face["roll_deg"]) < 20 and face["blur"] > 0


def test_detect_continues_past_unreadable_file_and_exits_3(photos, capsys):
    code = main(["--provider", "cpu", "detect", photos["corrupt"], photos["astronaut"]])
    out, err = capsys.readouterr()
    assert code == EXIT_INPUT
    assert "corrupt.jpg: not a readable image" in err
    assert "astronaut.png: 1 face(s)" in out


def test_compare_same_and_different(photos, capsys):
    assert main(["--provider", "cpu", "compare", "--json", photos["astronaut"], photos["astronaut_small"]]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["same"] and same["distance"] < 0.3
    assert main(["--provider", "cpu", "compare", "--json", photos["astronaut"], photos["hopper"]]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert not diff["same"] and diff["distance"] > 0.6


def test_compare_without_face_or_file(photos, capsys):
    assert main(["--provider", "cpu", "compare", photos["astronaut"], photos["blank"]]) == EXIT_NOFACE
    assert "blank.png: no face found" in capsys.readouterr().err
    assert main(["--provider", "cpu", "compare", photos["astronaut"], "/nonexistent/x.jpg"]) == EXIT_INPUT
    assert "no such file" in capsys.readouterr().err


def test_wrong_models_dir_is_a_model_error(tmp_path, photos, capsys):
    assert main(["--models-dir", str(tmp_path), "detect", photos["astronaut"]]) == EXIT_MODEL
    assert "manifest not found" in capsys.readouterr().err


def test_doctor_lists_versions_models_and_provider(capsys):
    from faceapp.shared.paths import models_dir

    assert main(["--provider", "cpu", "doctor", "--json", "--no-cameras"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["provider_in_use"] == "CPU"
    assert all(m["status"] == "ok" for m in rep["models"].values())
    manifest = json.loads((models_dir() / "manifest.json").read_text())["models"]
    assert set(rep["models"]) == set(manifest) and len(manifest) == 8  # two encoder packs, two passive-liveness nets


def test_doctor_flags_a_damaged_model(tmp_path, capsys):
    from faceapp.shared.paths import models_dir

    src = models_dir()
    for f in src.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    enc = json.loads((src / "manifest.json").read_text())["models"]["encoder"]["file"]
    with open(tmp_path / enc, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    assert main(["--models-dir", str(tmp_path), "doctor", "--no-cameras"]) == EXIT_CHECK
    out = capsys.readouterr().out
    assert "sha256 expected" in out and "PROBLEMS FOUND" in out


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "faceapp", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("faceapp ")


def test_doctor_reports_templates_of_another_model(tmp_path, photos, capsys):
    db = tmp_path / "d.db"
    assert main(["--provider", "cpu", "--db", str(db), "enroll", "--consent", "--name", "A", "--number", "1",
                 photos["astronaut"]]) == 0
    from faceapp.app import build_context

    ctx = build_context(db)
    # A has this model's template too (as after `templates rebuild`): not a reason to re-enrol
    ctx.repo.add_templates(ctx.repo.find_employee("1").id, np.ones((1, 128), np.float32), [1.0], "old_model@000000000000")
    capsys.readouterr()
    assert main(["--provider", "cpu", "--db", str(db), "doctor", "--no-cameras"]) == 0
    assert "only: re-enrol" not in capsys.readouterr().out
    b = ctx.repo.enrol("2", "B", "", datetime.now(timezone.utc), np.ones((1, 128), np.float32), [1.0],
                       "old_model@000000000000")  # B only has the old model's template
    assert b.id
    assert main(["--provider", "cpu", "--db", str(db), "doctor", "--no-cameras"]) == EXIT_CHECK
    out = capsys.readouterr().out
    assert "1 person has templates of model old_model@000000000000 only: re-enrol that person" in out


def test_employees_list_deactivate_delete(tmp_path, photos, capsys):
    db = tmp_path / "e.db"
    run = lambda *a: main(["--provider", "cpu", "--db", str(db), *a])  # noqa: E731
    assert run("enroll", "--name", "A", "--number", "1", photos["astronaut"]) == 2  # no --consent
    assert run("enroll", "--consent", "--name", "A", "--number", "1", photos["corrupt"]) == EXIT_INPUT
    assert run("enroll", "--consent", "--name", "A", "--number", "1", photos["blank"]) == EXIT_NOFACE
    assert run("enroll", "--consent", "--name", "Eileen", "--number", "1", photos["astronaut"]) == 0
    assert run("enroll", "--consent", "--name", "Grace", "--number", "1", photos["hopper"]) == EXIT_CHECK
    assert "employee number 1 is already" in capsys.readouterr().err.replace("'", "")
    assert run("employees", "deactivate", "1") == 0
    capsys.readouterr()
    assert run("employees") == 0
    line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("1 ")][0]
    assert "Eileen" in line and " no " in line
    assert run("employees", "delete", "1") == 0
    assert run("employees", "delete", "1") == EXIT_CHECK
    assert "no employee with number" in capsys.readouterr().err


def test_self_test_passes_and_fails_on_damaged_models(tmp_path, capsys):
    assert main(["--provider", "cpu", "--self-test"]) == 0
    assert "SELF-TEST PASSED" in capsys.readouterr().out
    from faceapp.shared.paths import models_dir

    for f in models_dir().iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    with open(tmp_path / "mtcnn_pnet.onnx", "r+b") as fh:
        fh.seek(500)
        fh.write(b"\xff" * 8)
    assert main(["--provider", "cpu", "--models-dir", str(tmp_path), "--self-test"]) == EXIT_CHECK
    assert "SELF-TEST FAILED" in capsys.readouterr().err


def test_self_test_fails_when_the_desktop_files_are_missing(tmp_path, monkeypatch, capsys):
    from faceapp.shared import paths

    real = paths.resources_dir()
    fake = tmp_path / "resources"
    (fake / "selftest").mkdir(parents=True)
    for f in (real / "selftest").iterdir():
        (fake / "selftest" / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(paths, "resources_dir", lambda: fake)  # a build that lost translations and icons
    assert main(["--provider", "cpu", "--self-test"]) == EXIT_CHECK
    out = capsys.readouterr().out
    assert "[FAIL] desktop toolkit: translation faceapp_zh_CN.qm not found" in out
    assert "SELF-TEST FAILED" in out


def test_access_groups_assign_log_and_erase(tmp_path, photos, capsys):
    db = tmp_path / "a.db"
    run = lambda *a: main(["--provider", "cpu", "--db", str(db), *a])  # noqa: E731
    assert run("enroll", "--consent", "--name", "Eileen", "--number", "7", photos["astronaut"]) == 0
    assert run("access", "add-group", "Office", "--schedule", '{"mon": ["08:00-18:00"], "sat": ["22:00-06:00"]}') == 0
    bad = '{"mon": ["25:00-26:00"]}'
    assert run("access", "add-group", "Bad", "--schedule", bad) == 2  # a usage error, as documented
    assert run("access", "add-group", "Always", "--schedule", "always") == 0
    assert run("access", "assign", "7", "always") == 0
    assert "Eileen (no. 7): Always" in capsys.readouterr().out
    assert run("access", "assign", "7", "Nope") == EXIT_CHECK
    assert run("access", "groups") == 0
    out = capsys.readouterr().out
    assert "Office:" in out and "Always:" in out and "(1 member(s))" in out
    from faceapp.app import build_context

    ctx = build_context(db)  # a door: without one there are no access decisions
    ctx.save_settings(ctx.settings.replace(door_backend="simulated"))
    ctx.close()
    assert run("identify", photos["astronaut"], "--start", "2026-11-23T09:00:00+00:00") == 0
    capsys.readouterr()
    assert run("access", "log") == 0
    assert "Eileen (no. 7)" in capsys.readouterr().out  # a still photo: denied, liveness failed
    assert run("employees", "erase", "7") == 0
    out = capsys.readouterr().out
    assert "1 template(s) removed, 1 attendance" in out
    assert run("employees") == 0
    assert "Eileen" not in capsys.readouterr().out


def test_bench_prints_stages_search_and_memory(photos, tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["--provider", "cpu", "bench", photos["astronaut"], "--frames", "3", "--group", photos["hopper"],
                 "--gallery", "1000,5000", "--batch", "1,4", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "detect" in text and "match" in text and "1:N search" in text and "peak memory" in text
    assert "embedding batch   4" in text
    rep = json.loads(out.read_text())
    assert rep["faces_per_frame"] == 1 and set(rep["search_ms"]) == {"1000", "5000"}
    assert rep["ms"]["total"]["median"] >= rep["ms"]["detect"]["median"] > 0
    assert rep["start_to_first_result_s"] > 0 and rep["group"]["faces"] == 1
    assert set(rep["embed_batch"]) == {"1", "4"} and rep["embed_batch"]["4"]["faces_per_s"] > 0


def test_summary_export_after_deleting_an_employee_with_history(tmp_path, capsys):
    """Issue 13 item 4: `export-csv --summary` raised TypeError once a deleted employee had events."""
    import csv
    from datetime import datetime, timezone

    from faceapp.app import build_context
    from faceapp.shared.records import AttendanceEvent

    db = tmp_path / "history.db"
    ctx = build_context(db)
    emb = np.random.default_rng(1).standard_normal((2, 128)).astype(np.float32)
    gone = ctx.repo.enrol("0042", "Gone Person", "Ops", datetime.now(timezone.utc), emb[:1], [1.0], "m")
    kept = ctx.repo.enrol("0043", "Kept Person", "Ops", datetime.now(timezone.utc), emb[1:], [1.0], "m")
    for emp in (gone, kept):
        ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime(2026, 6, 1, 7, tzinfo=timezone.utc), "in"))
        ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime(2026, 6, 1, 15, tzinfo=timezone.utc), "out"))
    ctx.employees().delete(gone.id)
    ctx.close()
    out = tmp_path / "summary.csv"
    code = main(["--db", str(db), "export-csv", "--summary", "--from", "2026-06-01", "--to", "2026-06-01",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    with open(out, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["employee_number"], r["events"]) for r in rows] == [("0043", "2"), ("", "2")]
    assert rows[0]["worked"] == "8:00:00" and rows[1]["worked"] == "" and rows[1]["worked_hours"] == ""


def test_a_missing_database_used_before_stops_the_cli_until_new_db(tmp_path, capsys):
    """Issue 13 item 6: on restart an empty database was created silently."""
    from faceapp.cli import EXIT_DATABASE_MISSING

    db = tmp_path / "site.db"
    assert main(["--db", str(db), "employees"]) == 0
    for f in tmp_path.glob("site.db*"):
        f.unlink()
    capsys.readouterr()
    assert main(["--db", str(db), "employees"]) == EXIT_DATABASE_MISSING
    err = capsys.readouterr().err
    assert err.startswith("error: the attendance database") and "--new-db" in err and "Traceback" not in err
    assert not db.exists()
    assert main(["--db", str(db), "--new-db", "employees"]) == 0
    assert db.exists()


def test_export_refuses_a_from_day_after_the_to_day(tmp_path, capsys):
    db, out = tmp_path / "range.db", tmp_path / "x.csv"
    assert main(["--db", str(db), "export-csv", "--from", "2026-06-05", "--to", "2026-06-01", "--out", str(out)]) == 2
    assert "--from 2026-06-05 is after --to 2026-06-01" in capsys.readouterr().err and not out.exists()
    assert main(["--db", str(db), "export-csv", "--from", "5.6.2026", "--out", str(out)]) == 2
    assert "--from 5.6.2026: not a date, use YYYY-MM-DD" in capsys.readouterr().err


def test_export_csv_excel_layout(tmp_path, capsys):
    """Issue 13 item 16: an Excel-friendly layout from the CLI as well."""
    import csv
    from datetime import datetime, timezone

    from faceapp.app import build_context
    from faceapp.shared.records import AttendanceEvent

    db = tmp_path / "excel.db"
    ctx = build_context(db)
    emb = np.random.default_rng(2).standard_normal((1, 128)).astype(np.float32)
    emp = ctx.repo.enrol("0042", "Ana", "Ops", datetime.now(timezone.utc), emb, [1.0], "m")
    ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime(2026, 6, 1, 7, 5, tzinfo=timezone.utc), "in"))
    ctx.save_settings(ctx.settings.replace(timezone="Europe/Berlin"))
    ctx.close()
    out = tmp_path / "e.csv"
    assert main(["--db", str(db), "export-csv", "--layout", "excel", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    assert (row["date"], row["time"], row["employee_number"]) == ("2026-06-01", "09:05:00", '="0042"')
    assert row["timestamp"] == "2026-06-01T09:05:00+02:00"

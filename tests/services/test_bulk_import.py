"""Bulk import from a CSV list of photos, with the real engine on packaged photos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import cv2
import pytest

from faceapp.app import build_context
from faceapp.services.bulk_import import BulkImporter, read_people_csv
from faceapp.services.enrolment import EnrolmentError
from faceapp.shared.errors import InputFileError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture()
def photos(tmp_path, astronaut, grace_hopper):
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "eileen.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(folder / "eileen2.jpg"), cv2.cvtColor(cv2.convertScaleAbs(astronaut, alpha=1.1, beta=5),
                                                          cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(folder / "grace.jpg"), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xffnot a jpeg")
    return folder


def write_csv(path, rows, bom=True) -> None:
    text = "number,name,department,photo\n" + "\n".join(",".join(r) for r in rows) + "\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")


def test_people_are_grouped_paths_resolved_and_bad_rows_named(tmp_path, photos):
    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, [("7", "Eileen Collins", "Flight", "photos/eileen.png"),
                         ("7", "Eileen Collins", "", "photos/eileen2.jpg"),
                         ("8", "", "", "photos/grace.jpg"),
                         ("9", "A", "", "x.jpg"), ("9", "B", "", "y.jpg"),
                         ("", "", "", "")])
    people = read_people_csv(csv_path)
    assert [(p.number, p.name, p.department, len(p.photos), p.problem) for p in people] == [
        ("7", "Eileen Collins", "Flight", 2, ""), ("8", "", "", 1, "no name given"),
        ("9", "A", "", 2, "rows disagree on the name (A, B)")]
    assert people[0].photos[0] == photos / "eileen.png" and people[0].line == 2
    with pytest.raises(InputFileError, match="missing: department, photo"):
        (tmp_path / "bad.csv").write_text("number,name\n1,x\n", encoding="utf-8")
        read_people_csv(tmp_path / "bad.csv")
    with pytest.raises(InputFileError, match="no such file"):
        read_people_csv(tmp_path / "nope.csv")


def test_each_person_is_one_transaction_with_gates_and_duplicate_check(tmp_path, photos):
    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, [("7", "Eileen Collins", "Flight", "photos/eileen.png"),
                         ("7", "Eileen Collins", "Flight", "photos/eileen2.jpg"),
                         ("8", "Grace Hopper", "Navy", str(photos / "grace.jpg")),
                         ("9", "E. Collins", "", "photos/eileen2.jpg"),  # the same face again
                         ("10", "Nobody", "", "photos/broken.jpg"),
                         ("7", "Eileen Collins", "Flight", "photos/eileen.png")], bom=False)
    ctx = build_context(tmp_path / "i.db", provider="cpu")
    seen = []
    report = BulkImporter(ctx.enrolment()).run(read_people_csv(csv_path), NOW, actor="test",
                                               progress=lambda d, t, o: seen.append((d, t, o.number)))
    by = {o.number: o for o in report.outcomes}
    assert by["7"].imported and by["7"].samples == 2 and by["8"].imported  # eileen.png listed twice counts once
    assert not by["9"].imported and "already enrolled as Eileen Collins" in by["9"].reason
    assert not by["10"].imported and "not a readable image" in by["10"].reason
    assert (report.imported, report.refused, report.photos) == (2, 2, 5)  # the repeated file is read once
    assert seen == [(1, 4, "7"), (2, 4, "8"), (3, 4, "9"), (4, 4, "10")]
    assert sorted(e.number for e in ctx.employees().list()) == ["7", "8"]
    assert ctx.repo.template_counts() == {by["7"].employee_id: 2, by["8"].employee_id: 1}
    again = BulkImporter(ctx.enrolment()).run(read_people_csv(csv_path)[:1], NOW)  # number taken: nothing written
    assert not again.outcomes[0].imported and ctx.repo.template_counts()[by["7"].employee_id] == 2
    ctx.close()


# -- the database is never read as a photo (issue 18, major 1) ----------------------------

# Tries, from another process, to take the write lock on the byte of `faceapp.db-shm` that
# every open SQLite connection holds a shared lock on (the "DMS" byte, offset 128): "held"
# while this process's locks are intact, "free" once they were dropped by opening and
# closing the file anywhere in the process (POSIX locks; sqlite.org/howtocorrupt.html 2.2).
LOCK_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    print("free")
except OSError:
    print("held")
"""


def sqlite_locks(db) -> str:
    res = subprocess.run([sys.executable, "-c", LOCK_PROBE, f"{db}-shm"], capture_output=True, text=True,
                         timeout=60)
    return res.stdout.strip()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")
def test_a_photo_that_is_the_database_is_refused_unopened_and_sqlite_keeps_its_locks(tmp_path, photos):
    db = tmp_path / "life.db"
    ctx = build_context(db, provider="cpu")
    assert sqlite_locks(db) == "held"
    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, [("1", "Wal", "", f"{db}-wal"), ("2", "Shm", "", f"{db}-shm"), ("3", "Db", "", str(db)),
                         ("4", "Grace Hopper", "", "photos/grace.jpg")])
    report = BulkImporter(ctx.enrolment()).run(read_people_csv(csv_path), NOW)
    assert sqlite_locks(db) == "held"  # nothing opened the database's files
    by = {o.number: o for o in report.outcomes}
    for number in "123":
        assert not by[number].imported and "is the attendance database" in by[number].reason, by[number]
    assert by["4"].imported
    ctx.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX advisory locks")
def test_every_reader_of_a_user_named_file_refuses_the_database(tmp_path):
    from faceapp.hardware.capture import open_capture
    from faceapp.vision.imageio import read_photo

    db = tmp_path / "life.db"
    ctx = build_context(db, provider="cpu")
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        for read in (read_photo, read_people_csv, open_capture, lambda p: ctx.enrolment().check_photos([p])):
            try:
                result = read(str(path))
            except InputFileError as exc:
                assert "is the attendance database" in str(exc)
            else:
                assert "is the attendance database" in result[0].problems[0]
    assert sqlite_locks(db) == "held"
    ctx.close()


# -- the import list: one-line errors, every row accounted for (issue 18, minor) ---------

def test_semicolons_are_read_a_repeated_column_is_refused_and_a_row_without_number_is_refused(tmp_path, photos):
    semi = tmp_path / "excel.csv"
    semi.write_text("\ufeffnumber;name;department;photo\n7;Eileen Collins;Flight;photos/eileen.png\n"
                    ";Nobody;;photos/grace.jpg\n;;;\n", encoding="utf-8")
    people = read_people_csv(semi)
    assert [(p.number, p.name, p.line, p.problem) for p in people] == [
        ("7", "Eileen Collins", 2, ""), ("", "Nobody", 3, "no employee number (line 3)")]
    ctx = build_context(tmp_path / "s.db", provider="cpu")
    report = BulkImporter(ctx.enrolment()).run(people, NOW)
    assert (report.imported, report.refused) == (1, 1)  # the row without a number is said, not dropped
    assert "no employee number" in report.outcomes[1].reason
    ctx.close()
    twice = tmp_path / "twice.csv"
    twice.write_text("number,name,department,photo,number\n7,Ann,,a.jpg,8\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="the column 'number' appears 2 times in the header"):
        read_people_csv(twice)
    other = tmp_path / "other.csv"
    other.write_text("id;who\n1;x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="semicolons found: separate the columns with commas"):
        read_people_csv(other)


@pytest.mark.parametrize("size", [5000, 128 * 1024 + 10])
def test_a_huge_field_is_one_line_error(tmp_path, size):
    path = tmp_path / "long.csv"
    path.write_text("number,name,department,photo\n7,Ann," + "x" * size + ",a.jpg\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"long.csv, line 2: "):
        read_people_csv(path)


@pytest.mark.skipif(sys.platform == "win32", reason="/dev/zero and FIFOs")
def test_a_device_a_fifo_or_a_huge_file_is_not_read_as_a_list(tmp_path):
    with pytest.raises(InputFileError, match="not a regular file"):
        read_people_csv("/dev/zero")
    fifo = tmp_path / "list.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="not a regular file"):
        read_people_csv(fifo)  # would block forever waiting for a writer
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(100 * 2**20)  # sparse: no disk used
    with pytest.raises(InputFileError, match="larger than an import list can be"):
        read_people_csv(big)


def test_one_photo_repeated_does_not_make_the_minimum_of_samples(tmp_path, photos):
    shutil.copy(photos / "eileen.png", photos / "copy-of-eileen.png")  # same pixels, another file
    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, [("7", "Eileen Collins", "", "photos/eileen.png"),
                         ("7", "Eileen Collins", "", "photos/eileen.png"),
                         ("7", "Eileen Collins", "", "./photos/../photos/copy-of-eileen.png"),
                         ("8", "Grace Hopper", "", "photos/grace.jpg")])
    ctx = build_context(tmp_path / "m.db", provider="cpu")
    ctx.save_settings(ctx.settings.replace(enrol_min_samples=2))
    report = BulkImporter(ctx.enrolment()).run(read_people_csv(csv_path), NOW)
    eileen = report.outcomes[0]
    assert not eileen.imported and eileen.reason.startswith("1 usable photo(s) of 3"), eileen
    assert "the same photo as eileen.png" in eileen.reason
    assert ctx.employees().list() == []
    with pytest.raises(EnrolmentError, match="1 usable sample"):  # the service counts distinct samples too
        face = ctx.engine.analyze(cv2.imread(str(photos / "grace.jpg"))[:, :, ::-1].copy())[0]
        ctx.enrolment().enrol("9", "Grace Hopper", "", [face, face, face], consent_at=NOW)
    ctx.close()


def _lfw_rows(faces_dir, people: int, photos: int = 2) -> list[tuple[str, ...]]:
    rows = []
    for n, folder in enumerate(sorted((faces_dir / "lfw_scale" / "images").iterdir())[:people]):
        for photo in sorted(folder.iterdir())[:photos]:
            rows.append((str(100 + n), folder.name.replace("_", " "), "", str(photo)))
    return rows


def _children() -> list[str]:
    import multiprocessing

    return sorted(p.name for p in multiprocessing.active_children())


@pytest.mark.shared
def test_photos_are_judged_on_worker_processes_with_the_same_outcome_per_person(tmp_path, faces_dir, monkeypatch):
    """Issue 19: threads used 1.1 of 2 cores (the GIL). Batches are judged on worker
    processes, each with its own engine; the outcome per person (imported or why not,
    samples, the stored templates) is the one a single in-process worker gives, two
    processes did the work and none is left afterwards."""
    import numpy as np

    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, _lfw_rows(faces_dir, 14))
    monkeypatch.setattr("faceapp.vision.workers._HEAD_START", False)  # every photo on a worker
    monkeypatch.setattr("faceapp.services.bulk_import._BATCH_PHOTOS", 4)
    results = {}
    for workers in (1, 2):
        seen: set[str] = set()
        ctx = build_context(tmp_path / f"w{workers}.db", provider="cpu")
        report = BulkImporter(ctx.enrolment(), workers).run(read_people_csv(csv_path), NOW,
                                                            progress=lambda d, t, o: seen.update(_children()))
        ids, mat = ctx.repo.load_templates(ctx.engine.model_id)
        names = {e.id: e.number for e in ctx.repo.list_employees(active_only=False)}
        results[workers] = ([(o.number, o.imported, o.reason, o.samples) for o in report.outcomes],
                            sorted((names[i], row.tobytes()) for i, row in zip(ids, np.asarray(mat))), seen)
        ctx.close()
    assert results[1][0] == results[2][0] and results[1][1] == results[2][1]
    assert 8 <= sum(o[1] for o in results[1][0]) < 14  # most imported, some refused (the gates)
    assert results[1][2] == set() and results[2][2] == {"faceapp-import worker-1", "faceapp-import worker-2"}
    assert _children() == []


@pytest.mark.shared
def test_cancel_ends_the_workers_and_keeps_the_people_imported(tmp_path, faces_dir, monkeypatch):
    """Cancel (the dialog's button) stops the import after the person being saved: the
    workers are gone when run() returns, and everyone reported is in the database."""
    import threading

    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, _lfw_rows(faces_dir, 12))
    monkeypatch.setattr("faceapp.vision.workers._HEAD_START", False)  # every photo on a worker
    monkeypatch.setattr("faceapp.services.bulk_import._BATCH_PHOTOS", 1)
    cancel = threading.Event()
    ctx = build_context(tmp_path / "c.db", provider="cpu")
    report = BulkImporter(ctx.enrolment(), 2).run(read_people_csv(csv_path), NOW, cancel=cancel,
                                                  progress=lambda d, t, o: cancel.set() if d == 2 else None)
    assert report.cancelled and len(report.outcomes) == 2
    assert _children() == []
    assert len(ctx.employees().list()) == report.imported
    ctx.close()


@pytest.mark.shared
def test_a_worker_that_dies_stops_the_import_with_one_line_and_nothing_half_written(tmp_path, faces_dir,
                                                                                   monkeypatch):
    """A worker killed mid-import (out of memory, say): WorkerError names it in one line, the
    other worker ends too, and the database holds exactly the people reported before."""
    import multiprocessing
    import signal

    from faceapp.vision.workers import WorkerError

    csv_path = tmp_path / "people.csv"
    write_csv(csv_path, _lfw_rows(faces_dir, 12))
    monkeypatch.setattr("faceapp.vision.workers._HEAD_START", False)  # every photo on a worker
    monkeypatch.setattr("faceapp.services.bulk_import._BATCH_PHOTOS", 1)
    done = []

    def kill_one(d, t, o) -> None:  # noqa: ANN001
        done.append(o)
        if d == 1:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    ctx = build_context(tmp_path / "k.db", provider="cpu")
    with pytest.raises(WorkerError) as err:
        BulkImporter(ctx.enrolment(), 2).run(read_people_csv(csv_path), NOW, progress=kill_one)
    assert "\n" not in str(err.value) and "was killed by signal 9" in str(err.value), err.value
    assert _children() == []
    assert sorted(e.number for e in ctx.employees().list()) == sorted(o.number for o in done if o.imported)
    ctx.close()

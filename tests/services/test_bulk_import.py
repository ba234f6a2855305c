"""Bulk import from a CSV list of photos, with the real engine on packaged photos."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import pytest

from faceapp.app import build_context
from faceapp.services.bulk_import import BulkImporter, read_people_csv
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
    assert by["7"].imported and by["7"].samples == 3 and by["8"].imported
    assert not by["9"].imported and "already enrolled as Eileen Collins" in by["9"].reason
    assert not by["10"].imported and "not a readable image" in by["10"].reason
    assert (report.imported, report.refused, report.photos) == (2, 2, 6)
    assert seen == [(1, 4, "7"), (2, 4, "8"), (3, 4, "9"), (4, 4, "10")]
    assert sorted(e.number for e in ctx.employees().list()) == ["7", "8"]
    assert ctx.repo.template_counts() == {by["7"].employee_id: 3, by["8"].employee_id: 1}
    again = BulkImporter(ctx.enrolment()).run(read_people_csv(csv_path)[:1], NOW)  # number taken: nothing written
    assert not again.outcomes[0].imported and ctx.repo.template_counts()[by["7"].employee_id] == 3
    ctx.close()

import csv
import errno
import io
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from faceapp.attendance import csv_export as export
from faceapp.attendance.csv_export import (EVENT_COLUMNS, SUMMARY_COLUMNS, ExportError, neutralise, write_events_csv, write_summary_csv)
from faceapp.shared.records import AttendanceEvent, DailySummary

BER = ZoneInfo("Europe/Berlin")


def events() -> list[AttendanceEvent]:
    return [
        AttendanceEvent(1, datetime(2026, 6, 1, 8, 0, 5, tzinfo=BER), "in", "Front door", 0.41234, 0.2,
                        id=7, employee_number="E001", employee_name="王小明", department="研发"),
        AttendanceEvent(2, datetime(2026, 12, 1, 17, 30, tzinfo=BER), "out", "cli:a,b.jpg", float("nan"),
                        float("inf"), id=None, employee_number="=cmd|' /C calc'!A0",
                        employee_name='O"Brien, Pat', department="+SUM(1)"),
        AttendanceEvent(3, datetime(2026, 6, 1, 9, tzinfo=BER), "in", "line\nbreak", 0.3, 0.1,
                        employee_name="-2+3", department="@foo", employee_number="\tx"),
    ]


def read(path) -> tuple[bytes, list[list[str]]]:  # noqa: ANN001
    raw = open(path, "rb").read()
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return raw, list(csv.reader(fh))


def test_events_round_trip(tmp_path):
    p = tmp_path / "events.csv"
    assert write_events_csv(events(), p) == 3
    raw, rows = read(p)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert rows[0] == list(EVENT_COLUMNS)
    assert rows[1] == ["7", "2026-06-01T08:00:05+02:00", "2026-06-01", "E001", "王小明", "研发", "in",
                       "Front door", "0.4123", "0.2000"]
    assert rows[2] == ["", "2026-12-01T17:30:00+01:00", "2026-12-01", "'=cmd|' /C calc'!A0", 'O"Brien, Pat',
                       "'+SUM(1)", "out", "cli:a,b.jpg", "", ""]
    assert rows[3][3:8] == ["'\tx", "'-2+3", "'@foo", "in", "line\nbreak"]
    assert datetime.fromisoformat(rows[1][1]) == events()[0].ts


def test_crlf_line_ends_and_minimal_quoting(tmp_path):
    p = tmp_path / "e.csv"
    write_events_csv(events()[:2], p)
    raw = open(p, "rb").read()[3:]
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 4  # header + 2 rows, every line CRLF-terminated
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b'"O""Brien, Pat"' in raw  # quoted because of the comma and the quote
    assert b'"Front door"' not in raw  # no quoting where not needed


def test_timestamps_converted_to_site_zone_on_request(tmp_path):
    p = tmp_path / "e.csv"
    write_events_csv(events()[:1], p, tz=ZoneInfo("UTC"))
    assert read(p)[1][1][1:3] == ["2026-06-01T06:00:05+00:00", "2026-06-01"]
    naive = AttendanceEvent(1, datetime(2026, 6, 1), "in")
    with pytest.raises(ValueError, match="time zone"):
        write_events_csv([naive], p)
    assert read(p)[1][1][1] == "2026-06-01T06:00:05+00:00"  # the failed export changed nothing


def test_summary_round_trip(tmp_path):
    s = [
        DailySummary(1, "E001", "王小明", "研发", date(2026, 10, 25),
                     datetime(2026, 10, 25, 1, 30, tzinfo=BER), datetime(2026, 10, 25, 3, 30, tzinfo=BER),
                     timedelta(hours=3), 2),
        DailySummary(2, "E002", "=HYPERLINK()", "", date(2026, 10, 25), None,
                     datetime(2026, 10, 25, 0, 10, tzinfo=BER), timedelta(0), 1),
        DailySummary(3, "E003", "Long", "", date(2026, 10, 26), datetime(2026, 10, 26, 8, tzinfo=BER),
                     None, timedelta(hours=10, minutes=5, seconds=7), 1),
    ]
    p = tmp_path / "sum.csv"
    assert write_summary_csv(s, p) == 3
    raw, rows = read(p)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == list(SUMMARY_COLUMNS)
    assert rows[1] == ["2026-10-25", "E001", "王小明", "研发", "2026-10-25T01:30:00+02:00",
                       "2026-10-25T03:30:00+01:00", "3:00:00", "3.00", "2"]
    assert rows[2][2] == "'=HYPERLINK()" and rows[2][4] == ""
    assert rows[3][6:8] == ["10:05:07", "10.09"]


def test_open_handles_text_and_binary():
    text = io.StringIO(newline="")
    write_events_csv(events()[:1], text)
    assert text.getvalue().startswith("\ufeffid,timestamp")
    binary = io.BytesIO()
    write_summary_csv([], binary)
    assert not binary.closed
    assert binary.getvalue() == b"\xef\xbb\xbf" + ",".join(SUMMARY_COLUMNS).encode() + b"\r\n"


def test_neutralise():
    for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert neutralise(bad) == "'" + bad
    for ok in ["Ana", "1-2", "", "a=b"]:
        assert neutralise(ok) == ok


def test_full_disk_leaves_no_file_and_raises_clearly(tmp_path, monkeypatch):
    p = tmp_path / "events.csv"

    def no_space(fd):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export.os, "fsync", no_space)
    with pytest.raises(ExportError, match="No space left"):
        write_events_csv(events(), p)
    assert list(tmp_path.iterdir()) == []  # neither the target nor a temp file


def test_failed_export_keeps_the_previous_file(tmp_path, monkeypatch):
    p = tmp_path / "events.csv"
    write_events_csv(events()[:1], p)
    before = p.read_bytes()

    def locked(src, dst):  # noqa: ANN001, ANN202
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(export.os, "replace", locked)
    with pytest.raises(ExportError, match="open in another program"):
        write_events_csv(events(), p)
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["events.csv"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="cannot write"):
        write_summary_csv([], tmp_path / "nope" / "s.csv")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("umask,expected", [(0o077, 0o600), (0o022, 0o644), (0o027, 0o640)])
def test_a_new_export_gets_the_mode_the_umask_asks_for(tmp_path, umask, expected):
    """Payroll data: under umask 077 the export must not be readable by others (it was
    forced to 0644)."""
    old = os.umask(umask)
    try:
        write_events_csv(events(), tmp_path / "e.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "e.csv").stat().st_mode & 0o777 == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_an_export_over_an_existing_file_keeps_its_mode(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("old")
    os.chmod(p, 0o640)
    write_events_csv(events(), p)
    assert p.stat().st_mode & 0o777 == 0o640 and p.read_text(encoding="utf-8-sig").startswith("id,")


def test_control_characters_never_reach_the_csv(tmp_path):
    """Rows written before names were checked (or by another tool) may hold NUL or ESC:
    the export writes U+FFFD instead, so spreadsheets and payroll parsers read the file."""
    ev = AttendanceEvent(1, datetime(2026, 6, 1, 8, tzinfo=BER), "in", "cam\x00", 0.4, 0.1, id=1,
                         employee_number="E\x001", employee_name="Ana\x1b[31m", department="R&D\x07")
    p = tmp_path / "c.csv"
    write_events_csv([ev], p)
    raw, rows = read(p)
    assert not any(b in raw for b in (b"\x00", b"\x1b", b"\x07"))
    assert rows[1][3:6] == ["E\ufffd1", "Ana\ufffd[31m", "R&D\ufffd"]


def test_excel_layout_has_local_date_and_time_columns_and_keeps_numbers_as_text(tmp_path):
    """Issue 13 item 16: in Excel first_in/last_out and timestamps were text, and "0042" lost
    its zeros. The ISO layout stays as it is for programs; the Excel layout adds what Excel
    reads as dates and times, writes identifiers as text formulas, and keeps the ISO column."""
    from faceapp.attendance.csv_export import EXCEL_EVENT_COLUMNS

    ev = AttendanceEvent(1, datetime(2026, 6, 1, 8, 0, 5, tzinfo=BER), "in", "Front door", 0.41234, 0.2,
                         id=7, employee_number="0042", employee_name="王小明", department="=evil()")
    p = tmp_path / "excel.csv"
    assert write_events_csv([ev, events()[1]], p, tz=BER, layout="excel") == 2
    raw, rows = read(p)
    assert rows[0] == list(EXCEL_EVENT_COLUMNS)
    row = dict(zip(rows[0], rows[1]))
    assert (row["date"], row["time"]) == ("2026-06-01", "08:00:05")
    assert row["employee_number"] == '="0042"'  # Excel shows the text 0042
    assert row["department"] == "'=evil()"  # data is still never run as a formula
    assert row["timestamp"] == "2026-06-01T08:00:05+02:00"  # the ISO column for machines
    row2 = dict(zip(rows[0], rows[2]))
    assert row2["employee_number"] == "'=cmd|' /C calc'!A0"  # only plain identifiers become ="..."
    iso = tmp_path / "iso.csv"
    write_events_csv([ev], iso, tz=BER)
    assert read(iso)[1][0] == list(EVENT_COLUMNS) and read(iso)[1][1][3] == "0042"  # unchanged


def test_excel_layout_of_the_summary(tmp_path):
    from faceapp.attendance.csv_export import EXCEL_SUMMARY_COLUMNS

    s = DailySummary(1, "0042", "Ana", "Ops", date(2026, 10, 25), datetime(2026, 10, 25, 7, 30, tzinfo=BER),
                     datetime(2026, 10, 25, 16, 45, tzinfo=BER), timedelta(hours=9, minutes=15), 2)
    p = tmp_path / "sum.csv"
    write_summary_csv([s], p, layout="excel")
    _, rows = read(p)
    row = dict(zip(rows[0], rows[1]))
    assert rows[0] == list(EXCEL_SUMMARY_COLUMNS)
    assert (row["date"], row["employee_number"], row["first_in"], row["last_out"]) == (
        "2026-10-25", '="0042"', "07:30:00", "16:45:00")
    assert (row["worked"], row["worked_hours"], row["events"]) == ("9:15:00", "9.25", "2")
    assert row["first_in_timestamp"] == "2026-10-25T07:30:00+01:00"  # the day DST ends
    with pytest.raises(ValueError, match="layout"):
        write_summary_csv([s], p, layout="xlsx")

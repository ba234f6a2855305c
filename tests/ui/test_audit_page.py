"""The audit-log viewer (issue 21): read-only table, filters by action, person, admin and date,
CSV export with formula-looking cells neutralised."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone

import numpy as np
from PySide6.QtWidgets import QAbstractItemView

from faceapp.services.audit import AuditFilter
from faceapp.ui.audit_page import AuditPage


def _fill(ctx):
    emb = np.zeros((1, 128), np.float32)
    emb[0, 0] = 1.0
    ana = ctx.repo.enrol("1042", "Ana Silva", "Front", datetime.now(timezone.utc), emb, [1.0], "m", actor="admin:lee")
    ctx.repo.enrol("7", "Bo Chen", "", datetime.now(timezone.utc), emb, [1.0], "m", actor="admin:kim")
    ctx.repo.audit("=HYPERLINK(\"http://x\")", "settings.update", {"cooldown_s": 30})
    return ana


def _page(ctx, qtbot) -> AuditPage:
    page = AuditPage(ctx)
    qtbot.addWidget(page)
    page.load_choices()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.refresh()
    return page


def _apply(page, qtbot, **kw) -> list[str]:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        for name, value in kw.items():
            if name in ("action", "actor"):
                combo = getattr(page, name)
                combo.setCurrentIndex(combo.findData(value))
            elif name == "person":
                page.person.setText(value)
                page.person.editingFinished.emit()
            elif name == "dates":
                page.use_dates.setChecked(False)  # no query with From after To on the way
                page.first.setDate(value[0])
                page.last.setDate(value[1])
                page.use_dates.setChecked(True)
    return [page.table.item(r, 2).text() for r in range(page.table.rowCount())]


def test_filters_by_action_person_admin_and_date(ctx, qtbot):
    _fill(ctx)
    page = _page(ctx, qtbot)
    qtbot.waitUntil(lambda: page.action.count() > 2)
    assert page.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers  # read-only
    everything = page.table.rowCount()
    assert everything >= 3
    assert set(_apply(page, qtbot, action="employee.enrol")) == {"employee.enrol"}
    assert page.table.rowCount() == 2
    rows = _apply(page, qtbot, person="ana")  # a part of the name, any case
    assert rows == ["employee.enrol"] and page.table.item(0, 3).text() == "Ana Silva (1042)"
    assert _apply(page, qtbot, person="", actor="admin:kim") == ["employee.enrol"]
    assert page.table.item(0, 3).text() == "Bo Chen (7)" and "number=7" in page.table.item(0, 4).text()
    today = date.today()
    assert _apply(page, qtbot, actor="", action="", dates=(today - timedelta(days=3), today - timedelta(days=1))) == []
    assert len(_apply(page, qtbot, dates=(today, today))) == everything


def test_person_filter_finds_rows_that_name_only_the_employee_id(ctx):
    ana = _fill(ctx)
    ctx.repo.audit("admin:lee", "employee.update", {"employee_id": ana.id, "fields": ["department"]})
    found = ctx.audit().entries(AuditFilter(person="1042"))
    assert {e.action for e in found} == {"employee.enrol", "employee.update"}


def test_export_csv_neutralises_formulas(ctx, qtbot, tmp_path):
    _fill(ctx)
    page = _page(ctx, qtbot)
    out = tmp_path / "audit.csv"
    with qtbot.waitSignal(page.exported, timeout=5000) as sig:
        page.export(str(out))
    assert sig.args[0] == page.table.rowCount()
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["id", "timestamp", "actor", "action", "person", "details"]
    actors = [r[2] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in actors and not any(a.startswith("=") for a in actors)


def test_the_page_is_on_the_site_day_and_shows_rows_another_process_writes(ctx, window_factory, qtbot, tmp_path):
    """The date range is the site's (settings timezone), not the PC's; an admin action of another
    process (the CLI, another kiosk) appears without switching tabs (storage.watch.ChangeWatch)."""
    from zoneinfo import ZoneInfo

    from faceapp.storage.db import open_db
    from faceapp.storage.repository import Repository

    site = next(z for z in ("Etc/GMT+12", "Etc/GMT-14") if datetime.now(ZoneInfo(z)).date() != date.today())
    ctx.save_settings(ctx.settings.replace(timezone=site))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.audit_page
    assert page.last.date().toPython() == datetime.now(ZoneInfo(site)).date()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        w.tabs.setCurrentWidget(page)
    shown = page.table.rowCount()
    ctx.changes().poll()  # nothing new yet
    other = Repository(open_db(str(ctx.db_path)))
    try:
        other.audit("cli", "access.group.update", {"name": "Night"})
    finally:
        other.close()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        ctx.changes().poll()  # what the watcher's thread does every second
    assert page.table.rowCount() == shown + 1 and page.table.item(0, 2).text() == "access.group.update"

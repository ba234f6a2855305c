"""Employees page: search, edit, deactivate, delete (templates erased) through the real page."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox



def _enrol(ctx, number: str, name: str, dept: str) -> None:
    rng = np.random.default_rng(int(number))
    ctx.repo.enrol(number=number, name=name, department=dept, consent_at=datetime.now(timezone.utc),
                   embeddings=rng.normal(size=(2, 128)).astype(np.float32), qualities=[50.0, 50.0],
                   model_id="test-model", actor="test")


def test_search_edit_deactivate_delete(ctx, window_factory, qtbot, monkeypatch, tmp_path):
    _enrol(ctx, "7", "Ana Silva", "Front desk")
    _enrol(ctx, "8", "Bo Chen", "Kitchen")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    page.search.setText("kitchen")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 1).text() == "Bo Chen", timeout=5000)

    page.table.selectRow(0)
    _modal_box({}, lambda dlg: (dlg.name.setText("Bo Chen-Li"), dlg.accept()))  # OK saves, then closes
    page.edit_selected()
    assert ctx.repo.find_employee("8").name == "Bo Chen-Li"
    qtbot.waitUntil(lambda: page.table.item(0, 1) is not None and page.table.item(0, 1).text() == "Bo Chen-Li",
                    timeout=5000)
    page.table.selectRow(0)
    page.toggle_active()
    qtbot.waitUntil(lambda: not ctx.repo.find_employee("8").active, timeout=5000)  # written on a worker
    qtbot.waitUntil(lambda: page.table.item(0, 3).text() == "inactive", timeout=5000)

    page.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.delete_selected()
    assert ctx.repo.find_employee("8") is not None  # refused at the confirmation
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_selected()
    qtbot.waitUntil(lambda: ctx.repo.find_employee("8") is None, timeout=5000)
    assert ctx.repo.template_model_ids() == {"test-model": 2}  # only Ana's templates remain
    page.search.setText("")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)


def _modal_box(seen: dict, press, of_type: type | None = None) -> None:
    """Like a person: wait for the modal box (of_type: that kind of box), note what it shows,
    then `press` it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def look() -> None:
        box = QApplication.activeModalWidget()
        if box is None or (of_type is not None and not isinstance(box, of_type)):
            QTimer.singleShot(50, look)
            return
        seen.setdefault("boxes", []).append(box)
        seen["text"] = box.text() if isinstance(box, QMessageBox) else ""
        press(box)

    QTimer.singleShot(0, look)


def test_delete_confirmation_defaults_to_no(ctx, window_factory, qtbot, tmp_path):
    """Issue 13 item 13: the Delete confirmation defaulted to Yes (Enter deleted the person)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    _enrol(ctx, "9", "Cy Dee", "Ops")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    seen: dict = {}
    _modal_box(seen, lambda box: (seen.update(default=box.defaultButton() == box.button(
        QMessageBox.StandardButton.No)), QTest.keyClick(box, Qt.Key.Key_Return)))
    page.delete_selected()
    assert seen["default"], "the default button is not No"
    assert ctx.repo.find_employee("9") is not None  # Enter kept the employee


def _when(cond, then, every_ms: int = 50) -> None:
    from PySide6.QtCore import QTimer

    def poll() -> None:
        if cond():
            then()
        else:
            QTimer.singleShot(every_ms, poll)

    QTimer.singleShot(every_ms, poll)


def test_an_edit_that_fails_keeps_the_dialog_and_the_edits(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """Issue 13 item 13: an error in Edit employee closed the dialog and lost the edits."""

    def yes_but_taken_meanwhile(*_a, **_k):  # "change the number?" - while another PC enrols with it
        _enrol(ctx, "11", "Ed Fox", "Ops")
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes_but_taken_meanwhile)
    _enrol(ctx, "10", "Di Eve", "Ops")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)  # Di Eve
    seen: dict = {}

    def edit(dlg) -> None:
        seen["dialog"] = dlg
        dlg.name.setText("Di Eve-Smith")
        dlg.number.setText("11")  # free when checked; taken meanwhile (another PC): refused by the database
        dlg.accept()
        # after the refusal, note what the still open dialog shows, then cancel it
        _when(lambda: "already" in dlg.error.text(),
              lambda: (seen.update(error=dlg.error.text(), name=dlg.name.text(), open=dlg.isVisible()),
                       dlg.reject()))

    _modal_box({}, edit)
    page.edit_selected()
    assert seen["open"], "the dialog closed on the error"
    assert "already in use" in seen["error"] and seen["error"][0].isupper()
    assert seen["name"] == "Di Eve-Smith", "the edits were lost"
    assert ctx.repo.find_employee("10").name == "Di Eve"


def test_changing_the_number_asks_first_and_history_follows_the_person(ctx, window_factory, qtbot, tmp_path):
    """Issue 13 item 13 (decided): the number can be corrected; attendance rows belong to the
    person, so they show the new number, and the dialog says so before saving."""
    from faceapp.shared.records import AttendanceEvent

    _enrol(ctx, "12", "Fay Gee", "Ops")
    emp = ctx.repo.find_employee("12")
    ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime.now(timezone.utc), "in", "cam"))
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    seen: dict = {}

    def edit(dlg) -> None:
        dlg.number.setText("0012")
        _modal_box(seen, lambda box: box.button(QMessageBox.StandardButton.Yes).click(), QMessageBox)
        dlg.accept()

    _modal_box({}, edit)
    page.edit_selected()
    assert "history" in seen["text"] and "0012" in seen["text"]
    assert ctx.repo.find_employee("0012").id == emp.id
    assert [e.employee_number for e in ctx.repo.events()] == ["0012"]
    audit = ctx.repo.audit_log(limit=1)[0]
    assert audit.action == "employee.update" and audit.details.get("number") == ["12", "0012"]


def test_the_list_shows_people_enrolled_by_another_process_when_opened(ctx, window_factory, qtbot, tmp_path):
    """Enrolled with the CLI while the window ran: the Employees tab showed the list of start-up."""
    import subprocess
    import sys

    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=5000)
    code = ("import sys, numpy as np; from datetime import datetime, timezone; from pathlib import Path; "
            "from faceapp.app import build_context; c = build_context(db_path=Path(sys.argv[1])); "
            "c.repo.enrol(number='9', name='Cy Park', department='', consent_at=datetime.now(timezone.utc), "
            "embeddings=np.ones((1, 128), np.float32), qualities=[50.0], model_id='m', actor='cli'); c.repo.close()")
    subprocess.run([sys.executable, "-c", code, str(ctx.db_path)], check=True, timeout=60)
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 1).text() == "Cy Park", timeout=5000)


def test_a_number_in_use_is_refused_before_asking_and_the_reason_is_shown_whole(ctx, window_factory, qtbot,
                                                                                tmp_path, monkeypatch):
    """Issue 18: Edit asked "Change the employee number?" and only then found the number was
    taken; and the refusal was clipped (a wrapped label in a dialog of fixed height)."""
    _enrol(ctx, "20", "Gus Hale", "Ops")
    _enrol(ctx, "21", "Someone With A Really Rather Long Name Indeed", "Ops")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Yes)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    page.table.selectRow(0)  # Gus Hale
    seen: dict = {}

    def edit(dlg) -> None:
        dlg.number.setText("21")
        dlg.accept()
        _when(lambda: "already" in dlg.error.text(),
              lambda: _when(lambda: True, lambda: (  # a moment for the layout, as a person would see it
                  seen.update(error=dlg.error.text(), shown=dlg.error.height(),
                              needed=dlg.error.heightForWidth(dlg.error.width()), open=dlg.isVisible()),
                  dlg.reject()), every_ms=200))

    _modal_box({}, edit)
    page.edit_selected()
    assert not asked, "it asked to change the number to one that is taken"
    assert "already used by Someone With A Really Rather Long Name Indeed" in seen["error"] and seen["open"]
    assert seen["shown"] >= seen["needed"], f"the reason is clipped: {seen['shown']} px of {seen['needed']}"
    assert ctx.repo.find_employee("20").name == "Gus Hale"


def _enrol_with_photo(ctx, number: str, name: str, k: int, seed: int):
    import cv2

    from faceapp.vision.crops import FaceCrop

    rng = np.random.default_rng(seed)
    ok, jpeg = cv2.imencode(".jpg", np.full((64, 64, 3), 30 * seed % 255, np.uint8))
    crops = [FaceCrop(jpeg.tobytes(), np.zeros((5, 2), np.float32), 64) for _ in range(k)]
    return ctx.repo.enrol(number=number, name=name, department="Ops", consent_at=datetime.now(timezone.utc),
                          embeddings=rng.normal(size=(k, 128)).astype(np.float32), qualities=[50.0] * k,
                          model_id="test-model", actor="test", crops=crops)


def test_list_shows_photo_samples_enrolled_on_groups_sorts_filters_and_erases(ctx, window_factory, qtbot, tmp_path,
                                                                             monkeypatch):
    """Issue 21: the list had no photo, sample count, enrolment date or access groups; an
    erased person cluttered it; Erase was not next to Delete."""
    ann = _enrol_with_photo(ctx, "1", "Ann", 3, 1)
    bea = _enrol_with_photo(ctx, "2", "Bea", 5, 2)
    _enrol(ctx, "3", "Cal", "Ops")  # enrolled before photos were kept: 2 samples, no photo
    office = ctx.repo.create_access_group("Office", {})
    ctx.repo.set_employee_access_groups(bea.id, [office.id])
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=5000)
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers == ["Number", "Name", "Department", "Status", "Samples", "Enrolled on", "Access groups"]

    def row(name: str) -> list:
        r = next(r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == name)
        return [page.table.item(r, c) for c in range(page.table.columnCount())]

    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    assert [i.text() for i in row("Bea")[3:]] == ["active", "5", today, "Office"]
    assert not row("Ann")[1].icon().isNull() and row("Cal")[1].icon().isNull()  # photo when there is one

    page.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # most samples first, as a number
    assert [page.table.item(r, 1).text() for r in range(3)] == ["Bea", "Ann", "Cal"]
    page.table.selectRow(0)
    assert page.selected().id == bea.id  # the selection follows the sorted rows
    page.group_filter.setCurrentIndex(page.group_filter.findData("Office"))
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == "Bea"
    page.group_filter.setCurrentIndex(0)

    erase, delete = page.buttons["erase"], page.buttons["delete"]
    assert "anonymous" in erase.toolTip() and "no longer belong to anyone" in delete.toolTip()
    asked: list = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    page.table.selectRow([page.table.item(r, 1).text() for r in range(3)].index("Ann"))
    erase.click()
    assert "anonymous code" in asked[0] and "Delete instead" in asked[0]
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)  # erased: hidden by default
    assert ctx.repo.photo_crop(ann.id) is None
    page.show_filter.setCurrentIndex(page.show_filter.findData("erased"))
    assert page.table.rowCount() == 1 and page.table.item(0, 3).text() == "erased"
    assert page.table.item(0, 4).text() == "0" and page.table.item(0, 1).text().startswith("anon")


def test_deactivate_delete_and_erase_write_off_the_gui_thread(ctx, window_factory, qtbot, monkeypatch, tmp_path):
    """On a site kiosk these writes go to the site server first: run on the GUI thread, a
    server slow to answer froze the window for the connect timeout."""
    import threading
    import time

    from faceapp.services.employees import EmployeeService

    _enrol(ctx, "5", "Di Eve", "Ops")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
    threads = []
    real = EmployeeService.set_active

    def slow_set_active(self, *a, **k):
        threads.append(threading.current_thread())
        time.sleep(1.0)  # a site server slow to answer
        return real(self, *a, **k)

    monkeypatch.setattr(EmployeeService, "set_active", slow_set_active)
    page.table.selectRow(0)
    started = time.monotonic()
    page.toggle_active()
    assert time.monotonic() - started < 0.5
    qtbot.waitUntil(lambda: not ctx.repo.find_employee("5").active, timeout=10000)
    assert threads and threads[0] is not threading.main_thread()

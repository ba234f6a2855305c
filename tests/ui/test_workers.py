"""run_in_thread: results reach their callbacks on the GUI thread, and a result for a widget
that was closed meanwhile is dropped, not raised in the event loop."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QComboBox

from faceapp.ui.workers import pending, run_in_thread


def test_results_arrive_on_the_gui_thread(qtbot):
    seen = []
    run_in_thread(lambda: threading.current_thread().name, lambda v: seen.append((v, threading.current_thread())))
    qtbot.waitUntil(lambda: pending() == 0 and bool(seen), timeout=5000)
    assert seen[0][1] is threading.main_thread() and seen[0][0] != threading.main_thread().name


def test_a_result_for_a_deleted_widget_is_dropped(qtbot):
    """A page's closure (log_page.load_employees) ran after its combo box was deleted and raised
    "Internal C++ object already deleted" in the event loop (seen at a test's teardown)."""
    combo = QComboBox()
    gate = threading.Event()
    run_in_thread(lambda: gate.wait(5) and "x", lambda v: combo.addItem(v))
    shiboken6.delete(combo)
    gate.set()
    qtbot.waitUntil(lambda: pending() == 0, timeout=5000)  # pytest-qt fails the test on an event-loop error


def test_a_failure_naming_an_employee_is_logged_without_the_name_or_number(qtbot, caplog):
    """Issue 18, major 7: a refused save ("employee number 'Q778899' is already in use",
    "already enrolled as <name>") went into the log file, which no erasure scrubs."""
    from faceapp.storage.errors import DuplicateEmployeeError

    def refused():
        raise DuplicateEmployeeError("Q778899")

    shown = []
    run_in_thread(refused, on_error=lambda exc: shown.append(str(exc)))
    qtbot.waitUntil(lambda: pending() == 0 and bool(shown), timeout=5000)
    assert "Q778899" in shown[0]  # the admin is told
    assert "DuplicateEmployeeError" in caplog.text and "Q778899" not in caplog.text

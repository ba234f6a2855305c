"""A date range that follows the calendar: the log pages' To date left on "today".

A front-desk window runs for days: a To date left on the day the window opened would hide
every later row (and the pages' "refresh when today is shown" checks would stop). While To is
on the day last seen as today, a new day moves From and To along by the same number of days;
a To date the user moved elsewhere stays where it is. "Today" is the site's (settings
`timezone`), never the PC's. Also the Qt/Python date conversions and the date field the
pages share.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


def qdate(d: date) -> QDate:
    """A Python date as Qt's."""
    return QDate(d.year, d.month, d.day)


def pydate(d: QDate) -> date:
    """A Qt date as Python's."""
    return date(d.year(), d.month(), d.day())


def date_edit(parent: QWidget, d: date | None = None) -> QDateEdit:
    """A yyyy-MM-dd date field with a calendar pop-up, on d (today when None)."""
    e = QDateEdit(qdate(d or date.today()), parent, calendarPopup=True)
    e.setDisplayFormat("yyyy-MM-dd")
    return e


def site_today(tz: tzinfo) -> date:
    """Today on the site's clock (the PC may be set to another time zone)."""
    return datetime.now(tz).date()


class FollowToday:
    """Moves a From/To pair of date edits along when the calendar day changes (see module doc)."""

    def __init__(self, first: QDateEdit, last: QDateEdit, today: Callable[[], date]) -> None:
        self.first, self.last, self.today = first, last, today
        self.shown = today()  # the day last seen as today

    def follow(self) -> bool:
        """Catch up with the calendar; True when the range moved. No dateChanged signal is sent
        (the caller refreshes anyway)."""
        today = self.today()
        if today == self.shown:
            return False
        moved = pydate(self.last.date()) == self.shown
        if moved:
            shift = (today - self.shown).days
            for d in (self.first, self.last):
                d.blockSignals(True)
                d.setDate(d.date().addDays(shift))
                d.blockSignals(False)
        self.shown = today
        return moved

    def shows_today(self) -> bool:
        """Whether the range reaches today (after catching up): new rows of now would be in it."""
        self.follow()
        return pydate(self.last.date()) >= self.today()

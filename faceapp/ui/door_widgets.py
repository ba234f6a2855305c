"""Small door widgets shared by the pages: the deny reasons in words, "Open door now" (admin
PIN, audited by the service), the relay's state and "Test relay" for Settings, and the
access-group checklist of the employee dialog. They talk to AccessAdminService only."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QLabel, QListWidget, QListWidgetItem, QMessageBox,
                               QPushButton, QWidget)

from ..access.rules import AccessRules
from ..services.access_admin import TEST_PULSE_S, NoDoorError
from .correction_dialog import admin_actor
from .kiosk import ask_pin
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)
translate = QCoreApplication.translate  # pyside6-lupdate finds translate("Door", ...)


def reason_text(reason: str) -> str:
    """A stored access reason ("outside schedule") in the user's language."""
    return {"granted": translate("Door", "granted"), "unknown": translate("Door", "not recognised"),
            "inactive": translate("Door", "deactivated"), "liveness failed": translate("Door", "liveness failed"),
            "no access group": translate("Door", "no access group"),
            "outside schedule": translate("Door", "outside schedule"),
            "closed for holiday": translate("Door", "closed for holiday"),
            "system error": translate("Door", "system error")}.get(reason, reason)


def relay_text(relay: str) -> str:
    """What the door did for a grant ("opened", "failed: ...", "no door", "pending")."""
    if relay.startswith("failed"):
        return translate("Door", "failed: %1").replace("%1", relay.partition(":")[2].strip())
    return {"": "", "opened": translate("Door", "opened"), "no door": translate("Door", "no door"),
            "pending": translate("Door", "pending"), "no answer": translate("Door", "no answer")}.get(relay, relay)


def backend_text(backend: str) -> str:
    return {"none": translate("Door", "None (attendance only)"),
            "simulated": translate("Door", "Simulated (no door, for testing)"),
            "serial": translate("Door", "USB relay board"),
            "http": translate("Door", "Network relay (Shelly, Tasmota)")}.get(backend, backend)


def no_door_text(exc: NoDoorError) -> str:
    if exc.backend == "none":
        return translate("Door", "No door relay is configured. Choose one in File > Settings > Door.")
    return translate("Door", "The door relay (%1) could not be started; see the log.") \
        .replace("%1", backend_text(exc.backend))


def command_text(ok: bool | None, text: str) -> str:
    if ok:
        return translate("Door", "The door relay switched: the door is open.")
    if ok is None:
        return translate("Door", "The door relay did not answer in time.")
    return translate("Door", "The door relay refused: %1").replace("%1",
                                                                     text.partition(":")[2].strip() or text)


def open_door_now(parent: QWidget, ctx, guard, on_done=None) -> bool:  # noqa: ANN001
    """Ask the admin PIN (again after a wrong one, with why), then pulse the app's door on a
    worker; the service audits it with the admin as actor. False when nothing was sent."""
    title = translate("Door", "Open door now")
    if not guard.has_pin:
        QMessageBox.warning(parent, title, translate("Door", "Set an admin PIN in Settings first."))
        return False
    note = translate("Door", "Unlock the door for %1 s.").replace("%1", f"{ctx.settings.door.pulse_s:g}")
    while True:
        left = guard.locked_for()
        if left:
            note = translate("Door", "Locked for %1 s").replace("%1", str(int(left) or 1))
        pin = ask_pin(parent, note)
        if pin is None:
            return False
        if guard.attempt(pin):
            break
        note = translate("Door", "Wrong PIN")

    def done(cmd) -> None:  # noqa: ANN001 - services.access_admin.DoorCommand
        show = QMessageBox.information if cmd.ok else QMessageBox.warning
        show(parent, title, command_text(cmd.ok, cmd.text))
        if on_done is not None:
            on_done(cmd)

    def failed(exc: BaseException) -> None:
        text = no_door_text(exc) if isinstance(exc, NoDoorError) else error_text(exc)
        QMessageBox.warning(parent, title, text)

    actor = admin_actor()
    svc = ctx.access_admin()
    run_in_thread(lambda: svc.open_now(actor), done, failed)
    return True


class RelayBox(QGroupBox):
    """Settings > Door: the configured relay, whether it is on, its last command and the
    last grant, and "Test relay" (a short pulse with the saved settings; audited)."""

    tested = Signal(object)  # DoorCommand, or the exception

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(translate("Door", "Relay status"), parent)
        self.ctx = ctx
        self.backend = QLabel(self)
        self.state = QLabel(self)
        self.last_command = QLabel(self)
        self.last_grant = QLabel(self)
        self.result = QLabel(self)
        for label in (self.state, self.last_command, self.last_grant, self.result):
            label.setWordWrap(True)
        self.test_button = QPushButton(translate("Door", "Test relay"), self)
        self.test_button.clicked.connect(self.test)
        self.test_button.setEnabled(False)  # until the state is read
        note = QLabel(translate("Door", "Tests the saved settings: press OK first to test changed ones."), self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        form = QFormLayout(self)
        form.addRow(translate("Door", "Relay"), self.backend)
        form.addRow(translate("Door", "State"), self.state)
        form.addRow(translate("Door", "Last command"), self.last_command)
        form.addRow(translate("Door", "Last grant"), self.last_grant)
        form.addRow(self.test_button, self.result)
        form.addRow(note)
        self.refresh()

    def refresh(self) -> None:
        svc = self.ctx.access_admin()
        run_in_thread(svc.relay_state, self._show,
                      lambda exc: self.state.setText(error_text(exc)))

    def _when(self, ts) -> str:  # noqa: ANN001 - datetime
        """A time on the site's clock, as the access log shows it."""
        return ts.astimezone(AccessRules.from_timezone(self.ctx.settings.attendance.timezone).tz) \
            .strftime("%Y-%m-%d %H:%M:%S")

    def _show(self, st) -> None:  # noqa: ANN001 - services.access_admin.RelayState
        self.backend.setText(backend_text(st.backend))
        if st.backend == "none":
            state = translate("Door", "No relay configured: the app records attendance only.")
        elif not st.ready:
            state = translate("Door", "Not working: the relay could not be started; see the log.")
        else:
            state = translate("Door", "Unlocked") if st.is_on else translate("Door", "Locked")
            if st.errors:
                state += " - " + translate("Door", "%1 errors, the last: %2").replace(
                    "%1", str(st.errors)).replace("%2", st.last_error)
        self.state.setText(state)
        self.test_button.setEnabled(st.backend != "none")
        if st.last_command is None:
            self.last_command.setText(translate("Door", "none yet"))
        else:
            c = st.last_command
            what = (translate("Door", "Open door now") if c.action.endswith("open_now")
                    else translate("Door", "Test relay"))
            self.last_command.setText(f"{self._when(c.ts)}  {what} ({c.actor}): {relay_text(c.text)}")
        if st.last_grant is None:
            self.last_grant.setText(translate("Door", "none yet"))
        else:
            g = st.last_grant
            self.last_grant.setText(f"{self._when(g.ts)}  {g.employee_name}: {relay_text(g.relay)}")

    def test(self) -> None:
        self.test_button.setEnabled(False)
        self.result.setText(translate("Door", "Testing…"))
        actor, svc = admin_actor(), self.ctx.access_admin()
        run_in_thread(lambda: svc.test_relay(actor), self._tested, self._test_failed)

    def _tested(self, cmd) -> None:  # noqa: ANN001
        self.result.setText(translate("Door", "The relay switched: it works.") if cmd.ok
                            else command_text(cmd.ok, cmd.text))
        self.result.setStyleSheet("color: #1b5e20;" if cmd.ok else "color: #b3261e;")
        self.test_button.setEnabled(True)
        self.refresh()
        QTimer.singleShot(int(TEST_PULSE_S * 1000) + 500, self.refresh)  # locked again after the pulse
        self.tested.emit(cmd)

    def _test_failed(self, exc: BaseException) -> None:
        self.result.setText(no_door_text(exc) if isinstance(exc, NoDoorError) else error_text(exc))
        self.result.setStyleSheet("color: #b3261e;")
        self.test_button.setEnabled(True)
        self.tested.emit(exc)


class GroupChecklist(QListWidget):
    """The employee dialog's access groups: one checkbox per group, read on a worker."""

    loaded = Signal()

    def __init__(self, ctx, employee_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.employee_id = ctx, employee_id
        self.initial: set[int] | None = None  # None until read
        self.setMaximumHeight(110)
        svc = ctx.access_admin()
        run_in_thread(lambda: (svc.groups(), svc.employee_groups(employee_id)), self._fill,
                      lambda exc: log.warning("access groups of employee %s: %s", employee_id, exc))

    def _fill(self, data) -> None:  # noqa: ANN001
        groups, mine = data
        self.initial = {g.id for g in mine}
        for s in groups:
            item = QListWidgetItem(s.group.name, self)
            item.setData(Qt.ItemDataRole.UserRole, s.group.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if s.group.id in self.initial else Qt.CheckState.Unchecked)
        if not groups:
            item = QListWidgetItem(translate("Door", "No access groups yet (see the Access groups page)"),
                                   self)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.loaded.emit()

    def checked(self) -> set[int]:
        return {self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked}

    def changed_ids(self) -> list[int] | None:
        """The checked groups when they differ from the stored ones, else None."""
        if self.initial is None:
            return None
        now = self.checked()
        return sorted(now) if now != self.initial else None

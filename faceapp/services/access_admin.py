"""Door administration for the window: access groups and their members, the access log,
and the admin's own door commands ("Open door now", "Test relay").

The pages never see the repository: they call this service (on worker threads). The door
commands use the one DoorController the composition root holds (AppContext.door), so a
test pulse and a grant at the kiosk never drive the relay from two places at once. Each
command waits for the relay's answer and is audited with it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from ..access.rules import REASONS, AccessAttempt, AccessGroup, WeeklySchedule
from ..hardware.door import DoorController, DoorError
from ..hardware.settings import DoorSettings
from ..shared.errors import FaceAppError
from ..shared.records import Employee

if TYPE_CHECKING:
    from ..storage.repository import Repository

log = logging.getLogger(__name__)

OPEN_NOW = "door.open_now"
TEST_RELAY = "door.test_relay"
TEST_PULSE_S = 1.0  # a test clicks the relay briefly
ANSWER_TIMEOUT_S = 10.0  # a relay that has not answered by then is reported as silent


class NoDoorError(FaceAppError):
    """No relay is configured (backend "none"), or the configured one could not be set up."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        super().__init__("no door relay is configured (Settings > Door)" if backend == "none"
                         else f"the {backend} door relay could not be started (see the log)")


@dataclass(frozen=True)
class GroupSummary:
    group: AccessGroup
    members: int


@dataclass(frozen=True)
class DoorCommand:
    """One admin door command and what the relay said: ok True (switched), False (refused,
    `text` says why) or None (no answer in time)."""

    action: str  # OPEN_NOW or TEST_RELAY
    ts: datetime
    actor: str
    ok: bool | None
    text: str  # "opened", "failed: ...", "no answer"


@dataclass(frozen=True)
class RelayState:
    """What Settings shows about the door relay."""

    backend: str  # DoorSettings.backend: none, simulated, serial, http
    ready: bool  # a DoorController exists for it
    is_on: bool
    errors: int
    last_error: str
    last_command: DoorCommand | None  # the last open-now / test (from the audit log)
    last_grant: AccessAttempt | None  # the last granted access and what the door did


class AccessAdminService:
    def __init__(self, repo: "Repository", door_settings: DoorSettings,
                 door: Callable[[], DoorController | None]) -> None:
        self.repo = repo
        self.door_settings = door_settings
        self._door = door

    # -- groups ------------------------------------------------------------------------------
    def groups(self) -> list[GroupSummary]:
        return [GroupSummary(g, len(self.repo.access_group_members(g.id))) for g in self.repo.list_access_groups()]

    def create_group(self, name: str, schedule: WeeklySchedule, holidays_closed: bool = False,
                     actor: str = "admin") -> AccessGroup:
        return self.repo.create_access_group(name, schedule, actor=actor, holidays_closed=holidays_closed)

    def update_group(self, group_id: int, *, name: str | None = None, schedule: WeeklySchedule | None = None,
                     holidays_closed: bool | None = None, actor: str = "admin") -> AccessGroup:
        return self.repo.update_access_group(group_id, name=name, schedule=schedule,
                                             holidays_closed=holidays_closed, actor=actor)

    def delete_group(self, group_id: int, actor: str = "admin") -> int:
        return self.repo.delete_access_group(group_id, actor=actor)

    def members(self, group_id: int) -> list[Employee]:
        ids = set(self.repo.access_group_members(group_id))
        return [e for e in self.repo.list_employees() if e.id in ids]

    def set_members(self, group_id: int, employee_ids: Iterable[int], actor: str = "admin") -> list[int]:
        return self.repo.set_access_group_members(group_id, employee_ids, actor=actor)

    def employee_groups(self, employee_id: int) -> list[AccessGroup]:
        return self.repo.employee_access_groups(employee_id)

    def set_employee_groups(self, employee_id: int, group_ids: Iterable[int],
                            actor: str = "admin") -> list[AccessGroup]:
        return self.repo.set_employee_access_groups(employee_id, group_ids, actor=actor)

    def employees(self) -> list[Employee]:
        return self.repo.list_employees()

    # -- access log --------------------------------------------------------------------------
    @staticmethod
    def reasons() -> tuple[str, ...]:
        return REASONS

    def log(self, start: datetime | None = None, end: datetime | None = None, *, employee_id: int | None = None,
            granted: bool | None = None, reason: str | None = None, unknown_only: bool = False,
            limit: int = 1000) -> list[AccessAttempt]:
        """Attempts with start <= ts < end, newest first."""
        return self.repo.access_log(start, end, employee_id=employee_id, granted=granted, reason=reason,
                                    unknown_only=unknown_only, limit=limit)

    # -- the door ----------------------------------------------------------------------------
    def relay_state(self) -> RelayState:
        door = self._door() if self.door_settings.backend != "none" else None
        last = self.repo.last_audit((OPEN_NOW, TEST_RELAY))
        command = None
        if last is not None:
            ts, actor, action, details = last
            ok = details.get("ok")
            command = DoorCommand(action, ts, actor, None if ok is None else bool(ok), str(details.get("result", "")))
        grants = self.repo.access_log(granted=True, limit=1)
        return RelayState(self.door_settings.backend, door is not None, bool(door and door.is_on),
                          door.errors if door else 0, str(door.last_error or "") if door else "", command,
                          grants[0] if grants else None)

    def open_now(self, actor: str, timeout_s: float = ANSWER_TIMEOUT_S) -> DoorCommand:
        """Unlock for the configured pulse (someone without a face at the door: a visitor, a
        delivery). Raises NoDoorError without a relay."""
        return self._command(OPEN_NOW, None, actor, timeout_s)

    def test_relay(self, actor: str, timeout_s: float = ANSWER_TIMEOUT_S) -> DoorCommand:
        """A short pulse to check the wiring and settings; the answer is shown and audited."""
        return self._command(TEST_RELAY, TEST_PULSE_S, actor, timeout_s)

    def _command(self, action: str, seconds: float | None, actor: str, timeout_s: float) -> DoorCommand:
        backend = self.door_settings.backend
        door = self._door() if backend != "none" else None
        if door is None:
            raise NoDoorError(backend)
        answered = threading.Event()
        answer: list[tuple[bool, DoorError | None]] = []

        def done(ok: bool, error: DoorError | None) -> None:
            answer.append((ok, error))
            answered.set()

        try:
            door.pulse(seconds, on_result=done)
        except DoorError as exc:
            done(False, exc)
        if not answered.wait(timeout_s):
            ok, text = None, "no answer"
        else:
            ok, error = answer[0]
            text = "opened" if ok else f"failed: {error}"
        ts = datetime.now(timezone.utc)
        self.repo.audit(actor, action, {"backend": backend, "ok": ok, "result": text,
                                        "seconds": seconds if seconds is not None else door.pulse_s})
        log.info("%s by %s: %s", action, actor, text)
        return DoorCommand(action, ts, actor, ok, text)

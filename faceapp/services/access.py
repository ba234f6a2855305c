"""Door access glue: a recognition decision -> access rules -> access log -> door pulse.

AccessService.on_decision has the signature of RecognitionService's on_decision hook, so
the composition root wires it in with `recognition(on_decision=access.on_decision)`. It
runs on the inference thread; the door pulse itself runs on the door's own thread.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from ..access.rules import LIVENESS_FAILED, STALE_DATA, SYSTEM_ERROR, AccessAttempt, AccessDecision, AccessRules
from ..hardware.door import DoorConfigError, DoorController, DoorError, RelayBackend
from ..hardware.relays import HttpRelay, HttpRelayConfig, SerialRelay, SerialRelayConfig, SimulatedRelay
from ..hardware.settings import DoorSettings
from ..shared.errors import FaceAppError
from ..recognition.views import Announcement
from ..settings import RetentionSettings, Settings
from ..recognition.tracker import Decision
from ..storage.rows import PurgeResult
from .pending_writes import PendingWrites

log = logging.getLogger(__name__)

# Liveness verdict of a decision: True live, False spoof, None not checked.
LivenessCheck = Callable[[Decision], "bool | None"]
# Which check refused a decision whose liveness is False (access.rules LIVENESS_FAILED or
# PRESENTATION_ATTACK).
LivenessReason = Callable[[Decision], str]


STALE_NOTE_S = 300.0  # site data older than this is noted in the log on every grant


class AccessService:
    """Decides, logs and opens. Every attempt (granted or denied, known or unknown) is one
    access_log row; the door is pulsed only on a grant."""

    def __init__(self, repo, settings: Settings, door: DoorController | None = None,  # noqa: ANN001
                 source: str = "camera", liveness: LivenessCheck | None = None,
                 on_result: Callable[[AccessAttempt], None] | None = None,
                 writes: PendingWrites | None = None, liveness_reason: LivenessReason | None = None) -> None:
        self.repo = repo
        self.liveness_reason = liveness_reason
        self.writes = writes or PendingWrites()  # access-log rows wait here while the database is busy
        self.settings = settings
        self.door = door
        self.source = source
        self.liveness = liveness
        self.on_result = on_result  # e.g. the UI banner ("Access denied: outside schedule")
        self.rules = AccessRules.from_timezone(settings.attendance.timezone)
        self.last: AccessAttempt | None = None
        # A site kiosk: seconds since its data was last pulled from the site server (None: never)
        self.site_data_age: Callable[[], float | None] | None = None

    def on_decision(self, decision: Decision, announcement: Announcement) -> AccessDecision:
        """The RecognitionService hook: evaluate, pulse on grant, log the attempt."""
        return self.check(decision, announcement.ts)

    def check(self, decision: Decision, ts: datetime, liveness_ok: bool | None = None) -> AccessDecision:
        if liveness_ok is None and self.liveness is not None:
            liveness_ok = self._liveness(decision)
        employee = None
        try:
            if decision.employee_id is not None:
                employee = self.repo.get_employee(decision.employee_id)  # fresh: deactivation applies at once
            groups = self.repo.employee_access_groups(employee.id) if employee is not None else []
            why = self._liveness_reason(decision) if liveness_ok is False else LIVENESS_FAILED
            result = self.rules.evaluate(employee, groups, ts, liveness_ok, self._holidays(groups, ts), why)
        except FaceAppError:  # storage down or a damaged group: fail secure, keep the loop running
            log.exception("cannot read the person's access rights for employee %s; denying", decision.employee_id)
            result = AccessDecision(False, SYSTEM_ERROR)
        if result.granted and self.site_data_age is not None:
            result = self._stale_check(result, decision.employee_id)
        outcome = self._open() if result.granted else None
        relay = "" if not result.granted else "no door" if outcome is None else outcome.text
        attempt = AccessAttempt(ts, employee.id if employee is not None else None, result.granted, result.reason,
                                decision.distance, self.source, relay=relay)

        def stored(row: AccessAttempt) -> None:
            if outcome is not None:
                outcome.attach(row.id, relay)  # type: ignore[arg-type]

        # The door decision stands whatever the database does; the row waits if it must.
        saved = self.writes.submit(f"access attempt of employee {attempt.employee_id} at {ts.isoformat()}",
                                   lambda: self.repo.add_access_attempt(attempt), stored)
        if saved.written:
            attempt = saved.result
        else:
            log.error("could not write the access log entry for employee %s yet; it waits in memory",
                      attempt.employee_id)
        log.info("access employee=%s distance=%.3f -> %s (%s)", attempt.employee_id, decision.distance,
                 "GRANTED" if result.granted else "denied", result.reason)
        self.last = attempt
        if self.on_result is not None:
            self.on_result(attempt)
        return result

    def _holidays(self, groups: list, ts: datetime) -> set[date]:
        """The holidays that matter at `ts` (its local date and the eve, for night windows),
        read only when one of the person's groups is closed on holidays."""
        if not any(g.holidays_closed for g in groups):
            return set()
        day = self.rules.wall_date(ts)
        return set(self.repo.holidays(day - timedelta(days=1), day))
    def _stale_check(self, result: AccessDecision, employee_id: int | None) -> AccessDecision:
        """A kiosk that has not reached the site server decides from its last synced data:
        granted and logged, or denied past the configured limit (door_stale_site_hours)."""
        age = self.site_data_age() if self.site_data_age else None
        if age is None or age < STALE_NOTE_S:
            return result
        limit_h = self.settings.door.stale_site_hours
        if limit_h and age > limit_h * 3600:
            log.warning("door denied to employee %s: the site data is %.1f h old (limit %d h)", employee_id,
                        age / 3600, limit_h)
            return AccessDecision(False, STALE_DATA)
        log.warning("door granted to employee %s from site data %.0f min old (the site server is unreachable)",
                    employee_id, age / 60)
        return result

    def _liveness(self, decision: Decision) -> bool | None:
        try:
            return self.liveness(decision) if self.liveness else None
        except Exception:  # noqa: BLE001 - a failing check must deny, not crash the loop
            log.exception("liveness check failed; treating the face as not live")
            return False

    def _liveness_reason(self, decision: Decision) -> str:
        try:
            return self.liveness_reason(decision) if self.liveness_reason else LIVENESS_FAILED
        except Exception:  # noqa: BLE001 - the reason is only words; the denial stands
            log.exception("liveness reason not available")
            return LIVENESS_FAILED

    def _open(self) -> "RelayOutcome | None":
        """Pulse the door (returns at once); the outcome fills in when the relay answers."""
        if self.door is None:
            return None
        outcome = RelayOutcome(self.repo, self.writes)
        try:
            self.door.pulse(on_result=outcome.done)  # relay errors also arrive via door.on_error
        except DoorError as exc:
            log.error("door pulse could not be started: %s", exc)
            outcome.done(False, exc)
        return outcome


class RelayOutcome:
    """The relay's answer to one grant, written into that grant's access-log row. The
    relay may answer before or after the row exists; whichever comes second writes."""

    def __init__(self, repo, writes: PendingWrites) -> None:  # noqa: ANN001
        self.repo = repo
        self.writes = writes
        self.text = "pending"
        self._attempt_id: int | None = None
        self._lock = threading.Lock()

    def done(self, ok: bool, error: DoorError | None) -> None:
        """The door's worker thread: the on-command succeeded or failed."""
        text = "opened" if ok else f"failed: {error}"
        with self._lock:
            self.text, attempt_id = text, self._attempt_id
        if attempt_id is not None:
            self._write(attempt_id, text)

    def attach(self, attempt_id: int, written: str) -> None:
        """The row is stored (with `written` as its relay text)."""
        with self._lock:
            self._attempt_id, text = attempt_id, self.text
        if text != written:
            self._write(attempt_id, text)

    def _write(self, attempt_id: int, text: str) -> None:
        self.writes.submit(f"the relay's answer ({text}) for access attempt {attempt_id}",
                           lambda: self.repo.set_access_relay(attempt_id, text))


def backend_from_settings(settings: DoorSettings) -> RelayBackend | None:
    """The configured relay backend, None when the backend is 'none'. Raises DoorError."""
    kind = settings.backend
    if kind == "none":
        return None
    if kind == "simulated":
        return SimulatedRelay()
    if kind == "serial":
        return SerialRelay(SerialRelayConfig(settings.serial_port, settings.serial_baudrate, settings.serial_channel,
                                             settings.serial_on_hex, settings.serial_off_hex, settings.serial_checksum))
    if kind == "http":
        return HttpRelay(HttpRelayConfig(settings.http_on_url, settings.http_off_url, settings.http_method,
                                         settings.http_on_body, settings.http_off_body,
                                         timeout_s=settings.http_timeout_s))
    raise DoorConfigError(f"unknown door backend {kind!r}")


def door_from_settings(settings: DoorSettings,
                       on_error: Callable[[DoorError], None] | None = None) -> DoorController | None:
    """A DoorController for the settings, or None when no door is configured. Raises DoorError."""
    backend = backend_from_settings(settings)
    if backend is None:
        return None
    return DoorController(backend, settings.pulse_s, on_error=on_error)


def build_door(settings: DoorSettings,
               on_error: Callable[[DoorError], None] | None = None) -> DoorController | None:
    """The door for the settings, or None (backend 'none', or the relay is unusable:
    logged, so attendance keeps working while the relay is fixed)."""
    try:
        return door_from_settings(settings, on_error=on_error)
    except DoorError as exc:  # a configuration or cabling problem, not a bug: no traceback
        log.error("door relay unusable (%s); running without door control", exc)
        return None


def purge_expired(repo, settings: RetentionSettings, now: datetime | None = None,  # noqa: ANN001
                  actor: str = "system", templates: bool = True) -> PurgeResult:
    """Apply the retention settings once (call at start-up and daily); templates=False:
    the unknown faces only."""
    result = repo.purge_expired(now or datetime.now(timezone.utc), settings.unknown_days,
                                settings.inactive_days, actor, templates=templates)
    if result.thumbnails or result.templates:
        log.info("retention: %d unknown-face thumbnails and %d templates of %d deactivated people deleted",
                 result.thumbnails, result.templates, result.employees)
    return result

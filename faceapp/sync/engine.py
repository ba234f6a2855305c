"""SiteSync: pull master data by server revision, push the outbox idempotently, notice a
server restored from an older backup, and keep the health the status bar shows.

Every step is safe to cut anywhere: a pull is applied in one local transaction with its
revision; a push is one server transaction of rows with a global id (kiosk, local id)
inserted ON CONFLICT DO NOTHING, taken off the outbox only after the server committed. A
crash between the two pushes the rows again, and the server skips them."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..shared.records import AttendanceEvent

if TYPE_CHECKING:
    from ..timekeeping.rules import Punch
from ..storage.site_local import LocalReplica, Publisher
from ..storage.site_pg.errors import SiteAdminRequiredError, SiteError, SiteRefusedError, SiteUnreachableError
from ..storage.site_pg.records import MasterChange
from ..storage.site_pg.server import SiteServer
from .scope import site_setting_keys

log = logging.getLogger(__name__)

PUSH_BATCH = 1000
SKEW_WARN_S = 60.0  # a kiosk clock off by more than this is reported
ADMIN_DSN_ENV = "FACEAPP_SITE_ADMIN_DSN"

Connect = Callable[[str], SiteServer]


@dataclass(frozen=True)
class SyncResult:
    pulled: int
    pushed: int
    requeued: int = 0
    resynced: int = 0
    skew_s: float = 0.0


@dataclass(frozen=True)
class SyncStatus:
    kiosk: str
    online: bool | None  # None: never tried
    offline_since: str | None
    queued: int
    oldest_queued: str | None
    last_pull_at: str | None
    last_push_at: str | None
    last_rev: int
    skew_s: float | None
    last_error: str | None

    @property
    def offline_clock(self) -> str:
        """Local HH:MM since when the server is unreachable ("" when online or unknown)."""
        return _clock(self.offline_since) if self.online is False else ""

    def line(self) -> str:
        """What the status bar says: "online, 0 queued" or "offline since 09:12, 14 queued"."""
        if self.online is False:
            since = _clock(self.offline_since)
            state = f"offline since {since}" if since else "offline"
        elif self.online is None:
            state = "not synced yet"
        else:
            state = "online"
        return f"{state}, {self.queued} queued"


def _clock(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except ValueError:
        return ""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SiteSync:
    """The sync of one joined kiosk database (its own SQLite connection, thread-safe)."""

    def __init__(self, db_path: str | Path, settings_key: str = "recognition",
                 connect: Connect = SiteServer.connect) -> None:
        self.replica = LocalReplica(db_path, settings_key, site_setting_keys())
        self._connect = connect
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self.wake = threading.Event()

    def close(self) -> None:
        self.stop()
        with self._lock:
            self.replica.close()

    # -- one round ---------------------------------------------------------------------------

    def sync_once(self, push_batch: int = PUSH_BATCH) -> SyncResult:
        """Pull, then push the whole outbox. SiteError when the server cannot be reached
        or refuses; what was done before the failure stays done."""
        with self._lock:
            try:
                result = self._sync(push_batch)
            except SiteError as exc:
                self._offline(exc)
                raise
            self.replica.set(online=1, offline_since=None, last_error=None, skew_s=result.skew_s)
            return result

    def _sync(self, push_batch: int) -> SyncResult:
        r = self.replica
        with self._connect(r.dsn) as server:
            skew = (_now() - server.clock()).total_seconds()
            if abs(skew) > SKEW_WARN_S:
                log.warning("this kiosk's clock is %+.0f s off the site server's: events keep the kiosk time and "
                            "the server's receive time; set the clock (NTP)", skew)
            server.seen(skew)
            requeued = r.requeue_lost(server.pushed_high_marks())
            if requeued:
                log.warning("the site server lacks %d event(s) it had acknowledged (restored from a backup?): "
                            "queued again", requeued)
            resynced = 0
            generation = server.generation()
            restored = r.get("generation") not in (None, generation)
            if restored or server.max_rev() < r.last_rev:
                resynced = r.forget_missing(server.all_keys())
                log.warning("the site server's master data is older than this kiosk's (restored from a backup?): "
                            "pulling it whole again (%d local row(s) it no longer has dropped)", resynced)
            since = r.last_rev
            pulled = r.apply_pull(server.pull(since), since)
            r.set(generation=generation)
            pushed = 0
            while True:
                up_to, rows = r.outbox_batch(push_batch, server.columns)
                if not up_to:
                    break
                server.push(r.kiosk, rows)
                r.ack(up_to, rows)
                pushed += sum(len(v) for v in rows.values())
        return SyncResult(pulled, pushed, requeued, resynced, skew)

    def _offline(self, exc: SiteError) -> None:
        try:
            if self.replica.get("online") != "0":
                self.replica.set(online=0, offline_since=_now().isoformat(timespec="seconds"))
            self.replica.set(last_error=str(exc))
        except Exception:  # noqa: BLE001 - the local database busy: the next round records it
            log.debug("could not record the offline state", exc_info=True)

    def status(self) -> SyncStatus:
        r = self.replica
        queued, oldest = r.queued()
        online = r.get("online")
        skew = r.get("skew_s")
        return SyncStatus(r.kiosk, None if online is None else online == "1", r.get("offline_since"), queued, oldest,
                          r.get("last_pull_at"), r.get("last_push_at"), r.last_rev,
                          float(skew) if skew else None, r.get("last_error"))

    def went_offline(self, exc: SiteError) -> str:
        """Record that a read from the server failed; local HH:MM since when it is away."""
        with self._lock:
            self._offline(exc)
        return self.status().offline_clock

    def reachable(self) -> bool:
        """Whether the server answers now (recorded: the status says offline since when)."""
        try:
            with self._connect(self.replica.dsn) as server:
                server.clock()
        except SiteError as exc:
            with self._lock:
                self._offline(exc)
            return False
        return True

    # -- in the background ---------------------------------------------------------------------

    def start(self, interval_s: float = 5.0) -> None:
        """Sync every interval_s on a thread of its own, and at once when woken: by the
        server's notification of a master-data change, or by the caller."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.sync_once()
                except SiteError as exc:
                    log.info("site sync: %s", exc)
                except Exception:  # noqa: BLE001 - a bug must not end the loop; it is logged
                    log.exception("site sync failed")
                self.wake.wait(interval_s)
                self.wake.clear()

        self._thread = threading.Thread(target=loop, name="site-sync", daemon=True)
        self._thread.start()
        self.listen(interval_s)

    def listen(self, retry_s: float = 5.0) -> None:
        """Set `wake` whenever the server notifies a master-data change (a thread of its own;
        `faceapp sync` waits on it between rounds, as the background loop does)."""
        if self._listener is not None:
            return
        self._stop.clear()
        self._listener = threading.Thread(target=self._listen, args=(retry_s,), name="site-listen", daemon=True)
        self._listener.start()

    def _listen(self, retry_s: float) -> None:
        """The server's notification channel: a master-data commit anywhere wakes the sync at
        once (an erasure reaches this kiosk within a second). Reconnects after retry_s."""
        dsn = self.replica.dsn
        while not self._stop.is_set():
            try:
                with self._connect(dsn) as server:
                    while not self._stop.is_set():
                        if server.wait_for_master_change(1.0):
                            self.wake.set()
            except SiteError as exc:
                log.debug("site notifications: %s", exc)
            self._stop.wait(retry_s)

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._listener is not None:
            self._listener.join(timeout=5)
            self._listener = None

    # -- central reports -----------------------------------------------------------------------

    def site_events(self, start: datetime | None, end: datetime | None,
                    employee_ids: Sequence[int] | None = None) -> list[AttendanceEvent]:
        """The whole site's attendance from the server (SiteUnreachableError when offline).
        Events of other kiosks carry no id (theirs is a local id of another database: the
        log's punch corrections, which act on this database's rows, must not take it)."""
        from ..storage.convert import ts_from_db, ts_to_db

        with self._connect(self.replica.dsn) as server:
            rows = server.attendance_report(ts_to_db(start) if start else None, ts_to_db(end) if end else None)
        wanted = set(employee_ids) if employee_ids is not None else None
        own = self.replica.kiosk
        out = []
        for kiosk, local_id, emp, ts, kind, source, score, margin, _recv, number, name, dept in rows:
            if wanted is not None and emp not in wanted:
                continue
            out.append(AttendanceEvent(emp, ts_from_db(ts), kind, f"{kiosk}/{source}" if source else kiosk,
                                       float("nan") if score is None else score,
                                       float("nan") if margin is None else margin,
                                       # another kiosk's local id is no row here: no correction by it
                                       int(local_id) if kiosk == own else None,
                                       number or "", name or "", dept or ""))
        return out


    def site_punches(self, start: datetime, end: datetime) -> "list[Punch]":
        """The whole site's punches for time-keeping reports (other kiosks' without an id)."""
        from ..storage.convert import ts_from_db, ts_to_db
        from ..timekeeping.rules import Punch

        with self._connect(self.replica.dsn) as server:
            rows = server.punch_report(ts_to_db(start), ts_to_db(end))
        own = self.replica.kiosk
        return [Punch(int(emp), ts_from_db(ts), int(local_id) if kiosk == own else None, bool(corrected), bool(voided))
                for kiosk, local_id, emp, ts, corrected, voided in rows]


def site_cooldown(events: list[AttendanceEvent], cooldown_s: float) -> list[AttendanceEvent]:
    """The site's bookings: two kiosks that saw the same person within the cooldown give one
    booking (the first); each kiosk already keeps the cooldown for itself."""
    last: dict[int, datetime] = {}
    out = []
    for ev in sorted(events, key=lambda e: (e.ts, e.id or 0)):
        if ev.employee_id is not None:
            prev = last.get(ev.employee_id)
            if prev is not None and (ev.ts - prev).total_seconds() < cooldown_s:
                continue
            last[ev.employee_id] = ev.ts
        out.append(ev)
    return out


class AdminLogin:
    """The site admin's login signed in from the window: kept in memory for this session
    only (never written to disk), until sign_out."""

    def __init__(self, connect: Connect = SiteServer.connect) -> None:
        self._connect = connect
        self._dsn = ""

    @property
    def dsn(self) -> str:
        return self._dsn

    def sign_in(self, dsn: str) -> None:
        """Check the login by connecting: SiteRefusedError when it may not change master data
        (a kiosk's), SiteUnreachableError when the server or the login is refused."""
        with self._connect(dsn) as server:
            if not server.may_write_master():
                raise SiteRefusedError("this login may not change the site's people and settings: sign in with the "
                                       "site admin's login (the one given to `faceapp site init`)")
        self._dsn = dsn

    def sign_out(self) -> None:
        self._dsn = ""


def admin_publisher(dsn: str | None = None, connect: Connect = SiteServer.connect,
                    login: AdminLogin | None = None) -> Publisher:
    """The publisher of the before-commit gate: master changes go to the server with the
    admin login (signed in from the window, or $FACEAPP_SITE_ADMIN_DSN), or the local change
    is refused."""

    def publish(changes: Sequence[MasterChange], expected_rev: int, erased: Sequence[int]) -> int:
        admin = dsn or (login.dsn if login is not None else "") or os.environ.get(ADMIN_DSN_ENV, "")
        if not admin:
            raise SiteAdminRequiredError(
                "this PC is a kiosk of a site: people, face templates, access groups, schedules and site-wide "
                f"settings are changed on the site server, with an admin login (set {ADMIN_DSN_ENV} to the DSN "
                "given to `faceapp site init`); nothing was changed")
        try:
            with connect(admin) as server:
                return server.publish(changes, expected_rev, erased)
        except SiteUnreachableError as exc:
            raise SiteUnreachableError(f"{exc}. Enrolment, editing and erasure need the site server (the duplicate "
                                       "check and erasure are site-wide); nothing was changed, try again when it "
                                       "is back") from None
        except SiteRefusedError as exc:  # a wrong password, or a kiosk's DSN given as the admin's
            raise SiteRefusedError(f"{exc}; this change needs the site admin's login (the one given to `faceapp site "
                                   "init`); nothing was changed") from None

    return publish


def join(db_path: str | Path, dsn: str, kiosk: str, connect: Connect = SiteServer.connect) -> tuple[int, SyncResult]:
    """Make the database a kiosk of the site: check the login is this kiosk's, record the
    site, queue the database's own events, and pull the site's master data. Returns (events
    queued at joining, the first sync)."""
    with connect(dsn) as server:
        own = server.kiosk_name()
        if own != kiosk:
            raise SiteError(f"this login belongs to kiosk {own!r}, not {kiosk!r}" if own else
                            "this login is not a kiosk's: use the DSN `faceapp site add-kiosk` printed for it")
        site_id = server.site_id()
        replica = LocalReplica(db_path, "recognition", site_setting_keys())
        try:
            if not replica.get("dsn") and any(server.pushed_high_marks().values()):
                # another database pushed as this kiosk: its local ids would collide with ours
                # on the server (kiosk + local id), and ours would be dropped as already there
                raise SiteError(f"kiosk {kiosk} has events on the server from another database already: each PC "
                                "needs its own kiosk login (`faceapp site add-kiosk NEW-NAME --dsn ADMIN_DSN`)")
        except BaseException:  # a joined database's own checks follow in replica.join
            replica.close()
            raise
    try:
        queued = replica.join(dsn, kiosk, site_id)
    finally:
        replica.close()
    sync = SiteSync(db_path, connect=connect)
    try:
        return queued, sync.sync_once()
    finally:
        sync.close()

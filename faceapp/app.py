"""The composition root: builds settings, storage, engine and services once.

The CLI and the desktop window both get their services from here; nothing else wires
the domain packages to storage.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .recognition.encoder_choice import EncoderChoice, choose_encoder
from .settings import Settings
from .shared.errors import FaceAppError
from .storage.errors import DatabaseCorruptError, DatabaseMissingError

# build_context may raise DatabaseMissingError or DatabaseCorruptError; save_settings SettingsConflictError
__all__ = ["AppContext", "DatabaseCorruptError", "DatabaseMissingError", "EncoderChoice", "SettingConflict", "SettingsConflictError",
           "build_context", "choose_encoder"]

if TYPE_CHECKING:
    from datetime import datetime

    from .services.templates import CropEncoder, TemplateService
    from .access.pin import PinGuard
    from .access.rules import AccessDecision
    from .hardware.door import DoorController
    from .recognition.calibration import OperatingPoint
    from .recognition.tracker import Decision
    from .recognition.units import EncoderUnits
    from .recognition.views import Announcement
    from .services.access import AccessService, LivenessCheck
    from .services.access_admin import AccessAdminService
    from .services.audit import AuditService
    from .services.backups import BackupService
    from .services.employees import EmployeeService
    from .services.enrolment import EnrolmentService
    from .services.pending_writes import PendingWrites
    from .services.recognition import RecognitionService
    from .services.reports import ReportService
    from .services.timekeeping import TimekeepingService
    from .services.unknown_review import UnknownReviewService
    from .storage.repository import Repository
    from .storage.watch import ChangeWatch, DatabaseChanges, DatabaseProblem, DatabaseWatch
    from .sync import AdminLogin, SiteSync
    from .vision.engine import FaceEngine
    from .vision.models import Manifest, ModelNotice

log = logging.getLogger(__name__)

SETTINGS_KEY = "recognition"  # the stored key of the site settings (kept since version 0.1)

# (value, audit action, audit details) of a further setting saved with the site settings.
StoredValue = tuple[Any, str, dict[str, Any]]

PROVIDERS = ("auto", "cuda", "cpu")


@dataclass(frozen=True)
class SettingConflict:
    """One setting two editors changed to different values: as this editor found it, as the
    other one stored it meanwhile, and as this editor wants it."""

    key: str
    base: Any
    stored: Any
    mine: Any


class SettingsConflictError(FaceAppError):
    """Settings this editor changed were changed meanwhile by another program, to other
    values; nothing was saved. `stored` holds the settings as stored now."""

    def __init__(self, conflicts: list[SettingConflict], stored: Settings) -> None:
        def shown(key: str, value: Any) -> Any:
            return Settings.masked({key: value})[key]  # relay URLs can carry passwords

        parts = "; ".join(f"{c.key} is now {shown(c.key, c.stored)!r} there (it was {shown(c.key, c.base)!r} when "
                          f"you started; you set {shown(c.key, c.mine)!r})" for c in conflicts)
        super().__init__(f"settings changed meanwhile by another program: {parts}. Nothing was saved; "
                         "check the values and save again to replace them")
        self.conflicts = conflicts
        self.stored = stored


def choose_provider(flag: str | None, stored: str) -> str:
    """The one precedence for the execution provider: the --provider flag, then
    $FACEAPP_PROVIDER, then the stored setting. (The environment used to lose to the stored
    setting, so `FACEAPP_PROVIDER=cpu faceapp identify` still tried CUDA.)"""
    from .shared.errors import ProviderError

    if flag:
        return flag
    env = os.environ.get("FACEAPP_PROVIDER", "").strip().lower()
    if env:
        if env not in PROVIDERS:
            raise ProviderError(f"FACEAPP_PROVIDER={env}: use one of {', '.join(PROVIDERS)}")
        return env
    return stored


@dataclass
class AppContext:
    db_path: Path
    repo: "Repository"
    settings: Settings
    provider: str | None = None
    models_dir: Path | None = None
    settings_problems: list[str] = field(default_factory=list)  # damaged stored values (repair mode)
    read_only: bool = False  # opened read-only: the file or its folder cannot be written (read_only_ok)
    _engine: "FaceEngine | None" = field(default=None, repr=False)
    _door: "DoorController | None" = field(default=None, repr=False)
    _door_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _writes: "PendingWrites | None" = field(default=None, repr=False)
    watch: "DatabaseWatch | None" = field(default=None, repr=False)
    _reported: str | None = field(default=None, repr=False)
    _changes: "ChangeWatch | None" = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)
    _backups: "BackupService | None" = field(default=None, repr=False)
    site: dict[str, str] = field(default_factory=dict)  # the site this kiosk joined (empty: standalone)
    _sync: "SiteSync | None" = field(default=None, repr=False)
    _site_admin: "AdminLogin | None" = field(default=None, repr=False)  # the window's sign-in (memory only)

    @property
    def engine(self) -> "FaceEngine":
        """Loaded on first use: listing employees or exporting CSV needs no models."""
        if self._engine is None:
            from .vision.engine import FaceEngine

            vision = self.settings.vision
            provider = choose_provider(self.provider, vision.provider)
            choice = self.encoder_choice()
            self._engine = FaceEngine.load(self.models_dir, provider=provider, min_face_px=self.detector_min_face(choice),
                                           min_score=vision.min_detection_score, encoder=choice.encoder)
            if choice.other:  # people with only another encoder's templates
                log.warning("people with templates of another face model only %s are not recognised: rebuild "
                            "their templates for this one (faceapp templates rebuild --encoder %s) or re-enrol "
                            "them", choice.other, choice.encoder)
        return self._engine

    def detector_min_face(self, choice: "EncoderChoice | None" = None) -> int:
        """The detector's pyramid start: from the smallest face decided on, raised by the
        site's vision.min_face_px (recognition/search_size.py)."""
        from .recognition.search_size import decision_floor, detector_min_face

        choice = choice or self.encoder_choice()
        site = self.settings.vision.min_face_px
        start = detector_min_face(decision_floor(self.settings.recognition.threshold_mode, choice.encoder,
                                                 self.models_dir), site)
        if start != site:
            log.info("faces are looked for from a %d px pyramid (down to about %d px, the quality rule's reach); "
                     "vision.min_face_px %d can only raise it", start, start // 2, site)
        return start

    def encoder_choice(self) -> "EncoderChoice":
        """Which encoder this database uses, and why (doctor, Settings, the engine)."""
        from .shared import paths
        from .vision.models import Manifest

        return choose_encoder(self.settings.recognition.encoder, self.repo.template_model_ids(),
                              Manifest(self.models_dir or paths.models_dir()), self.repo.people_by_model())

    @property
    def model_id(self) -> str:
        """The encoder's id (templates are stored per model): the loaded engine's, else read
        from the models' manifest, so asking does not load the models."""
        if self._engine is not None:
            return self._engine.model_id
        from .shared import paths
        from .vision.models import Manifest

        manifest = Manifest(self.models_dir or paths.models_dir())
        return manifest.encoder_entry(self.encoder_choice().encoder, False).model_id

    # -- settings and stored preferences ---------------------------------------------------

    def save_settings(self, settings: Settings, actor: str = "admin",
                      also: dict[str, StoredValue] | None = None, base: Settings | None = None) -> Settings:
        """Store what this editor changed, on top of what is stored now, with an audit entry
        of the real change; returns the settings as stored (and makes them ctx.settings).

        `base` is what the editor started from (default: ctx.settings as last read). Only the
        settings that differ from it are written, so another process's change meanwhile (a
        `faceapp settings set` while File > Settings was open) is kept; a setting both
        changed, to different values, is refused with SettingsConflictError and nothing is
        saved. A stored row that is damaged is rewritten whole. `also` maps further setting
        keys (JSON objects, the desktop's own preferences) to (changed fields, audit action,
        the audit form of those fields), merged into the stored object in the same
        transaction; fields that end up unchanged are neither written nor audited.
        """
        settings.validate()
        start = (base or self.settings).to_dict()
        edits = {k: v for k, v in settings.to_dict().items() if start.get(k) != v}
        saved: list[Settings] = []

        def merge(stored: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
            raw = stored.get(SETTINGS_KEY)
            current = Settings() if raw is None else _parse_stored(raw)  # never stored: the defaults apply
            if current is None:  # damaged: written whole (the repair of `settings set`)
                merged, before = settings, (raw if isinstance(raw, dict) else {})
            else:
                before = current.to_dict()
                conflicts = [SettingConflict(k, start.get(k), before.get(k), v) for k, v in edits.items()
                             if before.get(k) != start.get(k) and before.get(k) != v]
                if conflicts:
                    raise SettingsConflictError(conflicts, current)
                merged = Settings.from_dict({**before, **edits})  # rules between values checked again
            after = merged.to_dict()
            changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
            values: dict[str, Any] = {}
            audits: list[tuple[str, str, dict[str, Any]]] = []
            if changed or current is None:
                keep = {k: v for k, v in raw.items() if k not in after} if isinstance(raw, dict) else {}
                values[SETTINGS_KEY] = {**keep, **after}  # keys of a newer version are kept
                audits.append((actor, "settings.update", Settings.masked(changed)))  # no relay passwords
            for key, (fields, action, details) in (also or {}).items():
                obj = stored.get(key) if isinstance(stored.get(key), dict) else {}
                diff = {k: v for k, v in fields.items() if k not in obj or obj[k] != v}
                if diff:
                    values[key] = {**obj, **diff}
                    audits.append((actor, action, {k: details.get(k, "changed") for k in diff}))
            saved.append(merged)
            return values, audits

        self.repo.update_settings(merge)
        merged = saved[-1]
        changed_sections = self.settings.changed_sections(merged)
        self.settings = merged
        if self._door is not None and "door" in changed_sections:
            self._door.close()  # the next door() call rebuilds it from the new settings
            self._door = None
        return merged

    def stored_preferences(self, key: str) -> dict[str, Any]:
        """A stored JSON object other than the site settings (e.g. the desktop's "ui")."""
        value = self.repo.get_setting(key, {})
        return value if isinstance(value, dict) else {}

    def save_preferences(self, values: dict[str, StoredValue], actor: str = "admin") -> None:
        """Store further setting objects with their audit entries, in one transaction."""
        self.repo.set_settings({k: v for k, (v, _, _) in values.items()},
                               [(actor, action, details) for _, action, details in values.values()])

    def changes(self) -> "ChangeWatch":
        """The one watcher of changes other processes commit (started on first use, polled
        every second on its own thread). The context itself listens first and re-reads the
        settings, so later subscribers (recognition services, the window) see them."""
        if self._changes is None:
            from .storage.watch import ChangeWatch

            self._changes = ChangeWatch(self.repo)
            self._changes.subscribe(self._on_database_change)
            self._changes.start()
        return self._changes

    def _on_database_change(self, changes: "DatabaseChanges") -> None:
        if "settings" not in changes:
            return
        try:
            stored, _ = _stored_settings(self.repo, repair=False)
        except Exception as exc:  # noqa: BLE001 - damaged by the other program: keep running as we are
            log.error("the settings changed by another program cannot be used, keeping the current ones: %s", exc)
            return
        changed = self.settings.changed_sections(stored)
        if changed:
            log.info("settings changed by another program: %s", ", ".join(sorted(changed)))
            if "door" in changed:
                log.warning("door settings changed by another program: a running `faceapp identify` keeps the "
                            "door it opened (restart it); the window restarts its camera and door")
            self.settings = stored

    def check_database(self) -> "DatabaseProblem | None":
        """Is the open database still the file at db_path (and its -wal still there)? Run it
        periodically off the GUI thread; each new problem is logged as an error once."""
        problem = self.watch.check() if self.watch is not None else None
        kind = problem.kind if problem is not None else None
        if kind != self._reported:
            if problem is not None:
                log.error("DATABASE PROBLEM: %s", problem.message)
            else:
                log.warning("the database file %s is as opened again", self.db_path)
            self._reported = kind
        return problem

    def save_database_copy(self, target: str | Path) -> Path:
        """Write the open database (what this process still holds) to a new file."""
        return self.repo.save_copy(target)

    def check_not_database(self, path: str | Path, use: str) -> None:
        """Refuse (DatabaseFileError) a photo, video or export path that is the database itself."""
        self.repo.refuse_own_file(path, use)

    def model_notices(self) -> "list[ModelNotice]":
        """Licence, provenance and training data of every shipped model (Help > About)."""
        from .shared import paths
        from .vision.models import Manifest, model_notices

        return model_notices(Manifest(self.models_dir or paths.models_dir()))

    def encoder_units(self, model_id: str | None = None) -> "EncoderUnits":
        """The distance units of the encoder that made `model_id` (default: this database's):
        the loaded engine's pack, else read from the manifest without loading the models."""
        from .recognition.units import DLIB_UNITS, EncoderUnits, UnitsError, units_for
        from .shared import paths
        from .shared.errors import ModelMissingError
        from .vision.models import Manifest, encoder_of

        model_id = model_id or self.model_id
        if self._engine is not None and self._engine.model_id == model_id:
            return units_for(self._engine)
        manifest = Manifest(self.models_dir or paths.models_dir())
        try:
            info = manifest.encoder_entry(encoder_of(model_id), False).info
            return EncoderUnits.from_pack(encoder_of(model_id), info["units"]) if "units" in info else DLIB_UNITS
        except (ModelMissingError, UnitsError):  # a model id no pack lists: dlib's, as before packs
            return DLIB_UNITS

    def operating_point(self, model_id: str | None = None) -> "OperatingPoint":
        """The threshold live decisions use with today's gallery, and why (Settings, doctor)."""
        from .recognition.calibration import calibrated_gallery
        from .recognition.tracker import look_schedule

        r = self.settings.recognition
        model_id = model_id or self.model_id
        ids, mat = self.repo.load_templates(model_id)
        looks = len(look_schedule(r.min_decision_frames, r.decision_window_frames))
        return calibrated_gallery(ids, mat, r, looks, self.encoder_units(model_id))[1]

    # -- services --------------------------------------------------------------------------

    def door(self) -> "DoorController | None":
        """The door relay from the settings (None: no door configured, or relay unusable).
        Locked: the window's door commands ask for it on worker threads while the camera
        pipeline may be building it; two controllers would drive one relay."""
        with self._door_lock:
            if self._door is None:
                from .services.access import build_door

                self._door = build_door(self.settings.door)
            return self._door

    def let_door_finish(self, margin_s: float = 5.0) -> bool:
        """Wait until a running door pulse has ended and the relay is released: a command
        that grants and exits at once would otherwise cut the pulse short at exit, before
        anybody could walk through. False when the relay did not confirm in time."""
        if self._door is None:
            return True
        return self._door.wait_idle(timeout=self._door.pulse_s + margin_s)

    def pending_writes(self) -> "PendingWrites":
        """The one queue of decided events waiting for a busy or full database (attendance,
        access log, sightings): shared by every recognition and access service of the
        context, so its state ("database busy, 3 events waiting") is the whole picture."""
        if self._writes is None:
            from .services.pending_writes import PendingWrites

            self._writes = PendingWrites()
        return self._writes

    def access(self, source: str = "camera", liveness: "LivenessCheck | None" = None,
               on_result: Callable | None = None) -> "AccessService":
        from .services.access import AccessService

        svc = AccessService(self.repo, self.settings, self.door(), source, liveness, on_result,
                            writes=self.pending_writes())
        if self.site:
            svc.site_data_age = self.site_data_age
        return svc

    def site_data_age(self) -> float | None:
        """Seconds since this kiosk last pulled the site's data (None: never, or not a kiosk)."""
        from datetime import datetime, timezone

        last = self.repo.site_state().get("last_pull_at")
        if not last:
            return None
        return (datetime.now(timezone.utc) - datetime.fromisoformat(last)).total_seconds()

    def access_admin(self) -> "AccessAdminService":
        """Access groups, members, the access log and the admin's door commands (the window)."""
        from .services.access_admin import AccessAdminService

        return AccessAdminService(self.repo, self.settings.door, self.door)

    def admin_pin(self, stored_hash: str | None, clock: "Callable[[], float] | None" = None) -> "PinGuard":
        """The kiosk's admin PIN guard; its failures and lock-out live in the database."""
        from .services.admin_pin import admin_pin_guard

        return admin_pin_guard(self.repo, stored_hash, clock) if clock else admin_pin_guard(self.repo, stored_hash)

    def employees(self) -> "EmployeeService":
        from .services.employees import EmployeeService

        return EmployeeService(self.repo)

    def unknown_review(self) -> "UnknownReviewService":
        """Unknown faces grouped for review, in this database's encoder's distance units."""
        from .services.unknown_review import UnknownReviewService

        return UnknownReviewService(self.repo, self.model_id, self.encoder_units(), self.settings.enrolment)

    def reports(self) -> "ReportService":
        """Attendance reports: a joined kiosk's come from the site server, the whole site's,
        with the site-wide cooldown applied (the server's data decides the day's summary)."""
        from .services.reports import ReportService

        if not self.site:
            return ReportService(self.repo)
        from .sync.engine import site_cooldown

        sync = self.site_sync()
        cooldown = self.settings.attendance.cooldown_s

        def site_events(start, end, ids):  # noqa: ANN001, ANN202
            return site_cooldown(sync.site_events(start, end, ids), cooldown)

        return ReportService(self.repo, site_events=site_events, went_offline=sync.went_offline)

    def start_site_sync(self, interval_s: float = 5.0) -> bool:
        """A joined kiosk syncs in the background (every interval_s, and at once when the
        window wakes it); False when this database is not a site kiosk."""
        if not self.site:
            return False
        self.site_sync().start(interval_s)
        return True

    def site_sign_in(self, dsn: str = "", user: str = "", password: str = "") -> None:
        """Sign in as the site admin for this session (the window's dialog): an admin DSN, or
        a user and password on the kiosk's own server and database. Checked by connecting;
        kept in memory only. SiteError when refused or unreachable."""
        if self._site_admin is None:
            from .storage.site_pg.errors import SiteError

            raise SiteError(f"{self.db_path} has not joined a site: there is no site admin to sign in as")
        if not dsn:
            from .storage.site_pg.server import with_login

            dsn = with_login(self.site.get("dsn", ""), user, password)
        self._site_admin.sign_in(dsn)

    def site_sign_out(self) -> None:
        if self._site_admin is not None:
            self._site_admin.sign_out()

    @property
    def site_admin_signed_in(self) -> bool:
        """Whether master writes have an admin login: signed in, or $FACEAPP_SITE_ADMIN_DSN."""
        return bool(self._site_admin is not None and self._site_admin.dsn) or _site_admin()

    def site_sync(self) -> "SiteSync":
        """The sync with the site server of a joined kiosk (its own database connection)."""
        if not self.site:
            from .storage.site_pg.errors import SiteError

            raise SiteError(f"{self.db_path} has not joined a site: run `faceapp site join --dsn DSN --kiosk NAME`")
        if self._sync is None:
            from .sync import SiteSync

            self._sync = SiteSync(self.db_path, SETTINGS_KEY)
        return self._sync

    def templates(self) -> "TemplateService":
        from .services.templates import TemplateService

        return TemplateService(self.repo)

    def encoder_ids(self) -> list[str]:
        """The encoder packs templates can be rebuilt for (the models' manifest)."""
        from .shared import paths
        from .vision.models import Manifest

        return sorted(Manifest(self.models_dir or paths.models_dir()).encoder_keys())

    def crop_encoder(self, encoder_id: str) -> "CropEncoder":
        """The encoder `templates rebuild --encoder ID` re-embeds crops with: the engine's own
        when it is the database's encoder, else that pack loaded alone (no detector needed)."""
        from .shared import paths
        from .shared.errors import InvalidValueError
        from .vision.crops import PackCropEncoder
        from .vision.encoder import FaceEncoder
        from .vision.models import Manifest, encoder_of
        from .vision.runtime import Runtime

        if encoder_id not in self.encoder_ids():
            raise InvalidValueError(f"unknown encoder {encoder_id!r}; available: {', '.join(self.encoder_ids())}")
        if self._engine is not None and encoder_of(self._engine.model_id) == encoder_id:
            return self._engine
        manifest = Manifest(self.models_dir or paths.models_dir())
        runtime = Runtime(choose_provider(self.provider, self.settings.vision.provider))  # type: ignore[arg-type]
        return PackCropEncoder(FaceEncoder.from_manifest(manifest, runtime, True, encoder_id),
                               manifest.encoder_entry(encoder_id, False).model_id)

    def audit(self) -> "AuditService":
        """The audit-log viewer's queries and export, in the site's time zone."""
        from .attendance.rules import AttendanceRules
        from .services.audit import AuditService

        return AuditService(self.repo, AttendanceRules.from_settings(self.settings.attendance).tz)

    def backups(self) -> "BackupService":
        """Scheduled and manual backups of this database (settings read at each use)."""
        if self._backups is None:
            from .services.backups import BackupService

            self._backups = BackupService(self.db_path, lambda: self.settings.backup, clock=self._site_now)
        return self._backups

    def _site_now(self) -> datetime:
        """Now on the site's clock (naive): backup names, the daily backup time and "Last backup
        02:00" read like every other time in the window, also on a PC set to another zone."""
        from datetime import datetime as _datetime

        from .attendance.rules import AttendanceRules

        return _datetime.now(AttendanceRules.from_settings(self.settings.attendance).tz).replace(tzinfo=None)

    def timekeeping(self) -> "TimekeepingService":
        from .services.timekeeping import TimekeepingService

        if not self.site:
            return TimekeepingService(self.repo, self.settings.attendance)
        sync = self.site_sync()
        return TimekeepingService(self.repo, self.settings.attendance, site_punches=sync.site_punches,
                                  went_offline=sync.went_offline)

    def enrolment(self) -> "EnrolmentService":
        from .services.enrolment import EnrolmentService

        return EnrolmentService(self.engine, self.repo, self.settings)

    def recognition(self, source: str = "camera",
                    on_decision: "Callable[[Decision, Announcement], None] | None" = None,
                    access: bool = False, settings: Settings | None = None,
                    follow_changes: bool = True) -> "RecognitionService":
        """The recognition service; with access=True and a door configured, every decision also
        goes through door access (access log, door pulse), gated by the head-turn liveness check.
        Without a door there is no challenge and no access decision (unless liveness is asked
        for attendance). It follows changes other processes make (storage.watch.ChangeWatch):
        someone erased or deactivated is no longer recognised within about a second, someone
        enrolled is, new settings apply; unless `settings` are given (a one-off run) or
        follow_changes is False."""
        from .services.recognition import RecognitionService

        svc = RecognitionService(self.engine, self.repo, settings or self.settings, source, on_decision)
        svc.writes = self.pending_writes()
        if settings is None and follow_changes:  # erasures, enrolments and settings of other processes apply
            svc.settings_source = lambda: self.settings
            self.changes().subscribe(svc.on_database_change)
        if access and self.door() is not None:
            acc = self.access(source, liveness=svc.liveness_ok)
            acc.liveness_reason = svc.liveness_reason

            def both(decision: "Decision", announcement: "Announcement") -> "AccessDecision":
                verdict = acc.on_decision(decision, announcement)
                if on_decision is not None:
                    on_decision(decision, announcement)
                return verdict  # goes out with the announcement, for the kiosk's banner

            svc.on_decision = both
            svc.prepare_liveness()  # the passive models load and are checked now, not at the first visitor
        return svc

    def close(self) -> None:
        """Stop the watcher, release the door, close the database; a second call does nothing
        (the CLI closes every context its command opened, whether the command did or not)."""
        if self._closed:
            return
        self._closed = True
        if self._changes is not None:
            self._changes.stop()
        if self._sync is not None:
            self._sync.close()
        if self._door is not None:
            self._door.close()
        self.repo.close()


def build_context(db_path: str | Path | None = None, provider: str | None = None,
                  models_dir: str | Path | None = None, *, repair_settings: bool = False,
                  allow_new_db: bool = False, read_only_ok: bool = False) -> AppContext:
    """Open the database and read the site settings. Damaged stored settings stop here with
    a message saying how to fix them; repair_settings=True (`faceapp settings`) starts
    instead from the values that are still valid, runs no retention, and lists the
    problems in ctx.settings_problems. allow_new_db: create a new, empty database where one
    this user opened before is gone (otherwise DatabaseMissingError: the CLI's --new-db, the
    desktop app asks). read_only_ok: a database that cannot be written (read-only media, no
    write permission) is opened read-only (ctx.read_only; no retention run) for a command
    that only reads; otherwise it is refused with ReadOnlyDatabaseError, before any change."""
    from .services.access import purge_expired
    from .storage.db import ReadOnlyDatabaseError, default_db_path, is_writable, open_db, open_db_read_only
    from .storage.known_db import KnownDatabases
    from .storage.repository import Repository
    from .storage.watch import DatabaseWatch

    path = Path(db_path) if db_path else default_db_path()
    known = KnownDatabases.default()
    known.check_before_open(path, allow_new_db)
    if known.is_same_file(path) is False:
        log.warning("the attendance database %s is not the file opened there before (restored from a "
                    "backup, or replaced?)", path)
    read_only = path.exists() and not is_writable(path)
    if read_only and not read_only_ok:
        raise ReadOnlyDatabaseError(f"the attendance database {path} cannot be written (read-only media or no write "
                                    "permission) and this command changes it; use a writable copy", path)
    repo = Repository(open_db_read_only(path) if read_only else open_db(path))
    try:
        known.remember(path, employees=len(repo.list_employees()))
        site = repo.site_state()
        admin = _guard_master_writes(repo) if site and not read_only else None
        settings, problems = _stored_settings(repo, repair_settings)
        # never purge by default retention periods that replaced damaged ones; a site kiosk's
        # people are the server's: their retention runs where the admin login is (it publishes
        # there); its unknown faces are its own (never sent): every kiosk purges those
        if not problems and not read_only:
            people = not site or _site_admin()
            _purge_if_free(repo, settings, lambda r, s: purge_expired(r, s, templates=people))
    except BaseException:
        repo.close()
        raise
    ctx = AppContext(path, repo, settings, provider, Path(models_dir) if models_dir else None,
                     watch=DatabaseWatch.of(repo))
    ctx.settings_problems = problems
    ctx.read_only = read_only
    ctx.site = site
    ctx._site_admin = admin
    return ctx


def _guard_master_writes(repo: "Repository") -> "AdminLogin":
    """A joined kiosk's master-data writes go to the site server before they commit here
    (storage.site_local.gate): enrolment, editing and erasure need the server and the admin
    login (the returned sign-in of the window, or $FACEAPP_SITE_ADMIN_DSN)."""
    from .storage.site_local import gate, retry_when_behind
    from .sync import AdminLogin, admin_publisher, site_setting_keys

    keys = site_setting_keys()
    defaults = {k: v for k, v in Settings().to_dict().items() if k in keys}
    login = AdminLogin()
    repo.before_commit = gate(admin_publisher(login=login), SETTINGS_KEY, keys, defaults)
    retry_when_behind(repo, lambda: _pull_once(repo.path))
    return login


def _pull_once(path: str) -> None:
    """One sync round on a connection of its own: the replica catches up with the site."""
    from .sync import SiteSync

    sync = SiteSync(path, SETTINGS_KEY)
    try:
        sync.sync_once()
    finally:
        sync.close()


def _parse_stored(raw: Any) -> Settings | None:
    """The stored site settings as this version reads them, or None when damaged."""
    from .shared.options import SettingsError

    if not isinstance(raw, dict):
        return None
    try:
        return Settings.from_stored(raw)
    except (SettingsError, TypeError):
        return None


def _purge_if_free(repo: "Repository", settings: Settings, purge: Callable) -> None:
    """Retention at start-up, unless another program holds the database: then it waits for
    the next start (it runs daily), rather than stopping the app from starting."""
    from .storage.errors import DatabaseLockedError

    from .storage.site_pg.errors import SiteError

    try:
        purge(repo, settings.retention)
    except DatabaseLockedError as exc:
        log.warning("retention skipped this time: %s", exc)
    except SiteError as exc:  # a site kiosk with the admin login, the server away: next start
        log.warning("retention skipped this time (the site server is needed): %s", exc)


def _site_admin() -> bool:
    """Whether this process has the site's admin login (it may change master data)."""
    from .sync.engine import ADMIN_DSN_ENV

    return bool(os.environ.get(ADMIN_DSN_ENV))


def _stored_settings(repo: "Repository", repair: bool) -> tuple[Settings, list[str]]:
    from .shared.options import SettingsError
    from .storage.errors import CorruptRowError

    missing = object()
    stored = repo.get_setting(SETTINGS_KEY, missing)
    if stored is missing:
        return Settings(), []
    fix = "set them again with `faceapp settings set KEY VALUE` (it rewrites the row) or restore a backup"
    if not isinstance(stored, dict):
        what = f"the stored settings (settings table, key {SETTINGS_KEY!r}) in {repo.path} are not a JSON object " \
               f"(found {type(stored).__name__})"
        if not repair:
            raise CorruptRowError(f"{what}; {fix}", repo.path, table="settings")
        return Settings(), [what]
    try:
        return Settings.from_stored(stored), []
    except (SettingsError, TypeError) as exc:
        if not repair:
            raise CorruptRowError(f"the stored settings in {repo.path} are invalid: {exc}; {fix}", repo.path,
                                  table="settings") from None
        return Settings.from_stored_leniently(stored)

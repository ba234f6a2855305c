"""The composition root: builds settings, storage, engine and services once.

The CLI and the desktop window both get their services from here; nothing else wires
the domain packages to storage.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .settings import Settings
from .storage.errors import DatabaseMissingError

__all__ = ["AppContext", "DatabaseMissingError", "EncoderChoice", "build_context", "choose_encoder"]  # build_context may raise DatabaseMissingError

if TYPE_CHECKING:
    from .access.pin import PinGuard
    from .hardware.door import DoorController
    from .recognition.calibration import OperatingPoint
    from .recognition.tracker import Decision
    from .recognition.views import Announcement
    from .services.access import AccessService, LivenessCheck
    from .services.employees import EmployeeService
    from .services.enrolment import EnrolmentService
    from .services.pending_writes import PendingWrites
    from .services.recognition import RecognitionService
    from .services.reports import ReportService
    from .storage.repository import Repository
    from .storage.watch import DatabaseProblem, DatabaseWatch
    from .vision.engine import FaceEngine
    from .vision.models import Manifest

log = logging.getLogger(__name__)

SETTINGS_KEY = "recognition"  # the stored key of the site settings (kept since version 0.1)

# (value, audit action, audit details) of a further setting saved with the site settings.
StoredValue = tuple[Any, str, dict[str, Any]]

PROVIDERS = ("auto", "cuda", "cpu")


@dataclass(frozen=True)
class EncoderChoice:
    """The database's encoder: its pack id, why it is the one, and how many templates of
    the database it can use / cannot use (made with another encoder)."""

    encoder: str
    reason: str
    usable: int = 0
    other: dict[str, int] = field(default_factory=dict)  # encoder id -> templates it made

    def describe(self) -> str:
        line = f"{self.encoder} ({self.reason})"
        if self.other:
            made = ", ".join(f"{n:,} by {enc}" for enc, n in sorted(self.other.items()))
            line += (f"; {made} not used: those people are not recognised until they are enrolled again "
                     "(or their templates rebuilt)")
        return line


def choose_encoder(setting: str, template_models: dict[str, int], manifest: "Manifest") -> EncoderChoice:
    """A database keeps its encoder: the stored setting when the admin chose one; else the
    encoder most of its templates were made with; a database without templates gets the
    manifest's default (new databases use the newest encoder)."""
    from .vision.models import encoder_of

    by_encoder: dict[str, int] = {}
    for model_id, n in template_models.items():
        by_encoder[encoder_of(model_id)] = by_encoder.get(encoder_of(model_id), 0) + int(n)
    if setting and setting != "auto":
        encoder, reason = setting, "chosen in the settings"
    elif by_encoder:
        encoder = max(sorted(by_encoder), key=lambda e: by_encoder[e])
        reason = "this database's templates were made with it"
    else:
        encoder, reason = manifest.default_encoder, "new database default"
    other = {e: n for e, n in by_encoder.items() if e != encoder}
    return EncoderChoice(encoder, reason, by_encoder.get(encoder, 0), other)


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
    _engine: "FaceEngine | None" = field(default=None, repr=False)
    _door: "DoorController | None" = field(default=None, repr=False)
    _writes: "PendingWrites | None" = field(default=None, repr=False)
    watch: "DatabaseWatch | None" = field(default=None, repr=False)
    _reported: str | None = field(default=None, repr=False)

    @property
    def engine(self) -> "FaceEngine":
        """Loaded on first use: listing employees or exporting CSV needs no models."""
        if self._engine is None:
            from .vision.engine import FaceEngine

            vision = self.settings.vision
            provider = choose_provider(self.provider, vision.provider)
            choice = self.encoder_choice()
            self._engine = FaceEngine.load(self.models_dir, provider=provider, min_face_px=vision.min_face_px,
                                           min_score=vision.min_detection_score, encoder=choice.encoder)
            stale = self.repo.template_model_ids()
            other = {m: n for m, n in stale.items() if m != self._engine.model_id}
            if other:
                log.warning("templates from another face model %s are not used: those employees must be "
                            "re-enrolled or their templates rebuilt (current model %s)", other,
                            self._engine.model_id)
        return self._engine

    def encoder_choice(self) -> "EncoderChoice":
        """Which encoder this database uses, and why (doctor, Settings, the engine)."""
        from .shared import paths
        from .vision.models import Manifest

        return choose_encoder(self.settings.recognition.encoder, self.repo.template_model_ids(),
                              Manifest(self.models_dir or paths.models_dir()))

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
                      also: dict[str, StoredValue] | None = None) -> None:
        """Validate and store the settings with an audit entry of what changed.

        `also` maps further setting keys to (value, audit action, audit details), saved in
        the same transaction (the desktop's own preferences from the same dialog).
        """
        settings.validate()
        old = self.settings.to_dict()
        new = settings.to_dict()
        values: dict[str, Any] = {SETTINGS_KEY: new}
        changed = Settings.masked({k: v for k, v in new.items() if old.get(k) != v})  # no relay passwords
        audits = [(actor, "settings.update", changed)]
        for key, (value, action, details) in (also or {}).items():
            values[key] = value
            audits.append((actor, action, details))
        self.repo.set_settings(values, audits)
        changed = self.settings.changed_sections(settings)
        self.settings = settings
        if self._door is not None and "door" in changed:
            self._door.close()  # the next door() call rebuilds it from the new settings
            self._door = None

    def stored_preferences(self, key: str) -> dict[str, Any]:
        """A stored JSON object other than the site settings (e.g. the desktop's "ui")."""
        value = self.repo.get_setting(key, {})
        return value if isinstance(value, dict) else {}

    def save_preferences(self, values: dict[str, StoredValue], actor: str = "admin") -> None:
        """Store further setting objects with their audit entries, in one transaction."""
        self.repo.set_settings({k: v for k, (v, _, _) in values.items()},
                               [(actor, action, details) for _, action, details in values.values()])

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

    def operating_point(self, model_id: str | None = None) -> "OperatingPoint":
        """The threshold live decisions use with today's gallery, and why (Settings, doctor)."""
        from .recognition.calibration import calibrated_gallery
        from .recognition.tracker import look_schedule

        from .recognition.units import DLIB_UNITS, EncoderUnits, UnitsError, units_for
        from .shared import paths
        from .shared.errors import ModelMissingError
        from .vision.models import Manifest, encoder_of

        r = self.settings.recognition
        model_id = model_id or self.model_id
        ids, mat = self.repo.load_templates(model_id)
        looks = len(look_schedule(r.min_decision_frames, r.decision_window_frames))
        if self._engine is not None and self._engine.model_id == model_id:
            units = units_for(self._engine)
        else:  # from the pack, without loading the models
            manifest = Manifest(self.models_dir or paths.models_dir())
            try:
                info = manifest.encoder_entry(encoder_of(model_id), False).info
                units = EncoderUnits.from_pack(encoder_of(model_id), info["units"]) if "units" in info else DLIB_UNITS
            except (ModelMissingError, UnitsError):  # a model id no pack lists: dlib's, as before packs
                units = DLIB_UNITS
        return calibrated_gallery(ids, mat, r, looks, units)[1]

    # -- services --------------------------------------------------------------------------

    def door(self) -> "DoorController | None":
        """The door relay from the settings (None: no door configured, or relay unusable)."""
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

        return AccessService(self.repo, self.settings, self.door(), source, liveness, on_result,
                             writes=self.pending_writes())

    def admin_pin(self, stored_hash: str | None, clock: "Callable[[], float] | None" = None) -> "PinGuard":
        """The kiosk's admin PIN guard; its failures and lock-out live in the database."""
        from .services.admin_pin import admin_pin_guard

        return admin_pin_guard(self.repo, stored_hash, clock) if clock else admin_pin_guard(self.repo, stored_hash)

    def employees(self) -> "EmployeeService":
        from .services.employees import EmployeeService

        return EmployeeService(self.repo)

    def reports(self) -> "ReportService":
        from .services.reports import ReportService

        return ReportService(self.repo)

    def enrolment(self) -> "EnrolmentService":
        from .services.enrolment import EnrolmentService

        return EnrolmentService(self.engine, self.repo, self.settings)

    def recognition(self, source: str = "camera",
                    on_decision: "Callable[[Decision, Announcement], None] | None" = None,
                    access: bool = False, settings: Settings | None = None) -> "RecognitionService":
        """The recognition service; with access=True and a door configured, every decision also
        goes through door access (access log, door pulse), gated by the head-turn liveness check.
        Without a door there is no challenge and no access decision (unless liveness is asked
        for attendance)."""
        from .services.recognition import RecognitionService

        svc = RecognitionService(self.engine, self.repo, settings or self.settings, source, on_decision)
        svc.writes = self.pending_writes()
        if access and self.door() is not None:
            acc = self.access(source, liveness=svc.liveness_ok)

            def both(decision: "Decision", announcement: "Announcement") -> None:
                acc.on_decision(decision, announcement)
                if on_decision is not None:
                    on_decision(decision, announcement)

            svc.on_decision = both
        return svc

    def close(self) -> None:
        if self._door is not None:
            self._door.close()
        self.repo.close()


def build_context(db_path: str | Path | None = None, provider: str | None = None,
                  models_dir: str | Path | None = None, *, repair_settings: bool = False,
                  allow_new_db: bool = False) -> AppContext:
    """Open the database and read the site settings. Damaged stored settings stop here with
    a message saying how to fix them; repair_settings=True (`faceapp settings`) starts
    instead from the values that are still valid, runs no retention, and lists the
    problems in ctx.settings_problems. allow_new_db: create a new, empty database where one
    this user opened before is gone (otherwise DatabaseMissingError: the CLI's --new-db, the
    desktop app asks)."""
    from .services.access import purge_expired
    from .storage.db import default_db_path, open_db
    from .storage.known_db import KnownDatabases
    from .storage.repository import Repository
    from .storage.watch import DatabaseWatch

    path = Path(db_path) if db_path else default_db_path()
    known = KnownDatabases.default()
    known.check_before_open(path, allow_new_db)
    if known.is_same_file(path) is False:
        log.warning("the attendance database %s is not the file opened there before (restored from a "
                    "backup, or replaced?)", path)
    repo = Repository(open_db(path))
    try:
        known.remember(path, employees=len(repo.list_employees()))
        settings, problems = _stored_settings(repo, repair_settings)
        if not problems:  # never purge by default retention periods that replaced damaged ones
            _purge_if_free(repo, settings, purge_expired)  # retention: old thumbnails, templates of leavers
    except BaseException:
        repo.close()
        raise
    ctx = AppContext(path, repo, settings, provider, Path(models_dir) if models_dir else None,
                     watch=DatabaseWatch.of(repo))
    ctx.settings_problems = problems
    return ctx


def _purge_if_free(repo: "Repository", settings: Settings, purge: Callable) -> None:
    """Retention at start-up, unless another program holds the database: then it waits for
    the next start (it runs daily), rather than stopping the app from starting."""
    from .storage.errors import DatabaseLockedError

    try:
        purge(repo, settings.retention)
    except DatabaseLockedError as exc:
        log.warning("retention skipped this time: %s", exc)


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

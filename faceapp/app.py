"""The composition root: builds settings, storage, engine and services once.

The CLI and the desktop window both get their services from here; nothing else wires
core to storage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.settings import RecognitionSettings

log = logging.getLogger(__name__)

SETTINGS_KEY = "recognition"


@dataclass
class AppContext:
    db_path: Path
    repo: object
    settings: RecognitionSettings
    provider: str | None = None
    models_dir: Path | None = None
    _engine: object | None = field(default=None, repr=False)
    _door: object | None = field(default=None, repr=False)

    @property
    def engine(self):
        """Loaded on first use: listing employees or exporting CSV needs no models."""
        if self._engine is None:
            from .core.engine import FaceEngine

            self._engine = FaceEngine.load(self.models_dir, provider=self.provider or self.settings.provider,
                                           min_face_px=self.settings.min_face_px,
                                           min_score=self.settings.min_detection_score)
            stale = self.repo.template_model_ids()
            other = {m: n for m, n in stale.items() if m != self._engine.model_id}
            if other:
                log.warning("templates from another face model %s: those employees must be re-enrolled "
                            "(current model %s)", other, self._engine.model_id)
        return self._engine

    def save_settings(self, settings: RecognitionSettings, actor: str = "admin",
                      also: dict[str, tuple[Any, str, dict[str, Any]]] | None = None) -> None:
        """Validate and store the settings with an audit entry of what changed.

        `also` maps further setting keys to (value, audit action, audit details), saved in
        the same transaction (the desktop's own preferences from the same dialog).
        """
        settings.validate()
        old = self.settings.to_dict()
        new = settings.to_dict()
        values: dict[str, Any] = {SETTINGS_KEY: new}
        audits = [(actor, "settings.update", {k: v for k, v in new.items() if old.get(k) != v})]
        for key, (value, action, details) in (also or {}).items():
            values[key] = value
            audits.append((actor, action, details))
        self.repo.set_settings(values, audits)
        self.settings = settings
        if self._door is not None and any(k.startswith("door_") and old.get(k) != v for k, v in new.items()):
            self._door.close()  # the next door() call rebuilds it from the new settings
            self._door = None

    def door(self):
        """The door relay from the settings (None: no door configured, or relay unusable)."""
        if self._door is None:
            from .services.access import build_door

            self._door = build_door(self.settings)
        return self._door

    def access(self, source: str = "camera", liveness=None, on_result=None):
        from .services.access import AccessService

        return AccessService(self.repo, self.settings, self.door(), source, liveness, on_result)

    def close(self) -> None:
        if self._door is not None:
            self._door.close()
        self.repo.close()

    def enrolment(self):
        from .services.enrolment import EnrolmentService

        return EnrolmentService(self.engine, self.repo, self.settings)

    def recognition(self, source: str = "camera", on_decision=None, access: bool = False,
                    settings: RecognitionSettings | None = None):
        """The recognition service; with access=True every decision also goes through door
        access (access log, door pulse), gated by the service's head-turn liveness check."""
        from .services.recognition import RecognitionService

        svc = RecognitionService(self.engine, self.repo, settings or self.settings, source, on_decision)
        if access:
            acc = self.access(source, liveness=svc.liveness_ok)

            def both(decision, announcement) -> None:
                acc.on_decision(decision, announcement)
                if on_decision is not None:
                    on_decision(decision, announcement)

            svc.on_decision = both
        return svc


def build_context(db_path: str | Path | None = None, provider: str | None = None,
                  models_dir: str | Path | None = None) -> AppContext:
    from .storage.db import default_db_path, open_db
    from .storage.repository import Repository

    path = Path(db_path) if db_path else default_db_path()
    repo = Repository(open_db(path))
    stored = repo.get_setting(SETTINGS_KEY, {}) or {}
    known = {k: v for k, v in stored.items() if k in RecognitionSettings.__dataclass_fields__}
    settings = RecognitionSettings.from_dict(known)
    from .services.access import purge_expired

    purge_expired(repo, settings)  # retention: old unknown-face thumbnails, templates of leavers
    return AppContext(path, repo, settings, provider, Path(models_dir) if models_dir else None)

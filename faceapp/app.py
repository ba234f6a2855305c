"""The composition root: builds settings, storage, engine and services once.

The CLI and the desktop window both get their services from here; nothing else wires
core to storage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

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

    def save_settings(self, settings: RecognitionSettings, actor: str = "admin") -> None:
        settings.validate()
        self.repo.set_setting(SETTINGS_KEY, settings.to_dict())
        self.repo.audit(actor, "settings.update", settings.to_dict())
        self.settings = settings

    def enrolment(self):
        from .services.enrolment import EnrolmentService

        return EnrolmentService(self.engine, self.repo, self.settings)

    def recognition(self, source: str = "camera", on_decision=None):
        from .services.recognition import RecognitionService

        return RecognitionService(self.engine, self.repo, self.settings, source, on_decision)


def build_context(db_path: str | Path | None = None, provider: str | None = None,
                  models_dir: str | Path | None = None) -> AppContext:
    from .storage.db import default_db_path, open_db
    from .storage.repository import Repository

    path = Path(db_path) if db_path else default_db_path()
    repo = Repository(open_db(path))
    stored = repo.get_setting(SETTINGS_KEY, {}) or {}
    known = {k: v for k, v in stored.items() if k in RecognitionSettings.__dataclass_fields__}
    settings = RecognitionSettings.from_dict(known)
    return AppContext(path, repo, settings, provider, Path(models_dir) if models_dir else None)

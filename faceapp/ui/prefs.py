"""Desktop-only preferences (camera, kiosk, language), kept next to the recognition settings.

Plain Python (no Qt) so the CLI could read them; stored as one JSON setting in the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

KEY = "ui"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


@dataclass
class UiPrefs:
    camera_source: str = "0"  # device index, video file or rtsp/http URL
    kiosk: bool = False
    kiosk_pin_hash: str = ""  # faceapp.core.auth.hash_pin; never the PIN itself
    language: str = "en"
    sound: bool = True
    banner_seconds: float = 4.0

    @classmethod
    def load(cls, repo) -> "UiPrefs":
        data = repo.get_setting(KEY, {}) or {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def record(self) -> dict[str, tuple[dict, str, dict]]:
        """{KEY: (value, audit action, audit details)} for AppContext.save_settings(also=...);
        the PIN hash is stored but never written to the audit log."""
        value = asdict(self)
        return {KEY: (value, "ui.settings", {k: v for k, v in value.items() if k != "kiosk_pin_hash"})}

    def save(self, repo, actor: str = "admin") -> None:
        value, action, details = self.record()[KEY]
        repo.set_settings({KEY: value}, [(actor, action, details)])

"""Desktop-only preferences (camera, kiosk, language, idle screen), kept next to the recognition settings.

Plain Python (no Qt) so the CLI could read them; stored as one JSON setting in the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import AppContext

KEY = "ui"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


@dataclass
class UiPrefs:
    camera_source: str = "0"  # device index, video file or rtsp/http URL
    kiosk: bool = False
    kiosk_pin_hash: str = ""  # faceapp.access.pin.hash_pin; never the PIN itself
    language: str = "en"
    sound: bool = True
    banner_seconds: float = 4.0
    site_name: str = ""  # shown on the idle screen (nobody in view), e.g. "Acme Ltd - main entrance"
    logo_path: str = ""  # image file for the idle screen; missing or unreadable: left out, logged
    first_run_dismissed: bool = False  # the first-run checklist was closed by the admin

    @classmethod
    def load(cls, ctx: "AppContext") -> "UiPrefs":
        data = ctx.stored_preferences(KEY)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def record(self, base: "UiPrefs | None" = None) -> dict[str, tuple[dict, str, dict]]:
        """{KEY: (fields, audit action, audit form of the fields)} for AppContext.save_settings(
        also=...): with `base` (what the dialog opened with) only the fields changed since, so
        another window's change meanwhile is kept. The PIN hash is stored but never written to
        the audit log (it is audited as "changed")."""
        value = asdict(self)
        if base is not None:
            start = asdict(base)
            value = {k: v for k, v in value.items() if start.get(k) != v}
        return {KEY: (value, "ui.settings", {k: v for k, v in value.items() if k != "kiosk_pin_hash"})}

    def save(self, ctx: "AppContext", actor: str = "admin") -> None:
        ctx.save_preferences(self.record(), actor)

"""Which settings are the site's and which each kiosk's own.

Site-wide: what must decide the same everywhere (recognition operating point, enrolment
rules, liveness, attendance rules, retention); per kiosk: what belongs to the PC (its
camera's vision settings and execution provider, its door relay, the backups of its own database), plus the desktop's own
preferences (camera source, language, kiosk mode), which are stored apart anyway."""

from __future__ import annotations

from ..settings import Settings

KIOSK_SECTIONS = frozenset({"vision", "door", "backup"})  # backup: copies of this PC's own database


def site_setting_keys() -> frozenset[str]:
    return frozenset(k for k, section in Settings.section_of_key().items() if section not in KIOSK_SECTIONS)


def setting_scope(key: str) -> str:
    """"site" or "kiosk" for a stored setting key (unknown keys: the kiosk's own)."""
    return "site" if key in site_setting_keys() else "kiosk"

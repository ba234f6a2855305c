"""The desktop's own preferences as `settings show|set` keys: camera source, language, kiosk,
sound, banner time, and the idle screen's site name and logo. They are stored next to the
site settings (the "ui" object, see ui.prefs) and the File > Settings dialog edits them, so a headless kiosk is set up from a
shell too. The admin PIN hash is stored there as well but is neither shown nor settable.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..settings import OptionInfo
from ..shared.errors import InvalidValueError
from ..shared.text import control_characters
from ..ui.prefs import LANGUAGES, UiPrefs  # plain Python, no Qt

if TYPE_CHECKING:
    from ..app import AppContext

SECTION = "desktop"


def _info(key: str, default: Any, doc: str, lo: float | None = None, hi: float | None = None,
          choices: tuple = ()) -> OptionInfo:
    return OptionInfo(key=key, section=SECTION, name=key, default=default, lo=lo, hi=hi, doc=doc,
                      label=doc, choices=choices, advanced=False, secret=False)


INFOS: tuple[OptionInfo, ...] = (
    _info("camera_source", UiPrefs.camera_source, "camera number, video file or rtsp/http URL"),
    _info("language", UiPrefs.language, "language of the window (after a restart)", choices=tuple(LANGUAGES)),
    _info("kiosk", UiPrefs.kiosk, "start locked full screen (needs the admin PIN, set in File > Settings)"),
    _info("sound", UiPrefs.sound, "beep on each decision"),
    _info("banner_seconds", UiPrefs.banner_seconds, "seconds a decision stays on screen", 1.0, 30.0),
    _info("site_name", UiPrefs.site_name, "site name on the idle screen (shown when nobody is in view)"),
    _info("logo_path", UiPrefs.logo_path, "image file shown on the idle screen (a missing file is left out)"),
)
KEYS = {i.key: i for i in INFOS}


def values(ctx: "AppContext") -> dict[str, Any]:
    prefs = UiPrefs.load(ctx)
    return {i.key: getattr(prefs, i.key) for i in INFOS}


def checked(ctx: "AppContext", key: str, value: Any) -> Any:
    """`value` as it will be stored, or InvalidValueError with the dialog's reasons."""
    info = KEYS[key]
    if info.choices and value not in info.choices:
        raise InvalidValueError(f"{key}={value!r}: choose one of {', '.join(info.choices)}")
    if info.lo is not None:
        value = float(value)
        if not info.lo <= value <= info.hi:  # type: ignore[operator]
            raise InvalidValueError(f"{key}={value:g}: allowed range is {info.lo:g}..{info.hi:g}")
    if key == "camera_source":
        value = str(value).strip()
        if not value or control_characters(value):
            raise InvalidValueError(f"camera_source={value!r}: a camera number, video file or URL")
        ctx.check_not_database(value, "a camera or video")
    if key in ("site_name", "logo_path"):
        value = str(value).strip()
        if control_characters(value):
            raise InvalidValueError(f"{key}: control characters are not allowed")
    if key == "kiosk" and value and not UiPrefs.load(ctx).kiosk_pin_hash:
        raise InvalidValueError("kiosk=true: set an admin PIN in File > Settings before enabling kiosk mode")
    return value


def save(ctx: "AppContext", key: str, value: Any, actor: str = "cli") -> Any:
    """Validate and store one preference (audited as "ui.settings", like the dialog)."""
    value = checked(ctx, key, value)
    replace(UiPrefs.load(ctx), **{key: value}).save(ctx, actor)
    return value

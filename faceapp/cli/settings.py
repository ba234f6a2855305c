"""settings show | set KEY VALUE: the site settings without the desktop window.

A headless kiosk is configured from a shell, and scripts can check a value before relying
on it. `set` validates exactly as File > Settings does (Settings.replace, i.e. every
section's ranges, choices and checks) and is audited like the dialog (actor "cli");
`show` masks secrets (relay URLs and bodies can carry passwords). Both start from a
damaged settings row too: `show` lists what is wrong (exit 1), `set` rewrites the row.
The desktop's own preferences (camera source, language, kiosk, sound; cli.desktop_settings)
are shown and set here too, in a "desktop" section.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ..settings import OptionInfo, Settings, SettingsError
from ..shared.errors import FaceAppError, InvalidValueError
from . import desktop_settings
from .common import EXIT_CHECK

if TYPE_CHECKING:
    from ..app import AppContext

_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settings", help="show or change the site settings (validated and audited as in the window)")
    acts = p.add_subparsers(dest="settings_action", metavar="ACTION", required=True)
    a = acts.add_parser("show", help="every setting with its value (secrets masked), default and range")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_show)
    a = acts.add_parser("set", help="change one setting, e.g. `settings set door_backend serial`")
    a.add_argument("key", metavar="KEY")
    a.add_argument("value", metavar="VALUE")
    a.set_defaults(func=cmd_set)


def _context(args: argparse.Namespace, reads_only: bool = False):  # noqa: ANN202
    from .common import context

    return context(args, reads_only=reads_only, repair_settings=True)


def parse_value(info: OptionInfo, text: str) -> Any:
    """The typed value of VALUE for this setting; the settings validate it afterwards."""
    if info.choices or isinstance(info.default, str):
        return text
    if isinstance(info.default, bool):
        low = text.strip().lower()
        if low in _TRUE + _FALSE:
            return low in _TRUE
        raise InvalidValueError(f"{info.key}={text!r}: expected true or false")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InvalidValueError(f"{info.key}={text!r}: expected a number") from None


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return Settings.masked(values)


def _distances_in_use(ctx: "AppContext") -> dict[str, tuple[float, str]]:
    """Distance settings still at their default follow the database's encoder (its pack's
    measured value): {key: (value in use, encoder)}, so `show` does not claim dlib's 0.5 is
    used where MobileFaceNet's 0.81 is."""
    from ..recognition.units import DISTANCE_SETTINGS

    try:
        units = ctx.encoder_units()
    except FaceAppError:  # models unreadable: the values as stored are all that can be said
        return {}
    r = ctx.settings.recognition
    effective = units.settings(r)
    return {k: (getattr(effective, k), units.encoder) for k in DISTANCE_SETTINGS
            if getattr(effective, k) != getattr(r, k)}


def cmd_show(args: argparse.Namespace) -> int:
    ctx = _context(args, reads_only=True)
    try:
        values = _shown(ctx.settings.to_dict()) | desktop_settings.values(ctx)
        infos = [*Settings.describe(), *desktop_settings.INFOS]
        in_use = _distances_in_use(ctx)
        scope = _scopes(ctx, infos)
        if scope and not args.json:
            print(f"# kiosk {ctx.site.get('kiosk')} of a site: [site] settings are the whole site's (changed on the "
                  "server, with an admin login), [kiosk] settings this PC's own")
        if args.json:
            print(json.dumps([{"key": i.key, "section": i.section, "value": values[i.key], "default": i.default,
                               "range": None if i.lo is None else [i.lo, i.hi], "choices": list(i.choices),
                               "secret": i.secret} | ({"in_use": in_use[i.key]} if i.key in in_use else {})
                              | ({"scope": scope[i.key]} if scope else {})
                              for i in infos], indent=2))
        else:
            section = ""
            for i in infos:
                if i.section != section:
                    section = i.section
                    print(f"[{section}]")
                rng = f"  ({i.lo}..{i.hi})" if i.lo is not None else f"  ({', '.join(i.choices)})" if i.choices else ""
                used = f"  [default: {in_use[i.key][1]} uses {in_use[i.key][0]:g}]" if i.key in in_use else ""
                where = f"  [{scope[i.key]}]" if scope else ""
                print(f"{i.key} = {_text(values[i.key])}{rng}{used}{where}")
        for problem in ctx.settings_problems:
            print(f"error: stored setting damaged, using the default: {problem}", file=sys.stderr)
        return EXIT_CHECK if ctx.settings_problems else 0
    finally:
        ctx.close()


def _scopes(ctx: "AppContext", infos: list[OptionInfo]) -> dict[str, str]:
    """On a joined kiosk: "site" or "kiosk" per setting (empty when standalone)."""
    if not ctx.site:
        return {}
    from ..sync.scope import setting_scope

    return {i.key: "kiosk" if i.key in desktop_settings.KEYS else setting_scope(i.key) for i in infos}


def cmd_set(args: argparse.Namespace) -> int:
    infos = {i.key: i for i in [*Settings.describe(), *desktop_settings.INFOS]}
    if args.key not in infos:
        raise InvalidValueError(f"unknown setting {args.key!r}; `faceapp settings show` lists them")
    value = parse_value(infos[args.key], args.value)
    ctx = _context(args)
    try:
        if args.key in desktop_settings.KEYS:  # the desktop's own preferences ("ui")
            value = desktop_settings.save(ctx, args.key, value, actor="cli")
            print(f"{args.key} = {_text(value)}")
            return 0
        try:
            new = ctx.settings.replace(**{args.key: value})  # the dialog's validation (Settings.from_dict)
        except SettingsError as exc:
            raise InvalidValueError(str(exc)) from None
        ctx.save_settings(new, actor="cli")  # audited; a damaged row is rewritten whole
        print(f"{args.key} = {_text(_shown({args.key: new.get(args.key)})[args.key])}")
        return 0
    finally:
        ctx.close()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

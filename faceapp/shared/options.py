"""Options: every setting is one typed, documented, range-checked field of a section.

A section is a frozen dataclass (SettingsSection) whose fields are made with option(). Each
field knows its stored key (the section's key prefix + its name, unless it says otherwise),
so the settings of several sections are stored as one flat JSON object whose keys never
change when code moves, and the code asks a section for its values instead of matching
key prefixes. Sections live with the feature they configure (recognition, attendance,
door, ...); faceapp.settings puts them together.
"""

from __future__ import annotations

import dataclasses
import math
import urllib.parse
from dataclasses import dataclass, field, fields
from typing import Any, Callable, ClassVar, TypeVar

from .errors import FaceAppError

S = TypeVar("S", bound="SettingsSection")


class SettingsError(FaceAppError):
    """A setting is outside its documented range, of the wrong type, or unknown.

    `keys` are the stored keys at fault (two for a minimum above its maximum), so the
    settings dialog can point at the fields and word the message with their labels."""

    def __init__(self, message: str, keys: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.keys = keys


def option(default: Any, lo: float | None = None, hi: float | None = None, doc: str = "", *,
           label: str = "", choices: tuple = (), choice_labels: tuple[str, ...] = (),
           check: Callable[[str], None] | None = None, key: str | None = None, advanced: bool = False,
           secret: bool = False, not_above: str | None = None) -> Any:
    """A documented setting. `label` and `doc` are what an admin reads in Settings, and
    `choice_labels` the words shown for `choices` (same order; the choices are stored); text
    options without choices may name a `check` that raises ValueError with the reason;
    `key` overrides the stored key; `advanced` puts it under "Advanced"; `secret` masks it
    in listings and audit entries; `not_above` names the field of the same section this
    minimum must not exceed (a min/max pair, checked whenever the section is validated)."""
    if choice_labels and len(choice_labels) != len(choices):
        raise ValueError(f"{len(choice_labels)} choice labels for {len(choices)} choices")
    return field(default=default, metadata={"range": (lo, hi), "doc": doc, "label": label, "choices": choices,
                                            "choice_labels": choice_labels, "check": check, "key": key,
                                            "advanced": advanced, "secret": secret, "not_above": not_above})


@dataclass(frozen=True)
class OptionInfo:
    """One setting as the README, the CLI and the settings dialog describe it."""

    key: str  # stored key, e.g. "door_pulse_s"
    section: str  # section name, e.g. "door"
    name: str  # attribute in the section, e.g. "pulse_s"
    default: Any
    lo: float | None
    hi: float | None
    doc: str
    label: str
    choices: tuple
    advanced: bool
    secret: bool
    not_above: str | None = None  # stored key of the maximum this minimum must not exceed
    choice_labels: tuple[str, ...] = ()  # what Settings shows for each of `choices`

    @property
    def kind(self) -> type:
        return type(self.default)


@dataclass(frozen=True)
class SettingsSection:
    """Base of the settings sections. Subclasses set NAME, TITLE and (optionally) PREFIX."""

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    PREFIX: ClassVar[str] = ""

    def __post_init__(self) -> None:
        """A whole-number setting given as 3.0 (typed on the command line, read from JSON)
        holds 3: stored, shown and audited as the whole number it is. 3.5 stays, and
        validate() refuses it."""
        for f in fields(self):
            value = getattr(self, f.name)
            if (isinstance(f.default, int) and not isinstance(f.default, bool) and isinstance(value, float)
                    and value.is_integer()):
                object.__setattr__(self, f.name, int(value))

    @classmethod
    def key_of(cls, f: dataclasses.Field) -> str:
        return f.metadata.get("key") or f"{cls.PREFIX}{f.name}"

    @classmethod
    def keys(cls) -> dict[str, str]:
        """Stored key -> attribute name."""
        return {cls.key_of(f): f.name for f in fields(cls)}

    @classmethod
    def describe(cls) -> list[OptionInfo]:
        out = []
        by_name = {f.name: f for f in fields(cls)}
        for f in fields(cls):
            lo, hi = f.metadata["range"]
            above = f.metadata["not_above"]
            out.append(OptionInfo(cls.key_of(f), cls.NAME, f.name, f.default, lo, hi, f.metadata["doc"],
                                  f.metadata["label"] or f.name.replace("_", " "), f.metadata["choices"],
                                  f.metadata["advanced"], f.metadata["secret"],
                                  cls.key_of(by_name[above]) if above else None, f.metadata["choice_labels"]))
        return out

    @classmethod
    def from_dict(cls: type[S], data: dict[str, Any]) -> S:
        """The section from stored keys (keys of other sections are ignored); validated."""
        keys = cls.keys()
        return cls(**{keys[k]: v for k, v in data.items() if k in keys}).validate()

    @classmethod
    def check_one(cls, key: str, value: Any) -> None:
        """Type, range and choices of one stored value on its own (no rules between values)."""
        by_name = {f.name: f for f in fields(cls)}
        check_value(key, by_name[cls.keys()[key]], value)

    def to_dict(self) -> dict[str, Any]:
        """{stored key: value}."""
        return {self.key_of(f): getattr(self, f.name) for f in fields(self)}

    def validate(self: S) -> S:
        for f in fields(self):
            check_value(self.key_of(f), f, getattr(self, f.name))
        for f in fields(self):
            if f.metadata["not_above"]:
                check_order(self, f.name, f.metadata["not_above"], "a minimum must not be above its maximum")
        self.check_related()
        return self

    def check_related(self) -> None:
        """Rules between fields of the section (a minimum above its maximum, ...); raise
        SettingsError. Sections override it."""


def mask_secret(value: Any) -> Any:
    """How a secret setting is shown in listings, audit entries and errors. A URL keeps its
    scheme, host and path (what an admin needs to recognise it) and loses user info and
    query (where relays take passwords and tokens); anything else non-empty is "***"."""
    if value in ("", None):
        return value
    if isinstance(value, str) and "://" in value:
        try:
            parts = urllib.parse.urlsplit(value)
            host = parts.hostname or ""
            if parts.port:
                host += f":{parts.port}"
        except ValueError:
            return "***"
        netloc = ("***@" if "@" in parts.netloc else "") + host
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))
    return "***"


def check_value(key: str, f: dataclasses.Field, value: Any) -> None:
    """Type, range, choices and text check of one value; SettingsError names the key (and
    shows a secret value only masked)."""
    try:
        _check_value(key, f, value)
    except SettingsError as exc:
        raise SettingsError(str(exc), (key,)) from None


def _check_value(key: str, f: dataclasses.Field, value: Any) -> None:
    lo, hi = f.metadata["range"]
    choices = f.metadata["choices"]
    shown = repr(mask_secret(value)) if f.metadata.get("secret") else repr(value)
    if choices:
        if value not in choices:
            raise SettingsError(f"{key}={shown}: choose one of {', '.join(map(str, choices))}")
        return
    if isinstance(f.default, str):
        if not isinstance(value, str):
            raise SettingsError(f"{key}={shown}: expected text")
        if f.metadata["check"] is not None:
            try:
                f.metadata["check"](value)
            except ValueError as exc:
                raise SettingsError(f"{key}: {exc}") from None
        return
    if isinstance(f.default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{key}={shown}: expected true or false")
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SettingsError(f"{key}={shown}: expected a number")
    if not math.isfinite(value):
        raise SettingsError(f"{key}={shown}: expected a finite number")
    if isinstance(f.default, int) and int(value) != value:
        raise SettingsError(f"{key}={shown}: expected a whole number")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SettingsError(f"{key}={value}: allowed range is {lo}..{hi}")


def check_order(section: SettingsSection, low: str, high: str, what: str) -> None:
    """SettingsError unless section.low <= section.high (a min/max pair)."""
    a, b = getattr(section, low), getattr(section, high)
    if a > b:
        keys = {f.name: section.key_of(f) for f in fields(section)}
        raise SettingsError(f"{keys[low]}={a} is above {keys[high]}={b}: {what}", (keys[low], keys[high]))

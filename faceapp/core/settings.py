"""Recognition settings: every threshold has one meaning, one home and a documented range."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .errors import FaceAppError


class SettingsError(FaceAppError):
    """A setting is outside its documented range or of the wrong type."""


def _f(default: Any, lo: float | None, hi: float | None, doc: str, choices: tuple = ()):  # noqa: ANN202
    return field(default=default, metadata={"range": (lo, hi), "doc": doc, "choices": choices})


@dataclass
class RecognitionSettings:
    """Engine and matching settings. Distances are euclidean distances between dlib
    descriptors (smaller = more alike); a pair is "the same person" when distance <= threshold."""

    match_threshold: float = _f(
        0.6, 0.30, 0.80,
        "Largest descriptor distance accepted as the same person. Lower is stricter "
        "(fewer false accepts, more 'not recognised'). dlib's published operating point is 0.6.",
    )
    min_face_px: int = _f(40, 20, 400, "Smallest face (box side in pixels) the detector looks for.")
    provider: str = _f("auto", None, None, "Execution provider: auto (CUDA when present), cuda or cpu.",
                       ("auto", "cuda", "cpu"))

    def validate(self) -> "RecognitionSettings":
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata["range"]
            choices = f.metadata["choices"]
            if choices:
                if value not in choices:
                    raise SettingsError(f"{f.name}={value!r}: choose one of {', '.join(choices)}")
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SettingsError(f"{f.name}={value!r}: expected a number")
            if isinstance(f.default, int) and not isinstance(f.default, bool) and int(value) != value:
                raise SettingsError(f"{f.name}={value!r}: expected a whole number")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise SettingsError(f"{f.name}={value}: allowed range is {lo}..{hi}")
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RecognitionSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**data).validate()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def describe(cls) -> list[tuple[str, Any, tuple, str]]:
        """(name, default, (lo, hi), doc) for the README, the CLI and the settings dialog."""
        return [(f.name, f.default, f.metadata["range"], f.metadata["doc"]) for f in fields(cls)]

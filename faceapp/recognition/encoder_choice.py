"""Which encoder a database uses ("auto": the one its templates were made with), and what a
choice leaves unusable. A pure rule over template counts and the model manifest: the CLI's
`doctor` and the composition root (faceapp.app, which re-exports both names) ask it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..vision.models import Manifest


@dataclass(frozen=True)
class EncoderChoice:
    """The database's encoder: its pack id, why it is the one, and how many templates of
    the database it can use / cannot use (made with another encoder)."""

    encoder: str
    reason: str
    usable: int = 0
    # encoder id -> templates it made (people_by_model not given), or people who have that
    # encoder's templates and none of this one (given): the people a switch leaves unrecognised
    other: dict[str, int] = field(default_factory=dict)
    counts_people: bool = False

    def describe(self) -> str:
        line = f"{self.encoder} ({self.reason})"
        if self.other:
            if self.counts_people:
                made = ", ".join(f"{n:,} {'person has' if n == 1 else 'people have'} templates of {enc} only"
                                 for enc, n in sorted(self.other.items()))
                line += f"; {made}: not recognised until enrolled again (or their templates rebuilt)"
            else:
                made = ", ".join(f"{n:,} by {enc}" for enc, n in sorted(self.other.items()))
                line += (f"; {made} not used: those people are not recognised until they are enrolled again "
                         "(or their templates rebuilt)")
        return line


def choose_encoder(setting: str, template_models: dict[str, int], manifest: "Manifest",
                   people_by_model: dict[str, set[int]] | None = None) -> EncoderChoice:
    """A database keeps its encoder: the stored setting when the admin chose one; else the
    encoder most of its templates were made with; a database without templates gets the
    manifest's default (new databases use the newest encoder). With `people_by_model`, the
    other encoders are counted in people left without a template of the chosen one (after
    `templates rebuild` nobody is, though the old templates are kept)."""
    from ..vision.models import encoder_of

    by_encoder: dict[str, int] = {}
    for model_id, n in template_models.items():
        by_encoder[encoder_of(model_id)] = by_encoder.get(encoder_of(model_id), 0) + int(n)
    if setting and setting != "auto":
        encoder, reason = setting, "chosen in the settings"
    elif known := {e: n for e, n in by_encoder.items() if e in manifest.encoder_keys()}:
        # templates of a model no pack lists (a retired one) cannot choose: they are "other"
        encoder = max(sorted(known), key=lambda e: known[e])
        reason = "this database's templates were made with it"
    else:
        encoder, reason = manifest.default_encoder, "new database default"
    if people_by_model is None:
        other = {e: n for e, n in by_encoder.items() if e != encoder}
        return EncoderChoice(encoder, reason, by_encoder.get(encoder, 0), other)
    people: dict[str, set[int]] = {}
    for model_id, ids in people_by_model.items():
        people.setdefault(encoder_of(model_id), set()).update(ids)
    covered = people.get(encoder, set())
    other = {e: len(ids - covered) for e, ids in people.items() if e != encoder and ids - covered}
    return EncoderChoice(encoder, reason, by_encoder.get(encoder, 0), other, counts_people=True)

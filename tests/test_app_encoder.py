"""Which encoder a database uses: new databases MobileFaceNet, a database with dlib templates
keeps dlib until the admin switches; matching never mixes encoders; doctor says which and why."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from faceapp.app import build_context
from faceapp.cli import main
from faceapp.cli.common import EXIT_CHECK
from faceapp.vision.engine import FaceEngine
from faceapp.vision.models import encoder_of


@pytest.fixture(scope="module")
def dlib_engine():
    return FaceEngine.load(provider="cpu", encoder="dlib_resnet_v1", warmup=False)


def _enrol_dlib(path, engine, image) -> None:
    """A database as an older faceapp left it: one person enrolled with dlib."""
    ctx = build_context(path, allow_new_db=True)
    try:
        face = engine.analyze(image, max_faces=1)[0]
        ctx.repo.enrol("1", "Eileen", "", datetime.now(timezone.utc), face.embedding[None], [1.0], engine.model_id)
    finally:
        ctx.close()


def test_new_database_uses_mobilefacenet(tmp_path, astronaut, capsys):
    db = tmp_path / "new.db"
    assert main(["--provider", "cpu", "--db", str(db), "--new-db", "doctor", "--no-cameras"]) in (0, EXIT_CHECK)
    assert "face encoder: mobilefacenet_v1 (new database default)" in capsys.readouterr().out
    ctx = build_context(db, allow_new_db=True)
    try:
        choice = ctx.encoder_choice()
        assert (choice.encoder, choice.reason) == ("mobilefacenet_v1", "new database default")
        assert encoder_of(ctx.model_id) == "mobilefacenet_v1"
        svc = ctx.enrolment()
        assert svc.engine.encoder.dim == 192
    finally:
        ctx.close()


def test_dlib_database_keeps_dlib_until_switched_and_never_mixes(tmp_path, astronaut, dlib_engine, capsys):
    db = tmp_path / "old.db"
    _enrol_dlib(db, dlib_engine, astronaut)
    ctx = build_context(db)
    try:
        choice = ctx.encoder_choice()
        assert (choice.encoder, choice.reason) == ("dlib_resnet_v1", "this database's templates were made with it")
        rec = ctx.recognition()
        assert rec.engine.model_id == dlib_engine.model_id and rec.gallery.n_people == 1
        assert rec.units.encoder == "dlib_resnet_v1" and rec.tracker.split_distance == pytest.approx(0.6)
    finally:
        ctx.close()
    capsys.readouterr()
    assert main(["--provider", "cpu", "--db", str(db), "doctor", "--no-cameras"]) == 0
    assert "face encoder: dlib_resnet_v1 (this database's templates were made with it)" in capsys.readouterr().out

    # the admin switches: the stored setting wins, dlib's templates are not used (no mixing)
    assert main(["--db", str(db), "settings", "set", "encoder", "mobilefacenet_v1"]) == 0
    ctx = build_context(db)
    try:
        choice = ctx.encoder_choice()
        assert (choice.encoder, choice.reason, choice.other) == ("mobilefacenet_v1", "chosen in the settings",
                                                                  {"dlib_resnet_v1": 1})
        rec = ctx.recognition()
        assert encoder_of(rec.engine.model_id) == "mobilefacenet_v1"
        assert rec.gallery.n_people == 0  # dlib's template is not compared with MobileFaceNet's
        assert rec.units.encoder == "mobilefacenet_v1" and rec.tracker.split_distance > 1.0
        probe = rec.engine.analyze(astronaut, max_faces=1)[0].embedding
        assert probe.shape == (192,) and not rec.gallery.search(probe)[0].known
    finally:
        ctx.close()
    capsys.readouterr()
    # the state is said, not silently lost: doctor flags the unused templates
    assert main(["--provider", "cpu", "--db", str(db), "doctor", "--no-cameras"]) == EXIT_CHECK
    out = capsys.readouterr().out
    assert "face encoder: mobilefacenet_v1 (chosen in the settings); 1 person has templates of dlib_resnet_v1 only" in out


def test_unknown_encoder_setting_is_refused(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["--db", str(db), "--new-db", "settings", "set", "encoder", "facenet512"]) == 2
    assert "choose one of auto, dlib_resnet_v1, mobilefacenet_v1" in capsys.readouterr().err


def test_mobilefacenet_enrol_then_identify_end_to_end(tmp_path, astronaut, grace_hopper, capsys):
    """A new database enrols and recognises with MobileFaceNet: templates carry its model id."""
    db = tmp_path / "e2e.db"
    photo, other = tmp_path / "a.png", tmp_path / "h.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(other), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    assert main(["--provider", "cpu", "--db", str(db), "--new-db", "enroll", "--consent", "--name", "Eileen",
                 "--number", "1", str(photo)]) == 0
    ctx = build_context(db)
    try:
        models = ctx.repo.template_model_ids()
        assert [encoder_of(m) for m in models] == ["mobilefacenet_v1"]
        rec = ctx.recognition()
        assert rec.gallery.n_people == 1 and rec.gallery.dim == 192
        found = rec.gallery.search(np.stack([rec.engine.analyze(astronaut, max_faces=1)[0].embedding,
                                             rec.engine.analyze(grace_hopper, max_faces=1)[0].embedding]))
        assert found[0].distance < 0.5 and found[1].distance > 1.0
    finally:
        ctx.close()


def test_templates_of_an_unlisted_model_do_not_choose_the_encoder(tmp_path):
    """A database whose only templates come from a model no pack lists starts with the default
    encoder and reports those templates as not used (it used to fail to load any engine)."""
    db = tmp_path / "old_model.db"
    ctx = build_context(db, allow_new_db=True)
    try:
        ctx.repo.enrol("7", "Old", "", datetime.now(timezone.utc), np.ones((1, 128), np.float32), [1.0],
                       "retired_model@000000000000")
        choice = ctx.encoder_choice()
        assert (choice.encoder, choice.reason) == ("mobilefacenet_v1", "new database default")
        assert choice.other == {"retired_model": 1}
        assert ctx.engine.encoder.dim == 192
    finally:
        ctx.close()

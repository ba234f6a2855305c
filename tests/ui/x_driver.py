"""Driven under a real X server with a window manager (see test_under_x.py): the app as a
person meets it on a 1366x768 laptop, with real mouse input from xdotool.

Writes a JSON report and screenshots (`import -window root`) into the folder in argv[1].
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=10)
    spin(0.3)


def screenshot(out: Path, name: str) -> None:
    subprocess.run(["import", "-window", "root", str(out / f"{name}.png")], check=True, timeout=30)


def rect(r) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def main(out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ["FACEAPP_CONFIG_DIR"] = tempfile.mkdtemp(prefix="faceapp-x-config-")
    from faceapp.app import build_context
    from faceapp.ui.main_window import MainWindow
    from faceapp.ui.prefs import UiPrefs
    from faceapp.ui.settings_dialog import SettingsDialog

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    ctx = build_context(Path(tempfile.mkdtemp()) / "x.db", provider="cpu")
    report: dict = {"screen": rect(app.primaryScreen().availableGeometry())}

    def window() -> MainWindow:
        w = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(Path(tempfile.gettempdir()) / "none.mp4")),
                       autostart=False)
        w.show()
        spin(1.5)  # mapped and decorated by the window manager
        return w

    # item 12: the first start fits the screen, title bar and status bar included
    w = window()
    bar = w.statusBar()
    report["first"] = {"frame": rect(w.frameGeometry()), "geometry": rect(w.geometry()),
                       "status_bar_bottom_global": bar.mapToGlobal(QPoint(0, bar.height())).y()}
    screenshot(out, "first_start_1366x768")
    # moved and resized by the user, closed with Ctrl+Q, started again: the same place
    w.setGeometry(140, 90, 900, 600)
    spin(0.8)
    report["moved"] = rect(w.geometry())
    xdotool("key", "--window", str(int(w.winId())), "ctrl+q")
    spin(1.0)
    report["closed"] = not w.isVisible()
    w2 = window()
    report["reopened"] = rect(w2.geometry())

    # item 8: the wheel over a spin box scrolls the settings page and changes nothing
    dlg = SettingsDialog(ctx, UiPrefs())
    dlg.resize(820, 420)
    dlg.show()
    dlg.show_advanced.setChecked(True)
    dlg.show_section("recognition")
    spin(1.0)
    spinbox = dlg.fields["min_decision_frames"]
    scroll = dlg.pages.currentWidget()
    centre = spinbox.mapToGlobal(spinbox.rect().center())
    xdotool("mousemove", str(centre.x()), str(centre.y()))
    before = scroll.verticalScrollBar().value()
    for _ in range(3):
        xdotool("click", "5")  # wheel down
    report["wheel"] = {"value": spinbox.value(), "scroll_before": before,
                       "scroll_after": scroll.verticalScrollBar().value()}
    screenshot(out, "settings_after_wheel")
    dlg.reject()
    w2.close()
    spin(0.5)

    # issue 18: openbox's Super+D ("show desktop") hid the kiosk for good
    from faceapp.access.pin import hash_pin

    k = MainWindow(ctx, UiPrefs(sound=False, camera_source=str(Path(tempfile.gettempdir()) / "none.mp4"),
                                kiosk_pin_hash=hash_pin("2580")), autostart=False)
    k.show()
    spin(1.0)
    k.enter_kiosk()
    spin(1.5)
    before = bool(k.windowHandle().isExposed())
    xdotool("key", "super+d")
    spin(3.0)  # the kiosk looks twice a second
    report["kiosk_super_d"] = {"exposed_before": before, "exposed_after": bool(k.windowHandle().isExposed()),
                               "full_screen_after": k.isFullScreen(),
                               "frame_after": rect(k.frameGeometry())}
    screenshot(out, "kiosk_after_super_d")
    k.exit_kiosk("2580")
    k.close()
    spin(0.5)
    (out / "x_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

#!/usr/bin/env python3
"""Render resources/icons/faceapp.svg into the raster icons the platforms want.

    python build/make_icons.py          # writes faceapp.ico (Windows) and faceapp.png (Linux, 256 px)

Windows shortcuts and the .exe need an .ico; Linux desktop entries and Qt take the SVG or
a PNG. The .ico holds PNG-compressed images (allowed since Windows Vista), written here by
hand so no imaging library is needed; Qt's SVG renderer draws each size from the vector.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn at size x size, antialiased, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size + the PNG images (0 in a size byte means 256)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> int:
    svg = ICONS / "faceapp.svg"
    pngs = {s: render_png(svg, s) for s in SIZES}
    (ICONS / "faceapp.ico").write_bytes(ico_bytes(pngs))
    (ICONS / "faceapp.png").write_bytes(pngs[256])
    print(f"wrote {ICONS / 'faceapp.ico'} ({len(SIZES)} sizes) and {ICONS / 'faceapp.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

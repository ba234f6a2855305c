"""Settings dialog: camera, language, kiosk PIN, and one tab per settings section with each
setting's explanation and range from Settings.describe()."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QScrollArea, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from ..access.pin import PinError, check_pin_format, hash_pin
from ..hardware.cameras import list_cameras
from ..settings import Settings, SettingsError
from ..shared.errors import FaceAppError
from . import file_dialogs
from .prefs import LANGUAGES, UiPrefs
from .workers import run_in_thread

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    def __init__(self, ctx, prefs: UiPrefs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.prefs = ctx, prefs
        self.setWindowTitle(self.tr("Settings"))
        self.resize(760, 640)
        tabs = QTabWidget(self)
        tabs.addTab(self._general(), self.tr("General"))
        self.fields: dict[str, QWidget] = {}  # stored setting key -> its editor
        for section in ctx.settings.sections():
            tabs.addTab(self._section_tab(section), QCoreApplication.translate("Settings", section.TITLE))
        self.tabs = tabs
        box = self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                              | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(tabs)
        lay.addWidget(box)
        self.saved_settings: Settings | None = None
        self._saving = False

    def _general(self) -> QWidget:
        w = QWidget(self)
        form = QFormLayout(w)
        self.camera = QComboBox(w)
        self.camera.setEditable(True)
        self.camera.addItem(self.prefs.camera_source)
        self.camera.setToolTip(self.tr("A camera number (0, 1, …), a video file, or an rtsp:// / http:// URL"))
        run_in_thread(lambda: list_cameras(), self._cameras)  # probing devices can take a second
        browse = QPushButton(self.tr("Video file…"), w)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.camera, 1)
        row.addWidget(browse)
        form.addRow(self.tr("Camera source"), row)
        self.language = QComboBox(w)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(self.prefs.language)))
        form.addRow(self.tr("Language (after restart)"), self.language)
        self.kiosk = QCheckBox(self.tr("Start in kiosk mode (full screen, locked with the admin PIN)"), w)
        self.kiosk.setChecked(self.prefs.kiosk)
        form.addRow(self.kiosk)
        self.pin, self.pin2 = QLineEdit(w), QLineEdit(w)
        for p in (self.pin, self.pin2):
            p.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("unchanged") if self.prefs.kiosk_pin_hash else self.tr("not set"))
        form.addRow(self.tr("New admin PIN"), self.pin)
        form.addRow(self.tr("Repeat PIN"), self.pin2)
        self.sound = QCheckBox(self.tr("Beep on each decision"), w)
        self.sound.setChecked(self.prefs.sound)
        form.addRow(self.sound)
        return w

    def _cameras(self, cams) -> None:
        for c in cams:
            text = str(c.index)
            if self.camera.findText(text) < 0:
                self.camera.addItem(text)
            i = self.camera.findText(text)
            self.camera.setItemData(i, f"{c.name}{'' if c.opens else ' (busy or unavailable)'}")

    def _browse(self) -> None:
        path = file_dialogs.open_file(self, self.tr("Video file"), self.tr("Videos (*.mp4 *.avi *.mkv *.mov)"))
        if path:
            self.camera.setEditText(path)

    def _section_tab(self, section) -> QWidget:
        """One tab per settings section: a widget, its explanation and range per setting."""
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        inner = QWidget()
        form = QFormLayout(inner)
        for info in type(section).describe():
            value = getattr(section, info.name)
            default, lo, hi = info.default, info.lo, info.hi
            if info.choices:
                wdg: QWidget = QComboBox(inner)
                wdg.addItems([str(c) for c in info.choices])
                wdg.setCurrentText(str(value))
            elif isinstance(default, bool):
                wdg = QCheckBox(inner)
                wdg.setChecked(bool(value))
            elif isinstance(default, int):
                wdg = QSpinBox(inner)
                wdg.setRange(int(lo if lo is not None else -10**9), int(hi if hi is not None else 10**9))
                wdg.setValue(int(value))
            elif isinstance(default, float):
                wdg = QDoubleSpinBox(inner)
                wdg.setDecimals(3)
                wdg.setSingleStep(0.01)
                wdg.setRange(float(lo if lo is not None else -1e9), float(hi if hi is not None else 1e9))
                wdg.setValue(float(value))
            else:
                wdg = QLineEdit(str(value), inner)
            rng = f" [{lo}..{hi}]" if lo is not None else ""
            wdg.setToolTip(info.doc)
            help_ = QLabel(f"{info.doc}{rng} — default {default!r}", inner)
            help_.setWordWrap(True)
            help_.setStyleSheet("color: #666; font-size: 11px;")
            box = QVBoxLayout()
            box.addWidget(wdg)
            box.addWidget(help_)
            form.addRow(info.key, box)
            self.fields[info.key] = wdg
        scroll.setWidget(inner)
        return scroll

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.fields.items():
            if isinstance(w, QComboBox):
                out[name] = w.currentText()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
            else:
                out[name] = w.text()
        return out

    def accept(self) -> None:
        """Validate everything here, then hash the PIN and save both settings in one
        transaction on a worker (a locked database must not freeze the window); the dialog
        closes when the save succeeds and stays open with the reason when it does not."""
        if self._saving:
            return
        try:
            settings = Settings.from_dict(self.values())
        except (SettingsError, TypeError) as exc:
            QMessageBox.warning(self, self.tr("Invalid setting"), str(exc))
            return
        prefs = replace(self.prefs, camera_source=self.camera.currentText().strip() or "0",
                        language=self.language.currentData(), kiosk=self.kiosk.isChecked(),
                        sound=self.sound.isChecked())
        pin = None
        if self.pin.text() or self.pin2.text():
            if self.pin.text() != self.pin2.text():
                QMessageBox.warning(self, self.tr("Admin PIN"), self.tr("The two PINs differ."))
                return
            try:
                check_pin_format(self.pin.text())
            except PinError as exc:
                QMessageBox.warning(self, self.tr("Admin PIN"), str(exc))
                return
            pin = self.pin.text()
        try:
            self.ctx.check_not_database(prefs.camera_source, "a camera or video")
        except FaceAppError as exc:
            QMessageBox.warning(self, self.tr("Camera source"), str(exc))
            return
        if prefs.kiosk and not (prefs.kiosk_pin_hash or pin):
            QMessageBox.warning(self, self.tr("Admin PIN"), self.tr("Set an admin PIN before enabling kiosk mode."))
            return

        def save() -> UiPrefs:
            final = replace(prefs, kiosk_pin_hash=hash_pin(pin)) if pin else prefs  # scrypt: ~70 ms
            self.ctx.save_settings(settings, also=final.record())
            return final

        self._set_saving(True)
        run_in_thread(save, lambda final: self._saved(settings, final), self._save_failed)

    def reject(self) -> None:
        if not self._saving:  # Esc while saving would hide a save that still lands
            super().reject()

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.buttons.setEnabled(not saving)

    def _saved(self, settings: Settings, prefs: UiPrefs) -> None:
        self._set_saving(False)
        self.saved_settings, self.prefs = settings, prefs
        super().accept()

    def _save_failed(self, exc: BaseException) -> None:  # e.g. database locked: nothing was saved
        self._set_saving(False)
        QMessageBox.warning(self, self.tr("Settings"), str(exc))

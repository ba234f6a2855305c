"""Settings dialog for a front-desk admin: a list of sections on the left (General, then one
per settings section), plain labels with a line of help, range and default under each
setting, the rarely needed ones in an "Advanced" group, and Restore defaults.

Labels, help and choice words come from Settings.describe() (translated in the "Settings"
context, see settings_texts.py); the editors are in setting_editors.py.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton,
                               QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from ..access.pin import PinError, check_pin_format, hash_pin
from ..app import SettingsConflictError
from ..hardware.cameras import list_cameras
from ..hardware.capture import missing_video_file
from ..settings import OptionInfo, Settings, SettingsError
from ..shared.errors import FaceAppError
from . import file_dialogs
from .messages import error_text, operating_point_text, sentence, summary
from .prefs import LANGUAGES, UiPrefs
from .setting_editors import ChoiceEditor, editor_value, format_value, make_editor, set_editor_value
from .workers import run_in_thread

log = logging.getLogger(__name__)

HELP_STYLE = "color: #555; font-size: 11px;"
NOTE_STYLE = "color: #b3261e; font-weight: bold;"


def tr_setting(text: str) -> str:
    """A label, help text, choice or section title of the settings (context "Settings")."""
    return QCoreApplication.translate("Settings", text) if text else text


class MissingVideoFile(FaceAppError):
    """The camera source names a video file that does not exist."""


class SettingsDialog(QDialog):
    def __init__(self, ctx, prefs: UiPrefs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.prefs = ctx, prefs
        self.setWindowTitle(self.tr("Settings"))
        self.fields: dict[str, QWidget] = {}  # stored setting key -> its editor
        self.notes: dict[str, QLabel] = {}  # stored setting key -> its "not accepted" line
        self.infos: dict[str, OptionInfo] = {i.key: i for i in Settings.describe()}
        self._advanced: list[QGroupBox] = []
        self._section_names: list[str] = []
        self.section_list = QListWidget(self)
        self.section_list.setMaximumWidth(200)
        self.section_list.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        self.pages = QStackedWidget(self)
        self._add_page("general", self.tr("General"), self._general())
        for section in ctx.settings.sections():
            self._add_page(section.NAME, tr_setting(section.TITLE), self._section_page(section))
        self.section_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.section_list.setCurrentRow(0)

        self.show_advanced = QCheckBox(self.tr("Show advanced settings"), self)
        self.show_advanced.toggled.connect(self._set_advanced_visible)
        self._set_advanced_visible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        box = self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                              | QDialogButtonBox.StandardButton.Cancel
                                              | QDialogButtonBox.StandardButton.RestoreDefaults)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        box.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        body = QHBoxLayout()
        body.addWidget(self.section_list)
        body.addWidget(self.pages, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.show_advanced)
        bottom.addWidget(self.status, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addLayout(bottom)
        lay.addWidget(box)
        self.resize(820, 620)
        self.saved_settings: Settings | None = None
        self._saving = False
        # What the form opened with, to save only what the admin changes: a `faceapp settings
        # set` (another program) meanwhile is kept, and a conflicting one is refused.
        self.base: dict[str, Any] = ctx.settings.to_dict()
        self.base_form: dict[str, Any] = self.values()  # as the editors show it (rounded)

    # -- pages ------------------------------------------------------------------------------
    def _add_page(self, name: str, title: str, page: QWidget) -> None:
        self._section_names.append(name)
        self.section_list.addItem(title)
        self.pages.addWidget(page)

    def show_section(self, name: str) -> None:
        """Show the page of a section ("general", "recognition", ...)."""
        self.section_list.setCurrentRow(self._section_names.index(name))

    def show_camera_source(self) -> None:
        """The camera page with its source field ready to type in ("Choose camera…")."""
        self.show_section("vision")
        self.camera.setFocus()
        self.camera.lineEdit().selectAll()

    def _scroll(self, inner: QWidget) -> QScrollArea:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        return scroll

    def _heading(self, text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setStyleSheet("font-size: 16px; font-weight: bold;")
        return label

    def _general(self) -> QWidget:
        w = QWidget(self)
        outer = QVBoxLayout(w)
        outer.addWidget(self._heading(self.tr("General"), w))
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch()
        self.language = ChoiceEditor(w)
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
        self.site_name, self.logo_path = QLineEdit(self.prefs.site_name, w), QLineEdit(self.prefs.logo_path, w)
        self.logo_path.setToolTip(self.tr("An image file (PNG, JPEG); shown when nobody is in view"))
        form.addRow(self.tr("Site name (idle screen)"), self.site_name)
        form.addRow(self.tr("Logo file (idle screen)"), self.logo_path)
        return self._scroll(w)

    def _camera_row(self, parent: QWidget, lay: QVBoxLayout) -> None:
        self.camera = ChoiceEditor(parent)
        self.camera.setEditable(True)
        self.camera.addItem(self.prefs.camera_source)
        tip = self.tr("A camera number (0, 1, …), a video file, or an rtsp:// / http:// URL")
        self.camera.setToolTip(tip)
        run_in_thread(lambda: list_cameras(), self._cameras)  # probing devices can take a second
        browse = QPushButton(self.tr("Video file…"), parent)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.camera, 1)
        row.addWidget(browse)
        self._block(parent, lay, self.tr("Camera source"), row, tip)

    def _operating_point_row(self, parent: QWidget, lay: QVBoxLayout) -> None:
        """What the calibrated threshold is today, for the people enrolled (computed off the
        GUI thread: a large gallery takes a moment)."""
        self.operating_point = QLabel(self.tr("Now: working out the matching distance for the people enrolled…"),
                                      parent)
        self.operating_point.setWordWrap(True)
        self.operating_point.setStyleSheet("background: #eef3fb; padding: 6px;")
        lay.addWidget(self.operating_point)
        run_in_thread(self.ctx.operating_point, self._show_operating_point, self._operating_point_failed)

    def _show_operating_point(self, point) -> None:  # noqa: ANN001 - recognition.calibration.OperatingPoint
        try:
            self.operating_point.setText(self.tr("Now: %1").replace("%1", operating_point_text(point)))
        except RuntimeError:  # the dialog was closed before the answer came
            pass

    def _operating_point_failed(self, exc: BaseException) -> None:
        log.warning("operating point not available: %s", exc)
        try:
            self.operating_point.setText(self.tr("Now: the matching distance could not be worked out (%1)")
                                         .replace("%1", str(exc)))
        except RuntimeError:
            pass

    def _section_page(self, section) -> QWidget:
        """A section's page: its everyday settings, then an "Advanced" group for the rest."""
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(self._heading(tr_setting(section.TITLE), inner))
        if section.NAME == "vision":
            self._camera_row(inner, lay)
        if section.NAME == "recognition":
            self._operating_point_row(inner, lay)
        if section.NAME == "door":
            from .door_widgets import RelayBox

            self.relay_box = RelayBox(self.ctx, inner)  # the saved relay's state and "Test relay"
            lay.addWidget(self.relay_box)
        infos = type(section).describe()
        for info in (i for i in infos if not i.advanced):
            self._option_block(info, getattr(section, info.name), inner, lay)
        advanced = [i for i in infos if i.advanced]
        if advanced:
            group = QGroupBox(self.tr("Advanced"), inner)
            group_lay = QVBoxLayout(group)
            for info in advanced:
                self._option_block(info, getattr(section, info.name), group, group_lay)
            lay.addWidget(group)
            self._advanced.append(group)
        lay.addStretch()
        return self._scroll(inner)

    def _block(self, parent: QWidget, lay: QVBoxLayout, label: str, editor, help_text: str,
               note: QLabel | None = None) -> None:
        """Label above, editor, the "not accepted" note, then the help line."""
        if label:
            title = QLabel(label, parent)
            title.setWordWrap(True)
            title.setStyleSheet("font-weight: bold; margin-top: 8px;")
            lay.addWidget(title)
            if isinstance(editor, QWidget):
                title.setBuddy(editor)
        if isinstance(editor, QWidget):
            row = QHBoxLayout()
            row.addWidget(editor, 1 if isinstance(editor, (QLineEdit, QCheckBox)) else 0)
            if not isinstance(editor, (QLineEdit, QCheckBox)):
                row.addStretch(1)
            lay.addLayout(row)
        else:
            lay.addLayout(editor)
        if note is not None:
            lay.addWidget(note)
        help_ = QLabel(help_text, parent)
        help_.setWordWrap(True)
        help_.setStyleSheet(HELP_STYLE)
        lay.addWidget(help_)

    def _option_block(self, info: OptionInfo, value: Any, parent: QWidget, lay: QVBoxLayout) -> None:
        editor = make_editor(info, value, parent)
        editor.setToolTip(tr_setting(info.doc))
        note = QLabel(parent)
        note.setWordWrap(True)
        note.setStyleSheet(NOTE_STYLE)
        note.hide()
        if hasattr(editor, "out_of_range"):
            editor.out_of_range.connect(lambda typed, k=info.key: self._note_out_of_range(k, typed))
            editor.back_in_range.connect(note.hide)
        self.fields[info.key] = editor
        self.notes[info.key] = note
        label = tr_setting(info.label)
        if isinstance(editor, QCheckBox):
            editor.setText(label)
            label = ""
        self._block(parent, lay, label, editor, f"{tr_setting(info.doc)}\n{self._range_text(info)}", note)

    def _range_text(self, info: OptionInfo) -> str:
        default = format_value(info, info.default)
        if info.lo is not None and info.hi is not None and not info.choices:
            return self.tr("Allowed: %1 to %2. Default: %3.").replace("%1", format_value(info, type(info.default)(
                info.lo))).replace("%2", format_value(info, type(info.default)(info.hi))).replace("%3", default)
        return self.tr("Default: %1.").replace("%1", default)

    def _set_advanced_visible(self, visible: bool) -> None:
        for group in self._advanced:
            group.setVisible(visible)

    def _note_out_of_range(self, key: str, typed: str) -> None:
        self.notes[key].setText(self._out_of_range_text(key, typed))
        self.notes[key].show()

    def _out_of_range_text(self, key: str, typed: str) -> str:
        info = self.infos[key]
        lo, hi = type(info.default)(info.lo), type(info.default)(info.hi)
        return (self.tr("%1 is outside the allowed range %2 to %3; the value stays %4.")
                .replace("%1", typed).replace("%2", format_value(info, lo)).replace("%3", format_value(info, hi))
                .replace("%4", format_value(info, editor_value(self.fields[key]))))

    # -- camera -------------------------------------------------------------------------------
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

    # -- values -------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """{stored key: value} of every setting as the form holds it now."""
        return {key: editor_value(w) for key, w in self.fields.items()}

    def edits(self) -> dict[str, Any]:
        """The settings the admin changed in the form (Restore defaults included)."""
        return {k: v for k, v in self.values().items() if self.base_form.get(k) != v}

    def restore_defaults(self) -> None:
        """Every setting back to its default in the form; nothing is saved before OK."""
        for key, info in self.infos.items():
            field = self.fields[key]
            set_editor_value(field, info.default)
            if hasattr(field, "clear_refusal"):
                field.clear_refusal()  # also when the default was the value kept in view
            self.notes[key].hide()
        self.status.setText(self.tr("Default values restored; press OK to save them."))

    def _show_field(self, key: str) -> None:
        field = self.fields[key]
        self.show_section(self.infos[key].section)
        if self.infos[key].advanced:
            self.show_advanced.setChecked(True)
        field.setFocus()

    def accept(self) -> None:
        """Validate everything here, then hash the PIN and save both settings in one
        transaction on a worker (a locked database must not freeze the window); the dialog
        closes when the save succeeds and stays open with the reason when it does not."""
        if self._saving:
            return
        refused = [k for k, w in self.fields.items() if getattr(w, "refused", "")]
        if refused:
            self._show_field(refused[0])
            text = self._out_of_range_text(refused[0], self.fields[refused[0]].refused)
            QMessageBox.warning(self, self.tr("Invalid setting"), f"{tr_setting(self.infos[refused[0]].label)}: {text}")
            return
        try:
            Settings.from_dict(self.values())  # every field checked here, with the field shown
            base = Settings.from_dict(self.base)
            settings = Settings.from_dict({**self.base, **self.edits()})  # unchanged ones exactly as stored
        except SettingsError as exc:
            self._refuse(exc)
            return
        prefs = replace(self.prefs, camera_source=self.camera.currentText().strip() or "0",
                        language=self.language.currentData(), kiosk=self.kiosk.isChecked(),
                        sound=self.sound.isChecked(), site_name=self.site_name.text().strip(),
                        logo_path=self.logo_path.text().strip())
        pin = None
        if self.pin.text() or self.pin2.text():
            if self.pin.text() != self.pin2.text():
                QMessageBox.warning(self, self.tr("Admin PIN"), self.tr("The two PINs differ."))
                return
            try:
                check_pin_format(self.pin.text())
            except PinError as exc:
                QMessageBox.warning(self, self.tr("Admin PIN"), error_text(exc))
                return
            pin = self.pin.text()
        try:
            self.ctx.check_not_database(prefs.camera_source, "a camera or video")
        except FaceAppError as exc:
            QMessageBox.warning(self, self.tr("Camera source"), error_text(exc))
            return
        if prefs.kiosk and not (prefs.kiosk_pin_hash or pin):
            QMessageBox.warning(self, self.tr("Admin PIN"), self.tr("Set an admin PIN before enabling kiosk mode."))
            return

        def save() -> tuple[Settings, UiPrefs]:
            if missing_video_file(prefs.camera_source):  # a stat can hang on a network drive: not here
                raise MissingVideoFile(prefs.camera_source)
            final = replace(prefs, kiosk_pin_hash=hash_pin(pin)) if pin else prefs  # scrypt: ~70 ms
            saved = self.ctx.save_settings(settings, also=final.record(base=self.prefs), base=base)
            return saved, UiPrefs.load(self.ctx)  # with what another window changed meanwhile

        self._set_saving(True)
        run_in_thread(save, lambda result: self._saved(*result), self._save_failed)

    def _conflict(self, exc: SettingsConflictError) -> None:
        """Another program changed settings the admin also changed, to other values: nothing
        was saved. The form takes over the stored values of the settings the admin left alone,
        keeps the admin's entries, and says which differ; OK again saves them over the others."""
        mine = self.edits()
        self.base = exc.stored.to_dict()
        for key, value in self.base.items():
            if key not in mine and key in self.fields:
                set_editor_value(self.fields[key], value)
        self.base_form = {k: (self.base_form[k] if k in mine else v) for k, v in self.values().items()}
        lines = [self.tr("%1: now %2 (changed by another program while this window was open); you entered %3.")
                 .replace("%1", tr_setting(self.infos[c.key].label))
                 .replace("%2", format_value(self.infos[c.key], Settings.masked({c.key: c.stored})[c.key]))
                 .replace("%3", format_value(self.infos[c.key], Settings.masked({c.key: c.mine})[c.key]))
                 for c in exc.conflicts if c.key in self.infos]
        self._show_field(exc.conflicts[0].key)
        QMessageBox.warning(self, self.tr("Settings changed meanwhile"), "\n".join(
            [self.tr("Nothing was saved: settings you changed were also changed by another program.")] + lines
            + [self.tr("Press OK again to save your values instead, or Cancel to keep the others.")]))

    def _refuse(self, exc: SettingsError) -> None:
        """Show the section and field at fault, and say why in the fields' own words."""
        keys = [k for k in exc.keys if k in self.fields]
        if keys:
            self._show_field(keys[0])
        labels = {k: tr_setting(self.infos[k].label) for k in keys}
        if len(keys) == 2:
            low, high = (format_value(self.infos[k], self.values()[k]) for k in keys)
            text = self.tr("\"%1\" (%2) must not be above \"%3\" (%4).").replace("%1", labels[keys[0]]) \
                .replace("%2", low).replace("%3", labels[keys[1]]).replace("%4", high)
        elif keys:
            reason = str(exc).split(": ", 1)[1] if str(exc).startswith(keys[0]) and ": " in str(exc) else str(exc)
            translated = summary(exc)  # None in English: the reason says it all
            text = f"{labels[keys[0]]}: {translated}\n{sentence(reason)}" if translated else f"{labels[keys[0]]}: {reason}"
        else:
            text = error_text(exc)
        QMessageBox.warning(self, self.tr("Invalid setting"), text)

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
        if isinstance(exc, SettingsConflictError):
            self._conflict(exc)
            return
        if isinstance(exc, MissingVideoFile):
            self.show_section("vision")
            self.camera.setFocus()
            QMessageBox.warning(self, self.tr("Camera source"),
                                self.tr("The video file %1 does not exist. Choose an existing file, a camera "
                                        "number or a stream address.").replace("%1", str(exc)))
            return
        QMessageBox.warning(self, self.tr("Settings"), error_text(exc))

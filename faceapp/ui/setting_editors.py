"""Editors for one setting each (spin box, list, tick box, text), made from its OptionInfo.

Two things a front-desk admin tripped over live here:
* the mouse wheel: scrolling the settings page over a spin box or list changed its value
  unnoticed, so editors take the wheel only when they have the keyboard focus (clicked or
  tabbed into) and otherwise pass it on to the page;
* typed numbers outside the range: Qt's spin boxes silently refuse the keystrokes (0.95 in
  a 0.30-0.80 box leaves 0.5, 99999 in 0-3600 leaves 999), so these keep what was typed and
  report it instead, and the value stays the one from before the edit.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from ..settings import OptionInfo


class _WheelOnlyWhenFocused:
    """Mixin: a wheel over the editor without focus is left to the page (an ignored wheel
    event goes on to the parent, the scroll area). Focus comes from a click or Tab only."""

    def _setup_wheel(self) -> None:
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if not self.hasFocus():
            event.ignore()
            return
        super().wheelEvent(event)


class ChoiceEditor(_WheelOnlyWhenFocused, QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_wheel()


class _RangeReporting:
    """Mixin for QSpinBox/QDoubleSpinBox: a number outside the range stays in the box while
    typing, and when editing ends (Enter, Tab, click elsewhere) out_of_range(typed) is emitted
    and `refused` holds it until a valid value is entered."""

    refused: str = ""
    _typed: str = ""

    def _setup_range_reporting(self) -> None:
        self._setup_wheel()
        # The value follows the text when editing ends, not at each keystroke: with tracking,
        # 99999 typed into 0-3600 set 999 on the way (its first digits were in range) and kept it.
        self.setKeyboardTracking(False)
        self.refused = ""
        self._typed = ""
        self.lineEdit().textEdited.connect(self._remember)
        self.editingFinished.connect(self._finished)
        self.valueChanged.connect(self._value_changed)

    def _number(self, text: str) -> float | None:
        text = text.strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def validate(self, text: str, pos: int):  # noqa: ANN201 - Qt override
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Invalid and self._number(text) is not None:
            state = QValidator.State.Intermediate  # keep what was typed; reported at the end
        return state, text, pos

    def _remember(self, text: str) -> None:
        self._typed = text

    def _finished(self) -> None:
        typed, self._typed = self._typed, ""
        number = self._number(typed)
        if number is not None and not (self.minimum() <= number <= self.maximum()):
            self.refused = typed.strip()
            self.out_of_range.emit(self.refused)
        elif typed:
            self.clear_refusal()  # typed back in range, even if it equals the value kept in view

    def clear_refusal(self) -> None:
        """Forget an out-of-range entry (the value shown is what counts again)."""
        if self.refused:
            self.refused = ""
            self.back_in_range.emit()

    def _value_changed(self, _value: Any) -> None:
        self.clear_refusal()


class IntEditor(_RangeReporting, _WheelOnlyWhenFocused, QSpinBox):
    out_of_range = Signal(str)
    back_in_range = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_range_reporting()


class FloatEditor(_RangeReporting, _WheelOnlyWhenFocused, QDoubleSpinBox):
    out_of_range = Signal(str)
    back_in_range = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_range_reporting()


def _float_steps(lo: float, hi: float) -> tuple[int, float]:
    """Decimals and step for a float range: hundredths for distances (up to 2, the largest a
    unit-vector encoder gives), whole numbers for 0-255; always enough decimals to show (and
    type) the minimum itself, e.g. 0.01 of 0.01-50."""
    span = hi - lo
    if span <= 2:
        decimals, step = 2, 0.01
    elif span <= 10:
        decimals, step = 1, 0.1
    elif span <= 60:
        decimals, step = 1, 1.0
    else:
        decimals, step = 0, 1.0
    while decimals < 4 and abs(round(lo, decimals) - lo) > 1e-9:
        decimals += 1
    return decimals, step


def make_editor(info: OptionInfo, value: Any, parent: QWidget) -> QWidget:
    """The editor for one setting, showing `value`."""
    lo, hi = info.lo, info.hi
    if info.choices:
        wdg: QWidget = ChoiceEditor(parent)
        labels = info.choice_labels or tuple(str(c) for c in info.choices)
        for choice, text in zip(info.choices, labels):
            wdg.addItem(QCoreApplication.translate("Settings", text), choice)
    elif isinstance(info.default, bool):
        wdg = QCheckBox(parent)
    elif isinstance(info.default, int):
        wdg = IntEditor(parent)
        wdg.setRange(int(lo if lo is not None else -10**9), int(hi if hi is not None else 10**9))
    elif isinstance(info.default, float):
        wdg = FloatEditor(parent)
        decimals, step = _float_steps(lo if lo is not None else 0.0, hi if hi is not None else 1e9)
        wdg.setDecimals(decimals)
        wdg.setSingleStep(step)
        wdg.setRange(float(lo if lo is not None else -1e9), float(hi if hi is not None else 1e9))
    else:
        wdg = QLineEdit(parent)
        if info.secret:
            wdg.setEchoMode(QLineEdit.EchoMode.Password)
    set_editor_value(wdg, value)
    return wdg


def set_editor_value(wdg: QWidget, value: Any) -> None:
    if isinstance(wdg, QComboBox):
        wdg.setCurrentIndex(max(0, wdg.findData(value)))
    elif isinstance(wdg, QCheckBox):
        wdg.setChecked(bool(value))
    elif isinstance(wdg, QSpinBox):
        wdg.setValue(int(value))
    elif isinstance(wdg, QDoubleSpinBox):
        wdg.setValue(float(value))
    elif isinstance(wdg, QLineEdit):
        wdg.setText(str(value))


def editor_value(wdg: QWidget) -> Any:
    """The stored value the editor holds (a choice's stored value, not its label)."""
    if isinstance(wdg, QComboBox):
        return wdg.currentData()
    if isinstance(wdg, QCheckBox):
        return wdg.isChecked()
    if isinstance(wdg, (QSpinBox, QDoubleSpinBox)):
        return wdg.value()
    return wdg.text()


def format_value(info: OptionInfo, value: Any) -> str:
    """A value as the help line shows it (choices by their label, on/off, numbers as typed)."""
    if info.choices:
        labels = dict(zip(info.choices, info.choice_labels or tuple(str(c) for c in info.choices)))
        return QCoreApplication.translate("Settings", labels.get(value, str(value)))
    if isinstance(value, bool):
        return QCoreApplication.translate("SettingsDialog", "on") if value else \
            QCoreApplication.translate("SettingsDialog", "off")
    if isinstance(value, float):
        decimals, _ = _float_steps(info.lo or 0.0, info.hi if info.hi is not None else 1e9)
        return f"{value:.{decimals}f}"
    if value == "":
        return QCoreApplication.translate("SettingsDialog", "empty")
    return str(value)

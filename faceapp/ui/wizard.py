"""Enrolment wizard: details -> consent -> samples (camera or photos) -> review -> save.

Nothing is written until the last page is accepted; the engine work (check_frame,
check_photos, find_duplicate) runs off the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout, QWizard, QWizardPage)

from ..hardware.capture import FrameTap
from ..shared.errors import FaceAppError
from ..shared.records import Employee
from ..services.enrolment import consent_now
from . import file_dialogs
from .live import to_qimage
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)
GUIDED_SAMPLES = 5
NO_PICTURE_S = 5.0  # no frame for this long: the page says the camera gives no picture
CONSENT_TEXT = QT_TRANSLATE_NOOP("ConsentPage", "I agree that my face is photographed and stored as a biometric template by my employer to record my attendance and open the door. I can ask for it to be deleted at any time.")  # noqa: E501


# EnrolmentService.judge's advice, by prefix, for the translated UI (numbers stay in English text).
ADVICE = {
    "no face found": QT_TRANSLATE_NOOP("Advice", "no face found - look at the camera"),
    "move closer": QT_TRANSLATE_NOOP("Advice", "move closer"),
    "too dark": QT_TRANSLATE_NOOP("Advice", "too dark - turn towards the light"),
    "too bright": QT_TRANSLATE_NOOP("Advice", "too bright - step out of direct light"),
    "hold still": QT_TRANSLATE_NOOP("Advice", "hold still (image is blurred)"),
    "turn slightly left": QT_TRANSLATE_NOOP("Advice", "turn slightly left to face the camera"),
    "turn slightly right": QT_TRANSLATE_NOOP("Advice", "turn slightly right to face the camera"),
    "keep your head upright": QT_TRANSLATE_NOOP("Advice", "keep your head upright"),
    # a photo file (EnrolmentService.check_photos): only another photo helps
    "no face found in the photo": QT_TRANSLATE_NOOP("Advice", "no face found in the photo - use a photo where the face is clearly visible"),  # noqa: E501
    "face too small": QT_TRANSLATE_NOOP("Advice", "face too small - use a photo where the face is larger"),
    "too dark - use": QT_TRANSLATE_NOOP("Advice", "too dark - use a brighter photo"),
    "too bright - use": QT_TRANSLATE_NOOP("Advice", "too bright - use a photo that is not overexposed"),
    "blurred": QT_TRANSLATE_NOOP("Advice", "blurred - use a sharp photo"),
    "face turned": QT_TRANSLATE_NOOP("Advice", "face turned to the side - use a photo where the face looks straight at the camera"),  # noqa: E501
    "head tilted": QT_TRANSLATE_NOOP("Advice", "head tilted - use a photo where the head is upright"),
}


def advice(problem: str) -> str:
    """Translate one quality problem; ones with a count ("2 faces in view") keep their number."""
    if "faces in view" in problem:
        return QCoreApplication.translate("Advice", "%1 faces in view - only the person enrolling please") \
            .replace("%1", problem.split(" ", 1)[0])
    if "faces in the photo" in problem:
        return QCoreApplication.translate("Advice", "%1 faces in the photo - use a photo of the person alone") \
            .replace("%1", problem.split(" ", 1)[0])
    for prefix, text in sorted(ADVICE.items(), key=lambda item: -len(item[0])):  # the longest prefix first
        if problem.startswith(prefix):
            return QCoreApplication.translate("Advice", text)
    return problem


class DetailsPage(QWizardPage):
    def __init__(self, wiz: "EnrolWizard") -> None:
        super().__init__(wiz)
        self.wiz = wiz
        self.setTitle(self.tr("Employee details"))
        form = QFormLayout(self)
        self.number, self.name, self.department = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        form.addRow(self.tr("Employee number *"), self.number)
        form.addRow(self.tr("Full name *"), self.name)
        form.addRow(self.tr("Department"), self.department)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)  # "number ... is already used by ..." is longer than the page
        form.addRow(self.error)
        self.registerField("number*", self.number)
        self.registerField("name*", self.name)
        self.registerField("department", self.department)
        self._checking = False
        self._free_number = ""  # last number the database said is free

    def validatePage(self) -> bool:
        """Next is allowed once a worker has confirmed the number is free (Qt asks for a
        bool at once, so the first press starts the lookup and the answer presses Next)."""
        number = self.number.text().strip()
        if number and number == self._free_number:
            return True
        if not self._checking:
            self._checking = True
            self.error.setText(self.tr("Checking the employee number…"))
            run_in_thread(lambda: self.wiz.ctx.employees().find(number),
                          lambda existing: self._number_checked(number, existing), self._check_failed)
        return False

    def _number_checked(self, number: str, existing) -> None:
        self._checking = False
        if existing is not None:
            self.error.setText(self.tr("Employee number %1 is already used by %2. Choose another number, or "
                                       "re-enrol that employee from the Employees page.")
                               .replace("%1", number).replace("%2", existing.name))
            return
        self.error.clear()
        self._free_number = number
        if self.wiz.currentPage() is self and self.number.text().strip() == number:
            self.wiz.next()

    def _check_failed(self, exc: BaseException) -> None:
        self._checking = False
        self.error.setText(error_text(exc))


class ConsentPage(QWizardPage):
    def __init__(self, wiz: "EnrolWizard") -> None:
        super().__init__(wiz)
        self.setTitle(self.tr("Consent"))
        lay = QVBoxLayout(self)
        text = QLabel(self.tr(CONSENT_TEXT), self)
        text.setWordWrap(True)
        self.check = QCheckBox(self.tr("The employee has read this and consents"), self)
        lay.addWidget(text)
        lay.addWidget(self.check)
        self.registerField("consent*", self.check)


class CapturePage(QWizardPage):
    """Guided capture from the camera with live advice, or photos from files."""

    frame_checked = Signal(object, object)  # image, SampleCheck (emitted on the checker thread)
    camera_ended = Signal()  # the live camera's source ended for good (emitted on the checker thread)
    camera_silent = Signal()  # no frame for NO_PICTURE_S (emitted on the checker thread)

    def __init__(self, wiz: "EnrolWizard") -> None:
        super().__init__(wiz)
        self.wiz = wiz
        self.setTitle(self.tr("Face samples"))
        self.setSubTitle(self.tr("Look at the camera; samples are taken automatically when the quality is good. "
                                 "Or enrol from photos."))
        self.preview = QLabel(self)
        self.preview.setMinimumSize(320, 240)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #111; color: #ddd;")
        self.advice = QLabel(self)
        self.advice.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.advice.setWordWrap(True)
        self.count = QLabel(self)
        self.camera_button = QPushButton(self.tr("Capture from camera"), self)
        self.camera_button.clicked.connect(self.start_camera)
        self.photos_button = QPushButton(self.tr("Enrol from photos…"), self)
        self.photos_button.clicked.connect(self.choose_photos)
        self.photo_results = QListWidget(self)
        self.photo_results.setMaximumHeight(120)
        row = QHBoxLayout()
        row.addWidget(self.camera_button)
        row.addWidget(self.photos_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.advice)
        lay.addWidget(self.count)
        lay.addLayout(row)
        lay.addWidget(self.photo_results)
        self._capture: FrameTap | None = None  # frames of the live camera (its one owner is LiveController)
        self._stop = threading.Event()
        self._last_take = 0
        self.busy = False
        self.frame_checked.connect(self._on_checked)
        self.camera_ended.connect(self._on_camera_ended)
        self.camera_silent.connect(self._on_camera_silent)

    def initializePage(self) -> None:
        self._update_count()

    def cleanupPage(self) -> None:
        self.stop_camera()

    def isComplete(self) -> bool:
        return len(self.wiz.samples) >= self.wiz.ctx.settings.enrolment.min_samples and not self.busy

    def _update_count(self) -> None:
        self.count.setText(self.tr("Samples: %1 (at least %2 needed, %3 recommended)")
                           .replace("%1", str(len(self.wiz.samples)))
                           .replace("%2", str(self.wiz.ctx.settings.enrolment.min_samples))
                           .replace("%3", str(GUIDED_SAMPLES)))
        self.completeChanged.emit()

    # camera -----------------------------------------------------------------------------
    def start_camera(self) -> None:
        self.stop_camera()
        cap = self.wiz.frames()
        self._capture, self._stop = cap, threading.Event()
        service, stop, target = self.wiz.service, self._stop, GUIDED_SAMPLES

        def run() -> None:  # checker thread: every frame judged, advice sent to the page
            while not stop.is_set():
                try:
                    frame = cap.get(timeout=NO_PICTURE_S)
                except queue.Empty:  # a camera being reconnected: say so, keep waiting
                    if not stop.is_set():
                        self.camera_silent.emit()
                    continue
                if frame is None:
                    if not stop.is_set():
                        self.camera_ended.emit()
                    break
                try:
                    check = service.check_frame(frame.image)
                    if stop.is_set():
                        break
                    self.frame_checked.emit(frame.image, check)
                except Exception:  # noqa: BLE001
                    log.exception("check_frame failed")
                    break

        threading.Thread(target=run, name="faceapp-enrol-check", daemon=True).start()
        self.advice.setText(self.tr("Look at the camera…"))
        self._target = target

    def stop_camera(self) -> None:
        self._stop.set()
        if self._capture is not None:
            self._capture.close()
            self._capture = None

    def _on_camera_ended(self) -> None:
        self.stop_camera()
        self.preview.clear()
        self.preview.setText(self.tr("No picture"))
        self.advice.setText(self.tr("The camera or video is not available - enrol from photos, or check the "
                                    "camera in Settings"))
        self.photos_button.setFocus()

    def _on_camera_silent(self) -> None:
        if self._capture is not None:
            self.advice.setText(self.tr("No picture from the camera yet - it may be disconnected. Enrol from "
                                        "photos, or check the camera in Settings"))

    def _on_checked(self, image, check) -> None:
        if self._capture is None:
            return
        self.preview.setPixmap(QPixmap.fromImage(to_qimage(image)).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio))
        if check.ok:
            self._last_take += 1
            if self._last_take % 5 == 1:  # spread samples over time: small pose changes
                self.wiz.samples.append(check.face)
                self._update_count()
            self.advice.setText(self.tr("Good - hold still"))
            if len(self.wiz.samples) >= GUIDED_SAMPLES:
                self.stop_camera()
                self.advice.setText(self.tr("Done - %1 samples taken").replace("%1", str(len(self.wiz.samples))))
        else:
            self.advice.setText("; ".join(advice(p) for p in check.problems))

    # photos -----------------------------------------------------------------------------
    def choose_photos(self) -> None:
        paths = file_dialogs.open_files(self, self.tr("Photos of the employee"),
                                        self.tr("Images (*.png *.jpg *.jpeg *.bmp *.webp)"))
        if paths:
            self.add_photos(paths)

    def add_photos(self, paths: list[str]) -> None:
        self.busy = True
        self.completeChanged.emit()
        self.advice.setText(self.tr("Checking %n photo(s)…", "", len(paths)))
        run_in_thread(lambda: self.wiz.service.check_photos(paths), self._photos_checked, self._photos_failed)

    def _photos_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.advice.setText(error_text(exc))
        self._update_count()

    def _photos_checked(self, checks) -> None:
        self.busy = False
        for c in checks:
            name = str(c.source).replace("\\", "/").rsplit("/", 1)[-1]
            if c.ok:
                self.wiz.samples.append(c.face)
                self.preview.setPixmap(QPixmap.fromImage(to_qimage(c.face.chip)))
                item = QListWidgetItem(self.tr("✔ %1: usable").replace("%1", name))
            else:
                item = QListWidgetItem(self.tr("✘ %1: %2").replace("%1", name).replace("%2", "; ".join(advice(p) for p in c.problems)))
            self.photo_results.addItem(item)
        self.advice.setText("")
        self._update_count()


class ReviewPage(QWizardPage):
    """Aligned chips of every sample; remove the bad ones or go back to take more."""

    def __init__(self, wiz: "EnrolWizard") -> None:
        super().__init__(wiz)
        self.wiz = wiz
        self.setTitle(self.tr("Review samples"))
        self.list = QListWidget(self)
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(120, 120))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)  # several at once
        remove = QPushButton(self.tr("Remove selected"), self)
        remove.clicked.connect(self.remove_selected)
        retake = QPushButton(self.tr("Retake / add samples"), self)
        retake.clicked.connect(wiz.back)
        row = QHBoxLayout()
        row.addWidget(remove)
        row.addWidget(retake)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)

    def initializePage(self) -> None:
        self.list.clear()
        for i, f in enumerate(self.wiz.samples):
            item = QListWidgetItem(QIcon(QPixmap.fromImage(to_qimage(f.chip))), str(i + 1))
            self.list.addItem(item)
        self.completeChanged.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.wiz.samples.pop(self.list.row(item))
            self.list.takeItem(self.list.row(item))
        self.wiz.capture._update_count()  # going Back does not re-initialise the samples page
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return len(self.wiz.samples) >= self.wiz.ctx.settings.enrolment.min_samples


class SavePage(QWizardPage):
    """Duplicate check result, then save on Finish."""

    def __init__(self, wiz: "EnrolWizard") -> None:
        super().__init__(wiz)
        self.wiz = wiz
        self.setTitle(self.tr("Save"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setStyleSheet("font-size: 16px;")
        self.different = QCheckBox(self.tr("This is a different person: save anyway (recorded in the audit log)"),
                                   self)
        self.different.hide()
        self.different.toggled.connect(lambda _on: self.completeChanged.emit())
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.result)
        lay.addWidget(self.different)
        lay.addStretch()
        self.checked = False
        self.duplicate: Employee | None = None  # clearly already enrolled: refused
        self.similar: Employee | None = None  # looks alike: the admin decides
        self.setFinalPage(True)

    def initializePage(self) -> None:
        w = self.wiz
        who = w.employee.name if w.employee else self.field("name")
        self.summary.setText(self.tr("%1: %2 sample(s) will be saved.").replace("%1", str(who))
                             .replace("%2", str(len(w.samples))))
        self.checked, self.duplicate, self.similar = False, None, None
        self.different.setChecked(False)
        self.different.hide()
        self.result.setText(self.tr("Checking that this person is not already enrolled…"))
        samples, exclude = list(w.samples), (w.employee.id if w.employee else None)
        run_in_thread(lambda: w.service.check_duplicate(samples, exclude_id=exclude), self._checked, self._failed)
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.result.setText(error_text(exc))

    def _checked(self, result) -> None:  # noqa: ANN001 - (DuplicateCheck, Employee | None)
        verdict, who = result
        self.checked = True
        self.duplicate = who if verdict.kind == "duplicate" else None
        self.similar = who if verdict.kind == "similar" else None
        dup = self.duplicate
        if self.similar is not None:
            self.result.setText(self.tr("? This person looks like %1 (no. %2). Same person? Then cancel and re-enrol "
                                        "that employee. If not, confirm below.")
                                .replace("%1", self.similar.name).replace("%2", self.similar.number))
            self.different.show()
        elif dup is None:
            self.result.setText(self.tr("✔ Duplicate check: nobody enrolled looks like this person. "
                                        "Press Finish to save."))
        else:
            who = self.wiz.employee.name if self.wiz.employee else self.field("name")
            self.summary.setText(self.tr("%1: not saved.").replace("%1", str(who)))
            self.result.setText(self.tr("✘ This person is already enrolled as %1 (no. %2). Edit or re-enrol "
                                        "that employee instead; nothing was saved.")
                                .replace("%1", dup.name).replace("%2", dup.number))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.checked and self.duplicate is None and (self.similar is None or self.different.isChecked())

    def validatePage(self) -> bool:
        w = self.wiz
        try:
            if w.employee is None:
                emp = w.service.enrol(str(self.field("number")).strip(), str(self.field("name")).strip(),
                                      str(self.field("department") or "").strip(), w.samples,
                                      consent_at=consent_now(), actor="admin",
                                      allow_similar=self.different.isChecked(), sightings=w.sightings)
            else:
                emp = w.reenrol(w.employee, w.samples, allow_similar=self.different.isChecked())
        except FaceAppError as exc:
            QMessageBox.warning(self, self.tr("Enrolment"), error_text(exc))
            return False
        w.saved = emp
        return True


class EnrolWizard(QWizard):
    """`employee` given: re-enrol that person (details and consent pages are skipped)."""

    enrolled = Signal(object)  # Employee

    def __init__(self, ctx, service, frames: Callable[[], FrameTap], employee: Employee | None = None,
                 parent=None, samples: list | None = None, sightings: tuple[int, ...] = ()) -> None:
        super().__init__(parent)
        self.ctx, self.service, self.frames, self.employee = ctx, service, frames, employee
        # `samples` given: an unknown face's pictures (Unknown faces page), already through the
        # quality gates; `sightings` are marked enrolled with the person, in the same transaction
        self.samples: list = list(samples or [])
        self.sightings = tuple(sightings)
        self.saved: Employee | None = None
        self.setWindowTitle(self.tr("Enrol employee") if employee is None
                            else self.tr("Re-enrol %1").replace("%1", employee.name))
        # Re-enrolment has no details and consent pages at all: made but not added, they were
        # still child widgets and were drawn over the other pages.
        self.details: DetailsPage | None = DetailsPage(self) if employee is None else None
        self.consent: ConsentPage | None = ConsentPage(self) if employee is None else None
        self.capture, self.review, self.save = CapturePage(self), ReviewPage(self), SavePage(self)
        if employee is None:
            self.addPage(self.details)
            self.addPage(self.consent)
        for p in (self.capture, self.review, self.save):
            self.addPage(p)
        self.resize(720, 600)
        self.finished.connect(lambda _: self.capture.stop_camera())

    def reenrol(self, emp: Employee, samples: list, allow_similar: bool = False) -> Employee:
        """New face samples replace the person's old templates (EnrolmentService.reenrol)."""
        return self.service.reenrol(emp.id, samples, actor="admin", allow_similar=allow_similar)

    def accept(self) -> None:
        super().accept()
        if self.saved is not None:
            self.enrolled.emit(self.saved)

"""The enrolment wizard's pages as an admin sees them: re-enrol layout, the sample count
after a removal, and the wording of the duplicate checks."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from PySide6.QtWidgets import QWizard, QWizardPage

from faceapp.ui.wizard import EnrolWizard

pytestmark = pytest.mark.usefixtures("needs_models")


@pytest.fixture()
def photo_samples(ctx, enrol_photo):
    """Three real samples of one face (the same photo three times)."""
    checks = ctx.enrolment().check_photos([enrol_photo])
    face = next(c.face for c in checks if c.ok)
    return [face, face, face]


def _wizard(ctx, qtbot, employee=None) -> EnrolWizard:
    wiz = EnrolWizard(ctx, ctx.enrolment(), lambda: None, employee)
    qtbot.addWidget(wiz)
    wiz.show()
    return wiz


def _visible_pages(wiz) -> list[QWizardPage]:
    return [p for p in wiz.findChildren(QWizardPage) if p.isVisible()]


def test_reenrol_shows_only_the_current_page(ctx, qtbot, photo_samples):
    """Issue 13 item 7: the re-enrol wizard drew the Details and Consent pages on top of
    Samples and Save."""
    emb = np.random.default_rng(0).standard_normal((1, 128)).astype(np.float32)
    emp = ctx.repo.enrol("7", "Kit Marlowe", "", datetime.now(timezone.utc), emb, [1.0], "other-model")
    wiz = _wizard(ctx, qtbot, emp)
    assert wiz.currentPage() is wiz.capture
    assert _visible_pages(wiz) == [wiz.capture]
    wiz.samples.extend(photo_samples)
    wiz.capture._update_count()
    wiz.next()
    assert _visible_pages(wiz) == [wiz.review]
    wiz.next()
    assert _visible_pages(wiz) == [wiz.save]
    qtbot.waitUntil(lambda: wiz.save.checked, timeout=30000)
    assert "Kit Marlowe" in wiz.save.summary.text()


def test_sample_count_follows_removals_on_the_review_page(ctx, qtbot, photo_samples):
    """Issue 13 item 13: after "Remove selected" the Samples page still counted the removed samples."""
    wiz = _wizard(ctx, qtbot, None)
    wiz.details.number.setText("8")
    wiz.details.name.setText("Ana")
    wiz.next()
    qtbot.waitUntil(lambda: wiz.currentPage() is wiz.consent, timeout=5000)
    wiz.consent.check.setChecked(True)
    wiz.next()
    wiz.samples.extend(photo_samples)
    wiz.capture._update_count()
    assert wiz.capture.count.text().startswith("Samples: 3")
    wiz.next()
    wiz.review.list.item(0).setSelected(True)
    wiz.review.list.item(2).setSelected(True)
    wiz.review.remove_selected()
    assert len(wiz.samples) == 1 and wiz.review.list.count() == 1
    wiz.back()  # "Retake / add samples"
    assert wiz.currentPage() is wiz.capture
    assert wiz.capture.count.text().startswith("Samples: 1"), wiz.capture.count.text()


def test_duplicate_number_message_wraps(ctx, qtbot):
    """Issue 13 item 13: the duplicate-number error was clipped (no word wrap)."""
    emb = np.random.default_rng(1).standard_normal((1, 128)).astype(np.float32)
    ctx.repo.enrol("0042", "Someone With A Rather Long Name", "", datetime.now(timezone.utc), emb, [1.0], "m")
    wiz = _wizard(ctx, qtbot, None)
    wiz.details.number.setText("0042")
    wiz.details.name.setText("Ana")
    wiz.next()
    error = wiz.details.error
    qtbot.waitUntil(lambda: "already used" in error.text(), timeout=5000)
    assert error.wordWrap()
    assert error.fontMetrics().horizontalAdvance(error.text()) > error.width()  # long: it needs the wrap
    qtbot.waitUntil(lambda: error.height() >= error.heightForWidth(error.width()), timeout=2000)  # every line shown


def test_duplicate_face_page_does_not_promise_a_save(ctx, qtbot, photo_samples):
    """Issue 13 item 13: the duplicate-face page said "1 sample(s) will be saved" above
    "nothing was saved"."""
    ctx.enrolment().enrol("1001", "Lin-Manuel Miranda", "Cast", photo_samples[:1],
                          consent_at=datetime.now(timezone.utc))
    wiz = _wizard(ctx, qtbot, None)
    wiz.details.number.setText("2000")
    wiz.details.name.setText("Lin Again")
    wiz.next()
    qtbot.waitUntil(lambda: wiz.currentPage() is wiz.consent, timeout=5000)
    wiz.consent.check.setChecked(True)
    wiz.next()
    wiz.samples.extend(photo_samples[:1])
    wiz.capture._update_count()
    wiz.next()
    wiz.next()
    qtbot.waitUntil(lambda: wiz.save.checked, timeout=30000)
    assert "already enrolled as Lin-Manuel Miranda" in wiz.save.result.text()
    assert "will be saved" not in wiz.save.summary.text()
    assert not wiz.button(QWizard.WizardButton.FinishButton).isEnabled()

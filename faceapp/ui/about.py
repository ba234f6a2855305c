"""Help > About: the version, the execution provider and every shipped model with its
licence, where it came from and what it was trained on (read from the models' manifest)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from .. import __version__
from ..vision.models import ModelNotice


class AboutDialog(QDialog):
    def __init__(self, notices: list[ModelNotice], provider: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About faceapp"))
        self.text = QTextBrowser(self)
        self.text.setOpenLinks(False)
        self.text.setHtml(self.render(notices, provider))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(720, 520)

    def render(self, notices: list[ModelNotice], provider: str) -> str:
        rows = "".join(
            f"<h4>{html.escape(n.id)} <small>({html.escape(n.file)})</small></h4>"
            f"<p><b>{self.tr('Licence')}:</b> {html.escape(n.licence)}<br>"
            f"<b>{self.tr('Source')}:</b> {html.escape(n.source)}<br>"
            f"<b>{self.tr('Training data')}:</b> {html.escape(n.training_data)}</p>"
            for n in notices)
        head = self.tr("Face-recognition attendance and door access, version %1. Runs offline.").replace(
            "%1", __version__)
        prov = self.tr("Execution provider: %1").replace("%1", provider or self.tr("not loaded yet"))
        return f"<p>{html.escape(head)}<br>{html.escape(prov)}</p><h3>{self.tr('Models')}</h3>{rows}"

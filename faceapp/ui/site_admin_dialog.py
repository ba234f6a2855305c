"""Sign in as the site admin (a joined kiosk): enrolling, editing and erasing from the window
publish to the site server with this login. Checked by connecting; kept in memory for this
session only (AppContext.site_sign_in), never written to disk; File > Sign out forgets it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..shared.errors import FaceAppError
from .messages import error_text


class SiteAdminDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Sign in as site admin"))
        lay = QVBoxLayout(self)
        self.intro = QLabel(self.tr("The site admin's login on the site server: a user and password (on this kiosk's "
                                    "server and database), or a whole connection string (DSN). It is kept until you "
                                    "sign out or close faceapp, never saved."), self)
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        form = QFormLayout()
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.dsn = QLineEdit(self)
        self.dsn.setEchoMode(QLineEdit.EchoMode.Password)  # a DSN may hold the password
        self.dsn.setPlaceholderText(self.tr("or: host=... dbname=... user=... password=..."))
        form.addRow(self.tr("User"), self.user)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("DSN"), self.dsn)
        lay.addLayout(form)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.sign_in)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        # wide enough for a DSN and the server's reason; the word-wrapped labels set the height
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

    def sign_in(self) -> None:
        """Connect with the login given; stay open with the reason when it is refused."""
        dsn, user = self.dsn.text().strip(), self.user.text().strip()
        if not dsn and not user:
            self._show_error(self.tr("Enter the site admin's user and password, or a DSN."))
            return
        try:
            self.ctx.site_sign_in(dsn=dsn, user=user, password=self.password.text())
        except FaceAppError as exc:
            self._show_error(error_text(exc))
            return
        finally:
            self.password.clear()
        self.accept()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.adjustSize()  # grow to the message: a word-wrapped label does not resize its dialog

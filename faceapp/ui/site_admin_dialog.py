"""Sign in as the site admin (a joined kiosk): enrolling, editing and erasing from the window
publish to the site server with this login. Checked by connecting; kept in memory for this
session only (AppContext.site_sign_in), never written to disk; File > Sign out forgets it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..shared.errors import FaceAppError
from .messages import error_text
from .workers import run_in_thread


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
        self.buttons = buttons
        self.checking = False  # a sign-in check is running on a worker
        # wide enough for a DSN and the server's reason; the word-wrapped labels set the height
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

    def sign_in(self) -> None:
        """Connect with the login given, on a worker (a server that does not answer must not
        freeze the window for the connect timeout); stay open with the reason when refused."""
        if self.checking:
            return
        dsn, user, password = self.dsn.text().strip(), self.user.text().strip(), self.password.text()
        if not dsn and not user:
            self._show_error(self.tr("Enter the site admin's user and password, or a DSN."))
            return
        self.password.clear()
        self.checking = True
        self.buttons.setEnabled(False)
        self._show_error(self.tr("Checking the login on the site server…"))
        run_in_thread(lambda: self.ctx.site_sign_in(dsn=dsn, user=user, password=password),
                      lambda _r: self._checked(None), self._checked)

    def _checked(self, exc: BaseException | None) -> None:
        self.checking = False
        self.buttons.setEnabled(True)
        if exc is None:
            self.error.hide()
            self.accept()
        elif isinstance(exc, FaceAppError):
            self._show_error(error_text(exc))
        else:
            raise exc

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.adjustSize()  # grow to the message: a word-wrapped label does not resize its dialog

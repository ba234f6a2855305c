"""Errors of the site server, with messages an admin can act on."""

from __future__ import annotations

from ..errors import StorageError


class SiteError(StorageError):
    """The site server could not do what was asked."""


class SiteDriverMissingError(SiteError):
    """psycopg or the libpq it needs is not installed on this PC."""


class SiteUnreachableError(SiteError):
    """The site server cannot be reached (network down, server stopped, wrong address)."""


class SiteRefusedError(SiteError):
    """The server refused the statement: this login may not do it (least privilege)."""


class SiteStaleError(SiteError):
    """The site's master data changed since this kiosk last pulled: pull, then try again."""


class SiteAdminRequiredError(SiteError):
    """A change of the site's master data needs the server and an admin login."""

"""A joined kiosk's central reports while the site server is unreachable: the kiosk's own
records (its events and the last synced master data) instead of an error, and since when the
server is away, which the window and `export-csv` say beside the data."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

from ..storage.site_pg.errors import SiteUnreachableError

log = logging.getLogger(__name__)

T = TypeVar("T")

# went_offline(the error) -> local "HH:MM" since when the server is unreachable ("" unknown)
WentOffline = Callable[[SiteUnreachableError], str]


class SiteFallback:
    """Reads from the site, or from this kiosk when the site server cannot be reached.
    `offline_since` after a read: None (the site's data) or "HH:MM"/"" (this kiosk's only)."""

    def __init__(self, went_offline: WentOffline | None = None) -> None:
        self._went_offline = went_offline
        self.offline_since: str | None = None

    def read(self, site: Callable[[], T], local: Callable[[], T]) -> T:
        try:
            out = site()
        except SiteUnreachableError as exc:
            self.offline_since = self._went_offline(exc) if self._went_offline else ""
            log.info("%s: showing this kiosk's records only", exc)
            return local()
        self.offline_since = None
        return out


def offline_note(since: str | None) -> str:
    """The English note (the CLI's warning; the window translates its own)."""
    if since is None:
        return ""
    return "site server unreachable - showing this kiosk's records only" + (f" (since {since})" if since else "")

"""The site server: PostgreSQL schema, roles and queries of several kiosks on one site.

All PostgreSQL SQL of faceapp lives in this package (the kiosk's own SQLite side of the
replica is storage.site_local); the sync logic that drives both is faceapp.sync."""

from .errors import (SiteAdminRequiredError, SiteError, SiteRefusedError, SiteStaleError,
                     SiteUnreachableError)
from .tables import EVENT_TABLES, MASTER_TABLES, SyncedTable

__all__ = ["EVENT_TABLES", "MASTER_TABLES", "SiteAdminRequiredError", "SiteError", "SiteRefusedError",
           "SiteStaleError", "SiteUnreachableError", "SyncedTable"]

"""Several kiosks on one site: the sync between a kiosk's SQLite replica/outbox and the
site's PostgreSQL server (the SQL of both sides is in storage.site_local and storage.site_pg)."""

from .engine import AdminLogin, SiteSync, SyncResult, SyncStatus, admin_publisher
from .scope import KIOSK_SECTIONS, setting_scope, site_setting_keys

__all__ = ["AdminLogin", "KIOSK_SECTIONS", "SiteSync", "SyncResult", "SyncStatus", "admin_publisher", "setting_scope",
           "site_setting_keys"]

"""Which settings a joined kiosk shares with the site and which stay its own (sync/scope.py)."""

from faceapp.sync.scope import setting_scope


def test_the_operating_point_attendance_and_liveness_rules_are_the_sites():
    for key in ("liveness_passive_accept", "cooldown_s", "liveness_for_door"):
        assert setting_scope(key) == "site", key


def test_the_door_relay_camera_and_backups_of_the_local_database_are_each_kiosks_own():
    for key in ("door_backend", "door_liveness", "backup_folder", "backup_keep", "backup_at"):
        assert setting_scope(key) == "kiosk", key

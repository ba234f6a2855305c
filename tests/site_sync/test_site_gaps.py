"""Gaps closed after the first site release (real PostgreSQL, session cluster): a write
refused because another PC moved the site on is pulled for and retried once; `faceapp sync`
wakes on the server's notification; reports fall back to the kiosk's own data offline."""

from __future__ import annotations

from .helpers import ADMIN_ENV, context, enrol_synthetic, joined_kiosk


def test_a_write_behind_the_site_pulls_once_and_retries(site, tmp_path, monkeypatch):
    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    first = enrol_synthetic(a, site, "E1")  # b has not pulled it: b is one revision behind
    second = enrol_synthetic(b, site, "E2", seed=1)  # refused as stale before, now pulled and retried
    ctx = context(b)
    try:
        assert sorted(e.number for e in ctx.repo.list_employees()) == ["E1", "E2"]
        monkeypatch.setenv(ADMIN_ENV, site)
        ctx.repo.update_employee(first.id, name="Renamed")  # b is current: no retry needed
    finally:
        ctx.close()
    assert second.id != first.id

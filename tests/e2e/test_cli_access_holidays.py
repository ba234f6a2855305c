"""`faceapp access add-group --closed-on-holidays`: the flag the Access groups page sets,
from the command line, and shown by `access groups`."""

from __future__ import annotations

from faceapp.cli import main


def test_add_group_closed_on_holidays_is_stored_and_listed(tmp_path, capsys):
    db = tmp_path / "a.db"
    run = lambda *a: main(["--db", str(db), *a])  # noqa: E731
    assert run("access", "add-group", "Office", "--schedule", '{"mon": ["08:00-18:00"]}', "--closed-on-holidays") == 0
    assert run("access", "add-group", "Guards", "--schedule", "always") == 0
    capsys.readouterr()
    assert run("access", "groups") == 0
    out = capsys.readouterr().out
    lines = {line.split(":")[0]: line for line in out.splitlines()}
    assert lines["Office"] == 'Office: {"mon": ["08:00-18:00"]} (0 member(s), closed on public holidays)'
    assert "holidays" not in lines["Guards"]

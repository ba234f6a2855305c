"""Which database files this user's faceapp opened before, remembered outside them.

Without it, a database that was deleted, moved or sits on a drive that is not mounted is
silently replaced at the next start by a new, empty one (sqlite3 creates what it cannot
find), and the front desk carries on booking into it. So every start records the file's
path, identity and size of content in a small JSON file in the per-user state folder
(shared.paths.state_dir), and a start that finds a remembered file missing refuses to
create an empty one unless asked to. Trouble with the JSON file itself never stops the app.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..shared.paths import state_dir
from .errors import DatabaseMissingError
from .watch import FileIdentity

log = logging.getLogger(__name__)

STATE_FILE = "databases.json"
MAX_REMEMBERED = 50  # test runs and trials make many; the oldest are forgotten
KEPT = ("backup_folder", "language")  # noted by other means than opening: kept when the file is remembered again


class KnownDatabases:
    def __init__(self, file: Path) -> None:
        self.file = file

    @classmethod
    def default(cls) -> "KnownDatabases":
        return cls(state_dir() / STATE_FILE)

    @staticmethod
    def key(path: str | Path) -> str:
        return str(Path(path).expanduser().resolve())

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read %s (%s); databases used before are not known", self.file, exc)
            return {}
        found = data.get("databases") if isinstance(data, dict) else None
        return found if isinstance(found, dict) else {}

    def get(self, path: str | Path) -> dict[str, Any] | None:
        entry = self._load().get(self.key(path))
        return entry if isinstance(entry, dict) else None

    def check_before_open(self, path: str | Path, allow_new: bool = False) -> None:
        """DatabaseMissingError when `path` held a database before and is gone now."""
        if Path(path).exists():
            return
        entry = self.get(path)
        if entry is None:
            return
        if allow_new:
            log.warning("the attendance database %s used before is gone; creating a new, empty one as asked", path)
            return
        employees = entry.get("employees")
        held = f", with {employees} employee(s)," if isinstance(employees, int) else ""
        raise DatabaseMissingError(
            f"the attendance database {path} is missing. It was last opened{held} on "
            f"{entry.get('last_opened', 'an earlier start')}. If the drive holding it is not "
            "connected, connect it and start again; if it was moved, start with --db PATH (or "
            "FACEAPP_DB) pointing at it; restore it from a backup; or start a new, empty "
            "database with --new-db", path)

    def remember(self, path: str | Path, employees: int | None = None) -> None:
        """Record the file as opened now (atomically; a failure is only logged)."""
        identity = FileIdentity.of(path)
        if identity is None:
            return
        data = self._load()
        old = data.get(self.key(path)) if isinstance(data.get(self.key(path)), dict) else {}
        data[self.key(path)] = {"dev": identity.dev, "ino": identity.ino, "employees": employees,
                                "last_opened": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                **{k: old[k] for k in KEPT if k in old}}
        self._save(data, path)

    def note_backup_folder(self, path: str | Path, folder: str | Path) -> None:
        """Where the last backup of `path` went: the start-up offer finds it there when the
        database (which holds the backup_folder setting) is gone."""
        data = self._load()
        entry = data.get(self.key(path))
        if not isinstance(entry, dict) or entry.get("backup_folder") == str(Path(folder).absolute()):
            return
        entry["backup_folder"] = str(Path(folder).absolute())
        self._save(data, path)

    def note_language(self, path: str | Path, language: str) -> None:
        """The window's language for `path` (a desktop preference stored in the database): the
        start-up offer of a backup speaks it when the database is missing or damaged."""
        data = self._load()
        entry = data.get(self.key(path))
        if not isinstance(entry, dict) or entry.get("language") == language:
            return
        entry["language"] = language
        self._save(data, path)

    def language(self, path: str | Path) -> str | None:
        entry = self.get(path)
        language = entry.get("language") if entry else None
        return language if isinstance(language, str) else None

    def backup_folder(self, path: str | Path) -> Path | None:
        entry = self.get(path)
        folder = entry.get("backup_folder") if entry else None
        return Path(folder) if isinstance(folder, str) and folder else None

    def _save(self, data: dict[str, Any], path: str | Path) -> None:
        newest = sorted(data.items(), key=lambda kv: str(kv[1].get("last_opened", "")), reverse=True)
        data = dict(newest[:MAX_REMEMBERED])
        tmp: str | None = None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.file.name}.", dir=self.file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"databases": data}, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.file)
        except OSError as exc:
            log.warning("cannot record the database %s in %s: %s", path, self.file, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def is_same_file(self, path: str | Path) -> bool | None:
        """Whether `path` is the very file remembered (None: not remembered)."""
        entry = self.get(path)
        if entry is None:
            return None
        return FileIdentity.of(path) == FileIdentity(entry.get("dev", -1), entry.get("ino", -1))

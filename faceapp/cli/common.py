"""What every command shares: exit codes, the no-face error, the engine and the context.

Kept apart from the package's __init__ (which also starts the desktop window) so a command
module imports nothing of the GUI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from ..shared.errors import FaceAppError

if TYPE_CHECKING:
    from ..app import AppContext
    from ..vision.engine import FaceEngine

EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_INPUT, EXIT_NOFACE, EXIT_MODEL = 0, 1, 2, 3, 4, 5
EXIT_DATABASE_MISSING = 6  # the database used before is gone; --new-db starts an empty one
EXIT_DOOR_UNLOCKED = 7  # a door relay never confirmed the off-command: the door may still be unlocked
EXIT_SCHEMA_NEWER = 8  # restore: the backup was written by a newer faceapp
EXIT_DATABASE_IN_USE = 9  # restore: another process has the database open


class NoFaceError(FaceAppError):
    """An image needed for the command has no detectable face."""


WORKERS_HELP = ("processes that read and analyse the photos (default: $FACEAPP_WORKERS, else one per CPU core; "
                "1: in this process); the results are the same")


_Item = TypeVar("_Item")


def print_list(items: Sequence[_Item], line: Callable[[_Item], str], total: str) -> int:
    """A list command's output: one line per item, then the count ("3 holiday(s)"); exit 0."""
    for item in items:
        print(line(item))
    print(f"{len(items)} {total}")
    return 0


def workers_arg(text: str) -> int:
    """--workers N: a whole number, at least 1 (a usage error otherwise, exit 2)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def load_engine(args: argparse.Namespace, encoder: str | None = None) -> "FaceEngine":
    """Build the engine with the CLI's provider and models folder; encoder: a pack id (None:
    the command's --encoder if it has one, else dlib's, the entry under "encoder")."""
    from ..vision.engine import FaceEngine

    return FaceEngine.load(Path(args.models_dir) if args.models_dir else None, provider=args.provider,
                           encoder=encoder or getattr(args, "encoder", None))


_OPENED: list["AppContext"] = []  # contexts commands opened, closed by close_contexts() after the command


def close_contexts() -> None:
    """Close every context a command opened (database connection, change watcher), whether
    the command closed it itself or not: a command cannot leak one on any exit path."""
    while _OPENED:
        _OPENED.pop().close()


def context(args: argparse.Namespace, reads_only: bool = False, **kw: Any) -> "AppContext":
    """The composition root for a command: database, settings, services. reads_only: the
    command changes nothing, so a database that cannot be written (read-only media) is
    opened read-only, said in one line on stderr; other commands refuse it (exit 1)."""
    from ..app import build_context

    ctx = build_context(args.db, args.provider, args.models_dir, allow_new_db=getattr(args, "new_db", False),
                        read_only_ok=reads_only, **kw)
    _OPENED.append(ctx)
    if ctx.read_only:
        print(f"note: {ctx.db_path} cannot be written (read-only media or no write permission): opened read-only",
              file=sys.stderr)
    return ctx

"""What every command shares: exit codes, the no-face error, the engine and the context.

Kept apart from the package's __init__ (which also starts the desktop window) so a command
module imports nothing of the GUI."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..shared.errors import FaceAppError

if TYPE_CHECKING:
    from ..app import AppContext
    from ..vision.engine import FaceEngine

EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_INPUT, EXIT_NOFACE, EXIT_MODEL = 0, 1, 2, 3, 4, 5
EXIT_DATABASE_MISSING = 6  # the database used before is gone; --new-db starts an empty one


class NoFaceError(FaceAppError):
    """An image needed for the command has no detectable face."""


def load_engine(args: argparse.Namespace, encoder: str | None = None) -> "FaceEngine":
    """Build the engine with the CLI's provider and models folder; encoder: a pack id (None:
    the command's --encoder if it has one, else dlib's, the entry under "encoder")."""
    from ..vision.engine import FaceEngine

    return FaceEngine.load(Path(args.models_dir) if args.models_dir else None, provider=args.provider,
                           encoder=encoder or getattr(args, "encoder", None))


def context(args: argparse.Namespace) -> "AppContext":
    """The composition root for a command: database, settings, services."""
    from ..app import build_context

    return build_context(args.db, args.provider, args.models_dir, allow_new_db=getattr(args, "new_db", False))

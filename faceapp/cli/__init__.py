"""`faceapp` command line: the app itself, and tools to drive the engine from a shell.

Exit codes: 0 done; 1 a check failed (doctor); 2 usage error; 3 unreadable input file;
4 no face found where one was needed; 5 models or runtime unusable; 6 the database used
before is missing (--new-db creates a new, empty one); 7 a door relay never confirmed that
it locked again (whatever the command's own outcome); 8 restore: a backup of a newer
faceapp; 9 restore: the database is open in another program; 141 stdout was a pipe closed early.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..shared.errors import FaceAppError, InputFileError, InvalidValueError, ModelError, ProviderError
from ..hardware.door import close_all_doors
from ..hardware.exit_signals import install_exit_signals
from ..storage.errors import DatabaseMissingError
from .terminal import SafeFormatter, neutralised_output
from .common import (EXIT_CHECK, EXIT_DATABASE_MISSING, EXIT_DOOR_UNLOCKED, EXIT_INPUT, EXIT_MODEL, EXIT_NOFACE,
                     EXIT_OK, EXIT_USAGE, NoFaceError, close_contexts)

__all__ = ["EXIT_CHECK", "EXIT_DATABASE_MISSING", "EXIT_DOOR_UNLOCKED", "EXIT_INPUT", "EXIT_MODEL", "EXIT_NOFACE", "EXIT_OK", "EXIT_USAGE",
           "build_parser", "main"]

log = logging.getLogger("faceapp")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
DOOR_CLOSE_S = 2.0  # at exit, how long the door relays get to confirm they locked
EXIT_PIPE = 141  # stdout was a pipe closed early (128 + SIGPIPE, as a shell reports it)


def build_parser() -> argparse.ArgumentParser:
    from . import (access, attendance, backup, bench, doctor, evaluate, reports, settings, site, templates,
                   timekeeping, vision)

    p = argparse.ArgumentParser(prog="faceapp", description="Face-recognition attendance and door access.")
    p.add_argument("--version", action="version", version=f"faceapp {__version__}")
    p.add_argument("--kiosk", action="store_true",
                   help="start the desktop app locked full screen (needs the admin PIN to leave)")
    p.add_argument("--self-test", action="store_true",
                   help="load the models, run a packaged photo through detect/embed/match and SQLite; exit 0/1")
    p.add_argument("--provider", choices=["auto", "cuda", "cpu"], default=None,
                   help="ONNX Runtime execution provider (default: auto = CUDA when present)")
    p.add_argument("--models-dir", default=None, help="folder with manifest.json and the ONNX models")
    p.add_argument("--db", default=None, help="attendance database file (default: per-user data folder, or $FACEAPP_DB)")
    p.add_argument("--new-db", action="store_true",
                   help="create a new, empty database where the one used before at this path is missing "
                        "(otherwise exit 6)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    vision.register(sub)
    evaluate.register(sub)
    attendance.register(sub)
    access.register(sub)
    timekeeping.register(sub)
    reports.register(sub)
    doctor.register(sub)
    bench.register(sub)
    settings.register(sub)
    templates.register(sub)
    backup.register(sub)
    site.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The `faceapp` command. Output into a pipe whose reader went away (`faceapp doctor |
    head -1`) ends it quietly with EXIT_PIPE, the way the Python docs advise (stdout onto
    devnull, so the flush at interpreter exit cannot fail again), not with a traceback."""
    code: int | None = None
    try:
        try:
            code = _main(argv)
        finally:
            sys.stdout.flush()  # a reader that went away shows here, also after --help (SystemExit)
    except KeyboardInterrupt:  # Ctrl+C before a command ran (while the modules load): no traceback
        return 130
    except BrokenPipeError:
        _stdout_gone()
        if code is None:  # while the command ran: its doors are still to be locked
            return _lock_doors(EXIT_PIPE)
        return code if code == EXIT_DOOR_UNLOCKED else EXIT_PIPE
    return code


def _stdout_gone() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (an in-process caller): nothing to redirect
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format=LOG_FORMAT)
    _safe_console_logging()
    _native_logging(verbose=args.verbose >= 2)
    if args.self_test:
        from .selftest import run_self_test

        try:
            return run_self_test(args.provider, Path(args.models_dir) if args.models_dir else None)
        except FaceAppError as exc:
            print(f"error: {exc}\nSELF-TEST FAILED", file=sys.stderr)
            return EXIT_CHECK
    if not args.command:
        from ..ui.launch import main_from_args

        return main_from_args(args)
    restore = install_exit_signals(_stop_requested)  # SIGTERM & co.: release the door, exit like Ctrl+C
    try:
        with neutralised_output():  # names from the database cannot steer the terminal
            code = _run(args)
    finally:
        restore()
    restore = install_exit_signals(lambda _signum: None)  # another stop signal: the locking goes on
    try:
        return _lock_doors(code)  # first: it reports relays that never locked, while contexts hold them
    finally:
        close_contexts()  # what commands opened and left open: database, change watcher
        restore()


def _lock_doors(code: int) -> int:
    """Close the door relays (bounded: a relay that does not answer cannot hold the exit);
    EXIT_DOOR_UNLOCKED when one never confirmed the off-command, whatever the command did."""
    unlocked = close_all_doors(timeout=DOOR_CLOSE_S)
    if not unlocked:
        return code
    print(f"error: the door may still be unlocked: {', '.join(unlocked)} never confirmed the off-command",
          file=sys.stderr)
    return EXIT_DOOR_UNLOCKED


class StopRequested(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP, ...): unwinds like Ctrl+C, exits 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _stop_requested(signum: int) -> None:
    raise StopRequested(signum)


def _native_logging(verbose: bool) -> None:
    """FFmpeg's, OpenCV's and ONNX Runtime's own lines would come before our one-line error
    (a damaged video or model): off, and on again at -vv."""
    from ..hardware.capture import set_native_logging as video_logs
    from ..vision.runtime import set_native_logging as model_logs

    video_logs(verbose)
    model_logs(verbose)


def _safe_console_logging() -> None:
    """Console log lines escape control characters too (a name in a log message)."""
    for h in logging.getLogger().handlers:
        if type(h) is logging.StreamHandler and not isinstance(h.formatter, SafeFormatter):
            h.setFormatter(SafeFormatter(LOG_FORMAT))


def _run(args: argparse.Namespace) -> int:
    """The command, with each kind of failure turned into its one-line message and exit code."""
    try:
        return int(args.func(args) or 0)
    except InputFileError as exc:  # photos, videos, CSV files
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except InvalidValueError as exc:  # a value typed on the command line
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DATABASE_MISSING
    except NoFaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOFACE
    except (ModelError, ProviderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except FaceAppError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CHECK
    except KeyboardInterrupt as exc:  # Ctrl+C, or StopRequested: the door was released on the way
        return 128 + getattr(exc, "signum", 2)


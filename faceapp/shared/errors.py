"""Typed errors so callers (CLI, GUI) can show a clear message and pick an exit code."""

from __future__ import annotations


class FaceAppError(Exception):
    """Base class for errors that carry a message meant for the user.

    `personal`: the message may name an employee (number or name). It is shown to the
    admin, never written to the log file (see loggable()): the log outlives an erasure."""

    personal: bool = False


def loggable(exc: BaseException) -> str:
    """What the log may say about an error: its message, or only its kind when the message
    can carry an employee's name or number (the log file is not scrubbed on erasure)."""
    if getattr(exc, "personal", False):
        return f"{type(exc).__name__} (message not logged: it names an employee)"
    return str(exc)


class ModelError(FaceAppError):
    """A shipped model cannot be used."""


class ModelMissingError(ModelError):
    """The model file is not where the manifest says."""


class ModelMismatchError(ModelError):
    """The model file exists but is not the model we expect (hash, inputs or outputs)."""


class ProviderError(FaceAppError):
    """The requested ONNX Runtime execution provider is not available."""


class InputFileError(FaceAppError):
    """An input file (photo, video, CSV) is missing, unreadable or malformed: exit code 3."""


class ImageReadError(InputFileError):
    """An image file is missing, unreadable or not an image."""


class InvalidValueError(FaceAppError, ValueError):
    """A value given by the user is not acceptable (an empty or control-character name, a
    malformed date): a usage error, exit code 2. Also a ValueError for callers that
    validate generically."""

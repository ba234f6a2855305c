"""Terminal output that stored text cannot steer.

Names, departments and sources come from the database; printed raw, an ESC sequence in
one of them clears the screen, retitles the window or hides lines of `employees list`.
While a command runs, stdout and stderr go through NeutralisingWriter, which writes every
control character except the line break as a visible escape (\\x1b); log lines to the
console get the same treatment from SafeFormatter.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ..shared.text import printable


class NeutralisingWriter:
    """A text stream wrapper that escapes control characters other than '\\n'."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n"))
        return len(text)

    def writelines(self, lines) -> None:  # noqa: ANN001
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):  # noqa: ANN204 - flush, isatty, encoding, fileno, ...
        return getattr(self._stream, name)


@contextmanager
def neutralised_output() -> Iterator[None]:
    """stdout and stderr escape control characters until the block ends."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = NeutralisingWriter(out), NeutralisingWriter(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


class SafeFormatter(logging.Formatter):
    """Console log lines with control characters escaped (tracebacks keep their lines)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep="\n")

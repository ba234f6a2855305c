"""A real second process in a test: start it with this checkout first on PYTHONPATH, wait until
it reaches the moment under test, signal it, and never leave it running. Shared by the
SIGTERM/SIGINT/SIGKILL tests (importable from any test: pytest puts tests/ on sys.path for the
top-level conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_child(*args: str, env: dict[str, str | None] | None = None, **popen) -> subprocess.Popen:
    """`python *args` with ROOT on PYTHONPATH and text pipes for stdout and stderr (override
    with popen keywords). env entries are set over os.environ; a None value removes one."""
    full = dict(os.environ, PYTHONPATH=str(ROOT))
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    popen.setdefault("text", True)
    return subprocess.Popen([sys.executable, *args], env=full, **popen)


def faceapp_child(*args: str, env: dict[str, str | None] | None = None, **popen) -> subprocess.Popen:
    """The real `faceapp` command line in a second process."""
    return python_child("-m", "faceapp", *args, env=env, **popen)


def wait_until(proc: subprocess.Popen, ready: Callable[[], object], timeout: float = 60.0,
               poll_s: float = 0.05) -> bool:
    """Poll ready() until it is true, the process ends, or timeout; ready()'s last answer."""
    end = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < end:
        time.sleep(poll_s)
    return bool(ready())


@dataclass
class Ended:
    """How a signalled process ended: its output, when the signal went, how long it took."""

    out: str | None
    err: str | None
    t_sig: float
    exit_s: float


def signal_and_wait(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60.0) -> Ended:
    """Send sig, then collect the output until the process ends (at most timeout seconds)."""
    t_sig = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=timeout)
    return Ended(out, err, t_sig, time.monotonic() - t_sig)


@contextmanager
def reaped(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """The process, killed on the way out if a failed assertion left it running."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""Shared fixtures: packaged real photos, the shared face data set, and the engine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the real per-user attendance database from tests.
_TMP = Path(tempfile.mkdtemp(prefix="faceapp-tests-"))
os.environ["FACEAPP_DB"] = str(_TMP / "default.db")
os.environ["FACEAPP_LOG_DIR"] = str(_TMP / "log")  # nor the real log folder
os.environ["FACEAPP_STATE_DIR"] = str(_TMP / "state")  # nor the remembered databases
os.environ["FACEAPP_CONFIG_DIR"] = str(_TMP / "config")  # nor the window's remembered place

ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))


def shared_faces() -> Path:
    """../shared/data/faces, or skip: a fresh clone without the data set still passes."""
    if not (SHARED_FACES / "README.md").is_file():
        pytest.skip(f"shared face data not found at {SHARED_FACES} (set FACEAPP_SHARED_FACES)")
    return SHARED_FACES


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return shared_faces()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook
    from PIL import Image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        return np.asarray(Image.open(fh).convert("RGB"))


@pytest.fixture(scope="session")
def engine():
    from faceapp.vision.engine import FaceEngine

    return FaceEngine.load(provider="cpu")


# ---------------------------------------------------------------- figures shown in the CI log

_FIGURES: list[tuple[str, str]] = []


@pytest.fixture()
def figure():
    """figure(name, value): a measured figure printed in the summary at the end of the run,
    so CI logs show them without -s (bundle size, LFW accuracy, parity)."""
    return lambda name, value: _FIGURES.append((name, str(value)))


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("measured figures")
        for name, value in _FIGURES:
            terminalreporter.write_line(f"{name}: {value}")


# ---------------------------------------------------------------- a slow network relay

class SlowRelay:
    """A network relay on 127.0.0.1 (a real threaded HTTP server) whose answers can be slow.

    GET /on... and /off... are recorded as (monotonic time, "on"/"off"); `modes[what]` says
    how each is answered: "ok" at once, "trickle" one byte per second (a 40-byte answer takes
    40 s: no single read ever times out), "silent" never (the connection stays open)."""

    ANSWER = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"

    def __init__(self) -> None:
        import http.server
        import threading

        self.modes = {"on": "ok", "off": "ok"}
        self.requests: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                import select
                import time

                what = "on" if self.path.startswith("/on") else "off"
                relay.requests.append((time.monotonic(), what))
                mode = relay.modes[what]
                try:
                    if mode == "ok":
                        self.wfile.write(relay.ANSWER)
                    elif mode == "trickle":
                        for i in range(len(relay.ANSWER)):
                            self.wfile.write(relay.ANSWER[i:i + 1])
                            if relay.stopping.wait(1.0):
                                return
                    else:  # silent until the client hangs up or the test ends
                        while not relay.stopping.is_set():
                            if select.select([self.connection], [], [], 0.1)[0] and not self.connection.recv(1):
                                return
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="test-slow-relay", daemon=True)
        self._thread.start()

    def times(self, what: str) -> list[float]:
        return [t for t, w in self.requests if w == what]

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def slow_relay():
    relay = SlowRelay()
    yield relay
    relay.close()

"""Camera capture off the caller's thread: bounded queue, latest frame wins, drops counted.

The same OpenCV capture serves a device index, a video file and an RTSP/HTTP URL, so tests
drive the real code path with a video file.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..shared.database_files import refuse_database_file
from ..shared.errors import FaceAppError, InputFileError

log = logging.getLogger(__name__)


class CameraError(FaceAppError):
    """The camera or stream cannot be opened."""


class VideoFileError(CameraError, InputFileError):
    """A video file is missing or unreadable: an unreadable input file (exit 3), not a camera fault."""


class VideoFileMissingError(VideoFileError):
    """The source is a video file path with no file behind it."""


@dataclass(frozen=True)
class Frame:
    index: int  # frames read from the source so far (0-based), dropped ones included
    ts: float  # time.monotonic() when read
    pos_ms: float  # position in the source (video files), else 0
    image: np.ndarray  # (H, W, 3) uint8 RGB, owned by the receiver


def parse_source(source: str | int) -> str | int:
    """"0" -> device 0; anything else (a path or URL) is passed to OpenCV unchanged."""
    if isinstance(source, int):
        return source
    return int(source) if source.strip().isdigit() else source


def is_file_source(source: str | int) -> bool:
    """A video file path (not a device index, not a URL): it ends, and it may not exist."""
    src = parse_source(source)
    return isinstance(src, str) and "://" not in src


def missing_video_file(source: str | int) -> bool:
    """True for a video file path with nothing behind it (a typo, an unplugged drive)."""
    return is_file_source(source) and not os.path.exists(str(source).strip())


_OPENCV_LOG_LEVEL = "ERROR"  # OpenCV's own log lines shown on stderr (set_native_logging)
_FFMPEG_QUIETED = False  # OPENCV_FFMPEG_LOGLEVEL was set here, not by the user


def set_native_logging(verbose: bool) -> None:
    """Whether OpenCV's and FFmpeg's own lines reach stderr. The CLI reports a bad video or
    stream in one line of its own, so it turns them off, and on again at -vv. Call before the
    first capture is opened: OpenCV reads OPENCV_FFMPEG_LOGLEVEL when FFmpeg first starts.
    A value the user exported is kept."""
    global _OPENCV_LOG_LEVEL, _FFMPEG_QUIETED
    _OPENCV_LOG_LEVEL = "WARNING" if verbose else "SILENT"
    if not verbose and "OPENCV_FFMPEG_LOGLEVEL" not in os.environ:
        os.environ["OPENCV_FFMPEG_LOGLEVEL"] = "-8"  # AV_LOG_QUIET
        _FFMPEG_QUIETED = True
    elif verbose and _FFMPEG_QUIETED:  # ours from an earlier call in this process (tests, scripts)
        os.environ.pop("OPENCV_FFMPEG_LOGLEVEL", None)
        _FFMPEG_QUIETED = False
    _quiet_opencv()


def _quiet_opencv() -> None:
    """A missing camera is reported by us, once and clearly; OpenCV's own WARN lines about
    each backend it tried would only confuse the log."""
    try:
        cv2.utils.logging.setLogLevel(getattr(cv2.utils.logging, f"LOG_LEVEL_{_OPENCV_LOG_LEVEL}"))
    except AttributeError:  # builds without the logging utilities
        os.environ.setdefault("OPENCV_LOG_LEVEL", _OPENCV_LOG_LEVEL)


# A stream URL (rtsp://, http://) that does not answer: opening gives up after this (FFmpeg's
# default is 30 s), and a read that gets nothing for this long fails, so the capture reconnects.
STREAM_OPEN_TIMEOUT_S = 10.0
STREAM_READ_TIMEOUT_S = 10.0


def open_capture(source: str | int, stop: threading.Event | None = None) -> cv2.VideoCapture:
    """The opened capture; raises CameraError (VideoFileError for a file). A stream URL is
    opened on a helper thread while this one waits in short steps, so a stop signal (SIGTERM,
    Ctrl+C) is handled at once instead of after FFmpeg gives up; `stop` set meanwhile
    abandons the attempt (CameraError)."""
    _quiet_opencv()
    src = parse_source(source)
    is_file = isinstance(src, str) and "://" not in src
    if is_file and not os.path.exists(src):
        raise VideoFileMissingError(f"video file not found: {src}")
    if is_file:
        refuse_database_file(src, "a video", VideoFileError)  # opening it would drop SQLite's locks
    if isinstance(src, str) and not is_file:
        cap = _open_stream(src, stop)
    else:
        cap = cv2.VideoCapture(src)
    if not cap.isOpened():
        cap.release()
        if is_file:
            raise VideoFileError(f"cannot open video file {src!r}: not a video OpenCV can read, or damaged")
        raise CameraError(f"cannot open {'camera' if isinstance(src, int) else 'stream'} {src!r}")
    return cap


def _open_stream(url: str, stop: threading.Event | None) -> cv2.VideoCapture:
    """cv2.VideoCapture(url) with open/read timeouts, on a helper thread: OpenCV blocks in C
    while FFmpeg waits for the stream, and Python runs signal handlers only when the main
    thread is back in Python. The caller waits in 0.1 s steps (interruptible); a capture
    opened after the caller gave up is released by the helper."""
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(STREAM_OPEN_TIMEOUT_S * 1000),
              cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(STREAM_READ_TIMEOUT_S * 1000)]
    lock = threading.Lock()
    state: dict = {"abandoned": False}
    done = threading.Event()

    def work() -> None:
        try:
            cap = cv2.VideoCapture(url, cv2.CAP_ANY, params)
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            cap, state["error"] = None, exc
        with lock:
            if state["abandoned"]:
                if cap is not None:
                    cap.release()
                return
            state["cap"] = cap
        done.set()

    threading.Thread(target=work, name="faceapp-capture-open", daemon=True).start()
    try:
        while not done.wait(0.1):
            if stop is not None and stop.is_set():
                raise CameraError(f"opening stream {url!r} abandoned: stopped")
    except BaseException:  # stopped, Ctrl+C, SIGTERM: the helper releases what it opens later
        with lock:
            state["abandoned"] = True
            cap = state.pop("cap", None)
        if cap is not None:
            cap.release()
        raise
    if "error" in state:
        raise CameraError(f"cannot open stream {url!r}: {state['error']}")
    return state["cap"]


class FrameTap:
    """A second reader of a capture that someone else owns (the enrolment wizard reading the
    live camera): one-slot queue, latest frame wins, drops counted, every frame its own copy.

    Taps are attached with CaptureThread.attach(); a tap outlives the capture it is attached
    to (the owner may reopen the camera and attach it again). get() returns None once the
    tap is closed or its source ended for good."""

    def __init__(self, name: str = "tap") -> None:
        self.name = name
        self.dropped = 0
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._ended = False  # the source ended for good
        self._closed = False  # the reader is done

    @property
    def closed(self) -> bool:
        return self._closed

    def offer(self, frame: Frame | None) -> None:
        """Called on the capture thread (None: the source ended); never blocks it for long."""
        with self._cond:
            if frame is None:
                self._ended = True
            elif not (self._closed or self._ended):
                if self._frame is not None:
                    self.dropped += 1
                self._frame = Frame(frame.index, frame.ts, frame.pos_ms, frame.image.copy())
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> Frame | None:
        """Next frame; None when closed, or ended with no frame left. Raises queue.Empty on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._frame is not None or self._ended or self._closed, timeout):
                raise queue.Empty
            if self._closed:
                return None
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        """The reader is done: no more frames, and a reader blocked in get() wakes up."""
        with self._cond:
            self._closed = True
            self._frame = None
            self._cond.notify_all()


@dataclass
class CaptureStats:
    read: int = 0
    dropped: int = 0  # frames replaced in the queue before anyone took them
    reconnects: int = 0
    state: str = "stopped"  # stopped | running | reconnecting | ended | failed
    last_error: str = ""


@dataclass
class CaptureThread:
    """Reads frames on a named thread into a one-slot queue.

    realtime=True paces video files at their frame rate (like a camera); False reads as fast
    as the consumer lets it, blocking instead of dropping (for batch `identify` runs).
    Live cameras reconnect with exponential back-off when they disappear.
    """

    source: str | int
    realtime: bool = True
    max_backoff_s: float = 10.0
    name: str = "faceapp-capture"
    stats: CaptureStats = field(default_factory=CaptureStats)

    def __post_init__(self) -> None:
        self._q: queue.Queue[Frame | None] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._taps: list[FrameTap] = []
        self._taps_lock = threading.Lock()
        self.fps = 0.0

    def attach(self, tap: FrameTap) -> FrameTap:
        """Give `tap` a copy of every frame read from now on (see FrameTap)."""
        with self._taps_lock:
            if tap not in self._taps:
                self._taps.append(tap)
        return tap

    def detach(self, tap: FrameTap) -> None:
        with self._taps_lock:
            if tap in self._taps:
                self._taps.remove(tap)

    def _feed_taps(self, frame: Frame | None) -> None:
        with self._taps_lock:
            taps = [t for t in self._taps if not t.closed]
            self._taps = taps
        for tap in taps:
            tap.offer(frame)

    def start(self) -> "CaptureThread":
        cap = open_capture(self.source)  # fail here, in the caller, with a clear message
        self.fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        self._thread = threading.Thread(target=self._run, args=(cap,), name=self.name, daemon=True)
        self.stats.state = "running"
        self._thread.start()
        return self

    @property
    def is_file(self) -> bool:
        return is_file_source(self.source)

    def _put(self, item: Frame | None) -> None:
        if not self.realtime or item is None:  # never drop a frame for the end marker
            while not self._stop.is_set():
                try:
                    self._q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue
            return
        try:
            self._q.put_nowait(item)
        except queue.Full:
            try:
                self._q.get_nowait()
                self.stats.dropped += 1
            except queue.Empty:
                pass
            self._q.put_nowait(item)

    def _run(self, cap: cv2.VideoCapture) -> None:
        period = 1.0 / self.fps if (self.realtime and self.is_file and self.fps > 0) else 0.0
        next_t = time.monotonic()
        backoff = 0.5
        idx = 0
        try:
            while not self._stop.is_set():
                ok, bgr = cap.read()
                if not ok:
                    if self.is_file:
                        self.stats.state = "ended"
                        break
                    cap.release()
                    cap = self._reconnect(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
                    if cap is None:
                        break
                    continue
                backoff = 0.5
                frame = Frame(idx, time.monotonic(), float(cap.get(cv2.CAP_PROP_POS_MSEC) or 0.0),
                              cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))  # a new array: safe to hand over
                idx += 1
                self.stats.read = idx
                self._feed_taps(frame)
                self._put(frame)
                if period:
                    next_t += period
                    delay = next_t - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
                    else:
                        next_t = time.monotonic()
        except Exception as exc:  # never die silently on a capture thread
            log.exception("capture thread failed")
            self.stats.state, self.stats.last_error = "failed", str(exc)
        finally:
            if cap is not None:
                cap.release()
            if self.stats.state in ("ended", "failed"):
                self._feed_taps(None)  # the source is gone for good: readers stop waiting
            self._put(None)  # end-of-stream marker

    def _reconnect(self, delay: float) -> cv2.VideoCapture | None:
        self.stats.state = "reconnecting"
        log.warning("camera %r lost; reconnecting in %.1f s", self.source, delay)
        if self._stop.wait(delay):
            return None
        try:
            cap = open_capture(self.source, stop=self._stop)
        except CameraError as exc:
            self.stats.last_error = str(exc)
            return cv2.VideoCapture()  # not opened: read() fails and we back off again
        self.stats.reconnects += 1
        self.stats.state = "running"
        return cap

    def get(self, timeout: float | None = None) -> Frame | None:
        """Next frame; None at end of stream or after stop(). Raises queue.Empty on timeout."""
        return self._q.get(timeout=timeout)

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        try:  # unblock a producer waiting on a full queue
            self._q.get_nowait()
        except queue.Empty:
            pass
        if self._thread is not None:
            self._thread.join(timeout)
        try:  # wake a consumer blocked in get() on another thread
            self._q.put_nowait(None)
        except queue.Full:
            pass
        if self.stats.state == "running":
            self.stats.state = "stopped"

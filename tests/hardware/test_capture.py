"""Capture thread on a real OpenCV capture of a video file."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from faceapp.hardware.capture import CameraError, CaptureThread, parse_source


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("vid") / "count.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    assert w.isOpened()
    for i in range(40):
        img = np.full((48, 64, 3), (i * 6) % 256, np.uint8)  # frame number in the grey level
        w.write(img)
    w.release()
    return str(path)


def _grey(frame) -> int:
    return int(round(frame.image.mean() / 6))


def test_batch_mode_delivers_every_frame_in_order(video):
    cap = CaptureThread(video, realtime=False).start()
    seen = []
    while (f := cap.get(timeout=5)) is not None:
        assert f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8
        seen.append(f.index)
    cap.stop()
    assert seen == list(range(40))
    assert cap.stats.dropped == 0 and cap.stats.state == "ended"


def test_realtime_mode_keeps_latest_frame_and_counts_drops(video):
    cap = CaptureThread(video, realtime=True).start()
    got = []
    while (f := cap.get(timeout=5)) is not None:
        got.append(f.index)
        time.sleep(0.1)  # a slow consumer: ~3 frames arrive per frame consumed
    cap.stop()
    assert 0 < len(got) < 40
    assert got == sorted(got) and got[-1] == 39  # never stale: the last frame wins
    assert cap.stats.dropped == 40 - len(got)


def test_capture_runs_on_named_thread_and_stops(video):
    cap = CaptureThread(video, realtime=True, name="faceapp-capture-test").start()
    assert any(t.name == "faceapp-capture-test" for t in threading.enumerate())
    cap.get(timeout=5)
    cap.stop()
    assert not any(t.name == "faceapp-capture-test" and t.is_alive() for t in threading.enumerate())


def test_frames_are_independent_copies(video):
    cap = CaptureThread(video, realtime=False).start()
    a = cap.get(timeout=5)
    b = cap.get(timeout=5)
    cap.stop()
    assert not np.shares_memory(a.image, b.image)
    assert _grey(a) == 0 and _grey(b) == 1


def test_missing_sources_are_clear_errors(tmp_path):
    with pytest.raises(CameraError, match="video file not found"):
        CaptureThread(str(tmp_path / "nope.mp4")).start()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(CameraError, match="cannot open video file"):
        CaptureThread(str(bad)).start()


def test_parse_source():
    assert parse_source("0") == 0 and parse_source(" 2 ") == 2
    assert parse_source("rtsp://cam/1") == "rtsp://cam/1"


def test_reads_the_shared_clip(faces_dir):
    cap = CaptureThread(str(faces_dir / "video" / "short_hamilton_clip.mp4"), realtime=False).start()
    n = 0
    while (f := cap.get(timeout=10)) is not None:
        n += 1
        assert f.image.shape == (360, 640, 3)
    cap.stop()
    assert n == 275


def test_a_tap_reads_the_same_capture_with_its_own_copies(video):
    """One owner of the camera: a second reader (the enrolment wizard) taps the running
    capture instead of opening the device again; latest frame wins, drops are counted,
    and the tap hears the end of the source."""
    from faceapp.hardware.capture import FrameTap

    cap = CaptureThread(video, realtime=True)
    tap = cap.attach(FrameTap("wizard"))
    cap.start()
    main_frames, tapped = [], []
    while (f := cap.get(timeout=5)) is not None:
        main_frames.append(f)
        if len(main_frames) % 3 == 0:  # a slow second reader
            t = tap.get(timeout=5)
            if t is not None:
                tapped.append(t)
    end = tap.get(timeout=5)
    while end is not None:  # frames left in its slot, then the end marker
        tapped.append(end)
        end = tap.get(timeout=5)
    cap.stop()
    assert len(main_frames) > 0 and tapped
    assert [t.index for t in tapped] == sorted(t.index for t in tapped)
    assert tapped[-1].index == 39  # latest frame wins
    assert tap.dropped == 40 - len(tapped)
    by_index = {f.index: f for f in main_frames}
    for t in tapped:
        if t.index in by_index:  # the same pixels, but not the same array
            assert np.array_equal(t.image, by_index[t.index].image)
            assert not np.shares_memory(t.image, by_index[t.index].image)


def test_closed_tap_wakes_its_reader_and_gets_no_more_frames(video):
    from faceapp.hardware.capture import FrameTap

    tap = FrameTap()
    got = []
    reader = threading.Thread(target=lambda: got.append(tap.get(timeout=5)))
    reader.start()
    tap.close()
    reader.join(5)
    assert got == [None] and not reader.is_alive()
    cap = CaptureThread(video, realtime=False)
    cap.attach(tap)
    cap.start()
    while cap.get(timeout=5) is not None:
        pass
    cap.stop()
    assert tap.get() is None and tap.dropped == 0


def test_opening_a_stream_that_never_answers_is_abandoned_on_stop():
    """OpenCV's open of a silent stream blocked for FFmpeg's 30 s; stop() of a reconnecting
    capture, and the CLI's stop signals, must not wait for it."""
    import socket

    from faceapp.hardware.capture import open_capture

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(CameraError, match="abandoned"):
            open_capture(f"http://127.0.0.1:{listener.getsockname()[1]}/stream.mjpg", stop=stop)
        assert time.monotonic() - t0 < 1.5
    finally:
        listener.close()

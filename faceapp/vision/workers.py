"""Run the engine on every core: `fn(engine, item)` for many items on worker processes, each
with its own engine, results in input order (bulk import, eval-pairs, eval-ident).

Threads share one GIL for the Python and numpy parts (the detector's proposals and NMS, the
landmarks), so threads scale only as far as ONNX Runtime's own threads carry them (on 2 cores
that was already 1.8 busy; more cores is where processes pay). Each worker process loads the engine once with one ONNX
Runtime thread and one OpenCV thread, so N workers on N cores do not oversubscribe. Workers
are started with "spawn" (the one start method on Windows, and the safe one in the
PyInstaller bundle, whose entry point calls multiprocessing.freeze_support()); they read and
compute only, the caller does every write. At most `ahead` items per worker are handed out
before their results are taken, so memory stays bounded however long the list. A worker
that dies or fails raises WorkerError (one line); cancel, Ctrl+C or an error on the caller's
side ends every worker (no process outlives the call), and so does the caller's death: a
worker whose pipe closes exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from ..shared.database_files import opened_databases, register_database
from ..shared.errors import FaceAppError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

ENV = "FACEAPP_WORKERS"
MAX_DEFAULT = 8  # each worker holds its own models (about 250 MiB): more only when asked for
_POLL_S = 0.2  # how often a wait looks at the cancel flag
_HEAD_START = True  # this process works on the first items while the workers load (tests: off)
_READY = -2  # the sequence number of a worker's "engine loaded" message
_STOP_S = 2.0  # a worker asked to stop after the last item gets this long before it is terminated


class WorkerError(FaceAppError):
    """A worker process died or failed: the work it had is lost, nothing was written by it."""


def worker_count(requested: int | None = None, engine: Any = None) -> int:
    """Worker processes to use: `requested` (a --workers flag) if given, else $FACEAPP_WORKERS,
    else one per core (at most MAX_DEFAULT) on the CPU and 1 on a GPU (one card is not
    faster from several processes); 1 means in this process, no pool."""
    if requested is not None:
        if requested < 1:
            raise ValueError(f"workers must be at least 1 (got {requested})")
        return requested
    env = os.environ.get(ENV, "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    if engine is not None and "CPU" not in str(getattr(engine, "provider", "CPU")).upper():
        return 1
    return max(1, min(MAX_DEFAULT, os.cpu_count() or 1))


def map_on_engines(engine: Any, fn: Callable[[Any, T], R], items: Iterable[T], workers: int = 1,
                   cancel: threading.Event | None = None, ahead: int = 2, what: str = "worker") -> Iterator[R]:
    """fn(engine, item) for each item, yielded in input order. workers=1: here, on `engine`;
    more: on that many processes, each with the engine of `engine.spec` (fn must be a
    module-level function and items and results picklable). Stops early when `cancel` is
    set; closing the generator (or an exception in the caller's loop) ends the workers."""
    if workers <= 1 or getattr(engine, "spec", None) is None:
        for item in items:
            if cancel is not None and cancel.is_set():
                return
            yield fn(engine, item)
        return
    pool = _Pool(engine.spec, fn, workers, what)
    try:
        yield from pool.map(iter(items), cancel, ahead, engine, fn)
        pool.close(graceful=cancel is None or not cancel.is_set())
    finally:
        pool.close(graceful=False)  # no-op after a graceful close


class _Pool:
    def __init__(self, spec: Any, fn: Callable, workers: int, what: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.what = what
        self.procs: list[multiprocessing.process.BaseProcess] = []
        self.conns: list[Connection] = []
        self.closed = False
        try:
            with _sigint_ignored():  # inherited: Ctrl+C reaches the parent alone, which ends the workers
                for n in range(workers):
                    here, there = ctx.Pipe()
                    p = ctx.Process(target=_worker_main, args=(spec, fn, there, opened_databases()), name=f"faceapp-{what}-{n + 1}",
                                    daemon=True)
                    p.start()
                    there.close()
                    self.procs.append(p)
                    self.conns.append(here)
        except BaseException:
            self.close(graceful=False)
            raise
        log.info("%s: %d worker processes", what, workers)

    def map(self, items: Iterator, cancel: threading.Event | None, ahead: int, engine: Any = None,
            fn: Callable | None = None) -> Iterator:
        """The results in item order. Items go only to workers that have loaded their engine;
        until the first one has, this process works through up to n * ahead items itself with
        `engine` (the start-up of the workers, a second or more, is not lost waiting)."""
        n = len(self.procs)
        busy: list[list[int]] = [[] for _ in range(n)]  # sequence numbers handed to each worker
        ready = [False] * n
        done: dict[int, Any] = {}
        sent = taken = 0
        exhausted = False
        local = 0 if _HEAD_START and engine is not None and fn is not None else n * ahead  # items done here

        def here() -> bool:
            return not any(ready) and local < n * ahead

        def collect(timeout: float) -> None:
            """Take what the workers answered (results, "engine loaded"); a dead one raises."""
            answered = wait([*self.conns, *(p.sentinel for p in self.procs)], timeout=timeout)
            for w, conn in enumerate(self.conns):
                if conn in answered or self.procs[w].sentinel in answered:
                    while self._poll(w):
                        seq, ok, value = self._recv(w)
                        if not ok:
                            raise WorkerError(f"{self.what} process {w + 1} failed: {value}")
                        if seq == _READY:
                            ready[w] = True
                            continue
                        busy[w].remove(seq)
                        done[seq] = value
                    if not self.procs[w].is_alive():
                        raise WorkerError(self._death(w))

        while True:
            while not exhausted and sent - taken < n * ahead:
                idle = [i for i in range(n) if ready[i] and len(busy[i]) < ahead]
                if not idle and not here():
                    break
                try:
                    item = next(items)
                except StopIteration:
                    exhausted = True
                    break
                if idle:
                    w = min(idle, key=lambda i: len(busy[i]))
                    self._send(w, (sent, item))
                    busy[w].append(sent)
                else:  # no worker ready yet: this process takes the item
                    done[sent] = fn(engine, item)
                    local += 1
                sent += 1
                if not idle:
                    collect(0)  # a worker ready by now takes the next one
                    break
            if taken in done:
                yield done.pop(taken)
                taken += 1
                continue
            if exhausted and taken == sent:
                return
            if cancel is not None and cancel.is_set():
                return
            collect(0 if here() and not exhausted else _POLL_S)

    def _send(self, w: int, message: Any) -> None:
        try:
            self.conns[w].send(message)
        except (OSError, EOFError):
            raise WorkerError(self._death(w)) from None

    def _poll(self, w: int) -> bool:
        try:
            return self.conns[w].poll()
        except (OSError, EOFError):
            return False

    def _recv(self, w: int) -> tuple[int, bool, Any]:
        try:
            return self.conns[w].recv()
        except (OSError, EOFError):
            raise WorkerError(self._death(w)) from None

    def _death(self, w: int) -> str:
        p = self.procs[w]
        p.join(1.0)
        code = p.exitcode
        how = (f"was killed by signal {-code}" if code is not None and code < 0 else
               f"exited with code {code}" if code is not None else "stopped answering")
        return (f"{self.what} process {w + 1} {how} (out of memory?); nothing it was working on was saved, "
                "run again, or with one worker (--workers 1, FACEAPP_WORKERS=1)")

    def close(self, graceful: bool) -> None:
        """Stop every worker: asked to finish (graceful) or terminated at once (cancel, error)."""
        if self.closed:
            return
        self.closed = True
        if graceful:
            for c in self.conns:
                try:
                    c.send(None)
                except (OSError, EOFError):
                    pass
            for p in self.procs:
                p.join(_STOP_S)
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(5.0)
            if p.is_alive():
                p.kill()
                p.join(5.0)
        for c in self.conns:
            c.close()
        for p in self.procs:
            if hasattr(p, "close") and p.exitcode is not None:
                p.close()


class _sigint_ignored:
    """SIGINT ignored while workers start (main thread only): a spawned child inherits it from
    its very first instruction, before it could install a handler of its own."""

    def __enter__(self) -> None:
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)


def _worker_main(spec: Any, fn: Callable, conn: Connection, databases: list) -> None:
    """One worker: load the engine (one thread per library), then answer items until told to
    stop or until the parent's end of the pipe closes (the parent ended). The parent's
    databases are refused as photos here as they are there (shared/database_files.py)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Windows: nothing inherited; the parent decides
    for db in databases:
        register_database(db)
    try:
        import cv2

        cv2.setNumThreads(1)
        engine = spec.load(intra_op_threads=1)
    except Exception as exc:  # noqa: BLE001 - told to the parent as the failure of this worker
        _answer(conn, (-1, False, f"loading the face engine: {exc}"))
        return
    if not _answer(conn, (_READY, True, None)):
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        seq, item = message
        try:
            out = (seq, True, fn(engine, item))
        except Exception as exc:  # noqa: BLE001 - a bug in fn: the parent stops with its one line
            out = (seq, False, f"{type(exc).__name__}: {exc}")
        if not _answer(conn, out):
            return


def _answer(conn: Connection, message: tuple) -> bool:
    try:
        conn.send(message)
        return True
    except (OSError, EOFError):
        return False

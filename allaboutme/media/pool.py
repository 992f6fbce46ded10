"""Uploads cleaned in a few low-priority processes, never on a request thread.

Decoding, rebuilding and re-encoding a 12-megapixel photo keeps a core busy for a
quarter of a second and holds the GIL. Done on gunicorn's request threads, twenty
uploads at once made every other route wait seconds (docs/performance.md, "The
load profile"). So each server process hands its uploads to a pool of its own:

- its processes are started with ``spawn``: a server process has threads, and a
  forked copy could inherit a lock that another thread held at that moment;
- they run ``nice``, so the kernel serves the other routes' requests first;
- at most ``processes + queue`` uploads are taken at once per server process. The
  next one is answered 503 with Retry-After at once, rather than holding one more
  request thread (which the other routes need) only to wait;
- a pool process that dies (out of memory, a decoder crash, or its job running
  past the deadline) takes its queue down with it: a new pool is started and each
  of those uploads is tried once more before it is answered 503;
- a pool process leaves as soon as its server process is gone, even after SIGKILL.

Refusals are the same as on the request thread: ``imaging`` raises them in the
pool process and they arrive here as the same exceptions, with the same codes.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait

from flask import Flask, current_app, has_app_context

from allaboutme.config import ImageWork
from allaboutme.errors import ServiceUnavailable
from allaboutme.media import imaging

log = logging.getLogger("allaboutme.media")
Task = Callable[[bytes], imaging.CleanImage]

_EXTENSION = "allaboutme.image_work"
# One upload's whole wait, queue included: below gunicorn's 30 s worker timeout.
# A pool process still busy with one job after this long is ended (SIGALRM).
DEADLINE_SECONDS = 20
BUSY_RETRY_AFTER_SECONDS = 2  # a queue of a few quarter-second jobs moves quickly
LOST_RETRY_AFTER_SECONDS = 5


def init_app(app: Flask, work: ImageWork) -> None:
    """Remember this app's pool settings; the pool itself starts with the first upload."""
    app.extensions[_EXTENSION] = work


def clean_image(data: bytes) -> imaging.CleanImage:
    """:func:`imaging.clean_image` in this server process's pool, or a 503 if it cannot."""
    work = current_app.extensions[_EXTENSION] if has_app_context() else ImageWork()
    return pool_for(work).clean(data)


def _clean(data: bytes) -> imaging.CleanImage:
    """The usual job: sent by this name, it runs the pool process's own ``imaging``."""
    return imaging.clean_image(data)


def _run_with_deadline(task: Task, data: bytes, seconds: int) -> imaging.CleanImage:
    """The job, in a pool process: no upload may keep the process busy past the deadline."""
    signal.alarm(seconds)  # SIGALRM's default action ends the process
    try:
        return task(data)
    finally:
        signal.alarm(0)


def _prepare_pool_process(nice: int) -> None:
    """Run first in each new pool process: lower its priority, tie its life to the parent's."""
    os.nice(nice)
    # Ctrl+C reaches a terminal's whole process group; the server process decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the deadline ends the process
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(
            target=_leave_with_parent, args=(parent.sentinel,), name="parent-watch", daemon=True
        )
        watch.start()


def _leave_with_parent(sentinel: int) -> None:
    """Exit once the parent's end of the start-up pipe closes, which only its exit does.

    Without this a pool process outlives a SIGKILLed parent: it waits for work on a
    queue whose writing end it holds itself, so that wait never ends.
    """
    wait([sentinel])
    os._exit(0)


class ImagePool:
    """One server process's pool for one set of settings: started lazily, replaced if lost."""

    def __init__(self, work: ImageWork, task: Task = _clean) -> None:
        self.work = work
        self.slots = max(work.processes, 1) + work.queue  # uploads taken at once
        self._task = task  # a module-level function: it is sent by name
        self._slots = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def clean(self, data: bytes) -> imaging.CleanImage:
        """Clean an upload off this thread; refuse it as ``imaging`` does, or with a 503."""
        if not self._slots.acquire(blocking=False):
            log.warning("image pool full", extra={"image_slots": self.slots})
            raise ServiceUnavailable(retry_after_seconds=BUSY_RETRY_AFTER_SECONDS)
        try:
            if self.work.processes == 0:
                return self._task(data)
            return self._clean_in_pool(data, time.monotonic() + DEADLINE_SECONDS)
        finally:
            self._slots.release()

    def process_id(self) -> int:
        """The id of one of the pool's processes, starting the pool if need be (for checks)."""
        return self._running().submit(os.getpid).result(timeout=DEADLINE_SECONDS)

    def shutdown(self) -> None:
        """Let the jobs under way finish, drop those not started, and stop the processes."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _clean_in_pool(self, data: bytes, deadline: float) -> imaging.CleanImage:
        executor = self._running()
        try:
            return self._result(executor, data, deadline)
        except BrokenProcessPool:
            log.warning("image pool process lost; starting a new pool")
            executor = self._replace(executor)
        try:
            return self._result(executor, data, deadline)
        except BrokenProcessPool:
            log.error("image pool process lost again; upload refused")
            raise ServiceUnavailable(retry_after_seconds=LOST_RETRY_AFTER_SECONDS) from None

    def _result(
        self, executor: ProcessPoolExecutor, data: bytes, deadline: float
    ) -> imaging.CleanImage:
        future = executor.submit(_run_with_deadline, self._task, data, DEADLINE_SECONDS)
        try:
            return future.result(timeout=max(deadline - time.monotonic(), 0.0))
        except TimeoutError:
            future.cancel()  # if it never started; a started one ends with its process
            log.error("image cleaning passed its deadline", extra={"seconds": DEADLINE_SECONDS})
            raise ServiceUnavailable(retry_after_seconds=LOST_RETRY_AFTER_SECONDS) from None

    def _running(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = self._started()
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new pool for the broken one, once, however many uploads it took down."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._executor is None:
                self._executor = self._started()
            return self._executor

    def _started(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.work.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_prepare_pool_process,
            initargs=(self.work.nice,),
        )


_pools: dict[ImageWork, ImagePool] = {}
_pools_lock = threading.Lock()


def pool_for(work: ImageWork) -> ImagePool:
    """This process's pool for these settings (apps with equal settings share one)."""
    with _pools_lock:
        found = _pools.get(work)
        if found is None:
            found = _pools[work] = ImagePool(work)
        return found


def shutdown_pools() -> None:
    """Stop every pool of this process (at exit; tests too)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for each in pools:
        each.shutdown()


def _forget_pools_after_fork() -> None:
    """A forked copy starts with no pools: the parent's processes answer only the parent."""
    global _pools_lock  # another thread may have held the old one at the fork
    _pools_lock = threading.Lock()
    _pools.clear()


atexit.register(shutdown_pools)
os.register_at_fork(after_in_child=_forget_pools_after_fork)

"""The image pool: uploads cleaned in other, nicer processes, refused as on the request thread.

A pool process is real here (``spawn``, as in production): these tests kill it, let
it pass its deadline, fill its slots and kill its parent, and check what is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import ImageFile

from allaboutme.config import ImageWork
from allaboutme.errors import AppError, ServiceUnavailable
from allaboutme.media import imaging, pool
from allaboutme.media.imaging import metadata_report
from tests.media import corpus as c
from tests.media import pool_tasks
from tests.media.test_imaging import ACCEPTED, REJECTED

PoolMaker = Callable[..., pool.ImagePool]


@pytest.fixture
def make_pool() -> Iterator[PoolMaker]:
    made: list[pool.ImagePool] = []

    def make(work: ImageWork | None = None, **kwargs) -> pool.ImagePool:
        made.append(pool.ImagePool(work or ImageWork(), **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.shutdown()


@pytest.fixture(scope="module")
def shared_pool() -> Iterator[pool.ImagePool]:
    """One warm pool for the tests that only send it uploads."""
    started = pool.ImagePool(ImageWork())
    yield started
    started.shutdown()


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for init to reap it counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return []
        time.sleep(0.05)
    return [pid for pid in pids if not _gone(pid)]


def _children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def test_the_work_runs_in_another_process_at_a_lower_priority(shared_pool, monkeypatch):
    def not_here(_data):
        raise AssertionError("cleaned on the calling thread")

    monkeypatch.setattr(imaging, "clean_image", not_here)  # this process's copy only
    cleaned = shared_pool.clean(c.gps_jpeg())

    assert cleaned.content_type == "image/jpeg" and (cleaned.width, cleaned.height) == (48, 64)
    worker = shared_pool.process_id()
    assert worker != os.getpid()
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, worker) == min(ours + ImageWork().nice, 19)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Metadata Warning:UserWarning")
@pytest.mark.parametrize("case", ACCEPTED, ids=str)
def test_what_comes_back_is_what_the_request_thread_made_and_bare(shared_pool, case):
    upload = ACCEPTED[case][0]()
    here, there = imaging.clean_image(upload), shared_pool.clean(upload)
    assert there == here
    assert metadata_report(there.data) == {} and metadata_report(there.thumbnail) == {}


@pytest.mark.parametrize("case", REJECTED, ids=str)
def test_a_refusal_is_the_one_the_request_thread_gives(shared_pool, case, monkeypatch):
    # WeasyPrint turns truncated loading on in the server process: no matter there.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    upload = REJECTED[case][0]()
    with pytest.raises(AppError) as here:
        imaging.clean_image(upload)
    with pytest.raises(AppError) as there:
        shared_pool.clean(upload)
    assert type(there.value) is type(here.value) is REJECTED[case][1]
    assert (there.value.status, there.value.code) == (here.value.status, here.value.code)
    assert vars(there.value).get("errors") == vars(here.value).get("errors")


def test_a_killed_pool_process_is_replaced_and_the_upload_still_cleaned(make_pool):
    image_pool = make_pool()
    first = image_pool.process_id()
    os.kill(first, signal.SIGKILL)
    assert _wait_gone([first]) == []

    cleaned = image_pool.clean(c.noisy_jpeg())

    assert (cleaned.width, cleaned.height) == (120, 90)
    assert image_pool.process_id() not in {first, os.getpid()}


def test_a_pool_that_dies_again_answers_503(make_pool):
    dying = make_pool(task=pool_tasks.end_own_process)
    with pytest.raises(ServiceUnavailable) as raised:
        dying.clean(c.noisy_jpeg())
    assert raised.value.retry_after_seconds == pool.LOST_RETRY_AFTER_SECONDS


def test_a_job_past_its_deadline_is_refused_and_its_process_ended(make_pool, monkeypatch):
    monkeypatch.setattr(pool, "DEADLINE_SECONDS", 1)
    stuck = make_pool(task=pool_tasks.never_finish)
    worker = stuck.process_id()
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        stuck.clean(c.noisy_jpeg())
    assert time.monotonic() - started < 5
    assert _wait_gone([worker]) == []


def test_uploads_beyond_the_slots_are_refused_at_once(make_pool):
    one_slot = make_pool(ImageWork(processes=1, nice=10, queue=0), task=pool_tasks.slow_clean)
    one_slot.process_id()  # started: the slow job below holds the only slot
    results: list[object] = []
    holder = threading.Thread(target=lambda: results.append(one_slot.clean(c.noisy_jpeg())))
    holder.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        one_slot.clean(c.noisy_jpeg())
    refused_after = time.monotonic() - started
    holder.join()

    assert refused_after < 0.2
    assert raised.value.retry_after_seconds == pool.BUSY_RETRY_AFTER_SECONDS
    assert len(results) == 1 and isinstance(results[0], imaging.CleanImage)
    assert isinstance(one_slot.clean(c.noisy_jpeg()), imaging.CleanImage)  # slot given back


def test_no_processes_means_the_calling_thread_cleans(make_pool):
    here = make_pool(ImageWork(processes=0, nice=10, queue=1))
    assert here.clean(c.gps_jpeg()) == imaging.clean_image(c.gps_jpeg())


SERVER = """
import time
from allaboutme.config import ImageWork
from allaboutme.media import pool
from tests.media import corpus
pool.pool_for(ImageWork()).clean(corpus.noisy_jpeg())
print(pool.pool_for(ImageWork()).process_id(), flush=True)
time.sleep(60)
"""


def test_pool_processes_leave_when_their_server_process_is_killed():
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=root, stdout=subprocess.PIPE, text=True
    )
    children: list[int] = []
    try:
        worker = int(server.stdout.readline())
        children = _children_of(server.pid)  # the pool process and multiprocessing's tracker
        assert worker in children
        server.kill()
        server.wait(timeout=10)
        assert _wait_gone(children) == []
    finally:
        server.kill()
        server.stdout.close()
        for pid in children:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)

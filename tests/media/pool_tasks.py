"""Jobs for image pool tests; a pool process imports them by name, so they live here."""

from __future__ import annotations

import os
import signal
import time

from allaboutme.media import imaging


def end_own_process(data: bytes) -> imaging.CleanImage:
    """As a decoder crash or the kernel's out-of-memory killer would."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def slow_clean(data: bytes) -> imaging.CleanImage:
    time.sleep(1.0)
    return imaging.clean_image(data)


def never_finish(data: bytes) -> imaging.CleanImage:
    time.sleep(120)
    raise AssertionError("the deadline should have ended this process")

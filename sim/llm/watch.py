"""Watching the model from above: outages that must stop a run, and calls that stall.

A run that goes on while its model is down would finish on canned answers and look fine. The
monitor decides from the recent attempts when the model is down; the stall notice tells the
person waiting that a call is slow, through a callback, so engine code never prints.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class OutageMonitor:
    """Says the model is down once too many recent attempts failed with backend errors.

    An attempt is one try at an answer after its transport retries. The model is down when
    `in_a_row` attempts in a row failed, or more than half of the last `window` did; invalid or
    rejected answers are the model talking, not an outage, and do not count.
    """

    def __init__(self, in_a_row: int = 5, window: int = 50) -> None:
        self.in_a_row = in_a_row
        self.window = window
        self._recent: deque[bool] = deque(maxlen=window)
        self._streak = 0

    def record(self, failed: bool, cause: str) -> str | None:
        """Add one attempt; the reason to stop (with `cause`, the last failure) or None."""
        self._recent.append(failed)
        self._streak = self._streak + 1 if failed else 0
        if self.in_a_row and self._streak >= self.in_a_row:
            return f"{cause} ({self._streak} calls in a row failed)"
        failures = sum(self._recent)
        if failed and failures * 2 > self.window:
            return f"{cause} ({failures} of the last {self.window} calls failed)"
        return None


@contextmanager
def stall_notice(
    on_wait: Callable[[int], None] | None, after: float = 5.0, every: float = 15.0
) -> Iterator[None]:
    """Call `on_wait(seconds)` after `after` seconds, then every `every`, until the block ends.

    The seconds are counted from the waits themselves, so no clock is read.
    """
    if on_wait is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        waited, pause = 0.0, after
        while not done.wait(pause):
            waited += pause
            on_wait(round(waited))
            pause = every

    watcher = threading.Thread(target=watch, name="lm-stall-notice", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()

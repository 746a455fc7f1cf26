"""`--follow`: tail a run database another process is still writing.

The writer commits one transaction per tick in WAL mode and the viewer only reads, so the run
never waits for the viewer; polling a few times a second picks up the ticks completed since.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from viewer.source import RunSource
from viewer.timeline import Timeline

POLL_SECONDS = 0.5


class Follower:
    """Polls the source for completed ticks and folds them into the model."""

    def __init__(
        self,
        source: RunSource,
        model: Timeline,
        every: float = POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.model = model
        self.every = every
        self.clock = clock
        self.status = source.status()
        self._last_poll = clock()

    def poll(self, force: bool = False) -> bool:
        """Read new ticks if it is time to (or `force`); True when the model grew."""
        now = self.clock()
        if not force and now - self._last_poll < self.every:
            return False
        self._last_poll = now
        self.status = self.source.status()
        batch = self.source.poll()
        if batch is None:
            return False
        self.model.add(batch)
        return True

"""Retrying a backend's transient faults with exponential backoff and seeded jitter.

The openai client can retry by itself, but then the faults are invisible and the jitter comes
from the global RNG. Here every failed try is kept (`LMResponse.faults`, `LMError.faults`), so
the run counts each one by kind, and the jitter is drawn from a generator seeded by the run.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.llm.protocol import LanguageModel, LMError, LMRequest, LMResponse
from sim.rng import generator


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before giving a transient fault up to the layer above."""

    tries: int = 3  # HTTP tries per attempt; the structured layer then re-asks
    base_s: float = 0.5  # first backoff; doubles with every retry
    cap_s: float = 8.0  # longest backoff
    retry_after_cap_s: float = 60.0  # longest wait a server's Retry-After is granted

    def __post_init__(self) -> None:
        if self.tries < 1:
            raise ValueError("tries must be at least 1")

    def delay(self, retry: int, fault: LMError, draw: float) -> float:
        """Seconds to wait before retry number `retry` (0-based); `draw` is uniform in [0, 1).

        A server's Retry-After is honoured up to its cap; otherwise the backoff doubles, and
        the jitter keeps it between half and all of that, so clients that failed together
        do not come back together.
        """
        if fault.retry_after is not None:
            return min(max(0.0, fault.retry_after), self.retry_after_cap_s)
        backoff = min(self.cap_s, self.base_s * 2**retry)
        return backoff * (0.5 + 0.5 * draw)


class RetryingLM:
    """Tries a request again while its fault is transient; the kinds seen travel with the result."""

    def __init__(
        self,
        inner: LanguageModel,
        *,
        seed: int = 0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.sleep = sleep  # injectable so tests do not wait
        self._rng = generator(seed, "lm-retry")
        self._rng_lock = threading.Lock()  # concurrent decisions retry from several threads

    @property
    def name(self) -> str:
        """The inner model's name: retrying does not change what answers mean."""
        return self.inner.name

    def complete(self, request: LMRequest) -> LMResponse:
        """The first answer within `policy.tries` tries, or the last fault with all kinds seen."""
        seen: list[str] = []
        for retry in range(self.policy.tries):
            try:
                response = self.inner.complete(request)
            except LMError as exc:
                seen.append(exc.kind)
                if not exc.transient or retry + 1 == self.policy.tries:
                    exc.faults = tuple(seen)
                    raise
                with self._rng_lock:
                    draw = float(self._rng.random())
                self.sleep(self.policy.delay(retry, exc, draw))
                continue
            return dataclasses.replace(response, faults=tuple(seen)) if seen else response
        raise AssertionError("unreachable: the last try returns or raises")

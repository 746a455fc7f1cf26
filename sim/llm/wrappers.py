"""Wrappers that each add one thing to a backend (caching, replay), and the `--lm` factory."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable

from sim.errors import SimInputError
from sim.llm.embedded import EmbeddedLM
from sim.llm.fake import FakeLM
from sim.llm.protocol import LanguageModel, LMError, LMRequest, LMResponse
from sim.llm.retry import RetryingLM

LM_SPECS = "embedded, fake or openai:MODEL"


class ReplayMissError(SimInputError):
    """A replayed run asked for a call the recording does not hold.

    Deliberately not an `LMError`: the structured layer must not treat it as a flaky backend and
    quietly fall back, since a diverged replay is no longer a replay.
    """

    def __init__(self, name: str, key: str) -> None:
        super().__init__(
            "replay",
            "lm",
            f"run diverged from the recording of {name}: no recorded answer for request {key[:12]}",
            "replay with the same seed, world, code version and LM settings as the recorded run",
        )
        self.key = key


class TimedLM:
    """Wraps a model and adds up the wall time spent inside it (benchmark telemetry only)."""

    def __init__(self, inner: LanguageModel) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    def complete(self, request: LMRequest) -> LMResponse:
        """The wrapped model's answer, timed."""
        started = time.perf_counter()
        try:
            return self.inner.complete(request)
        finally:
            self.seconds += time.perf_counter() - started


class CachingLM:
    """Answers repeated identical requests from memory; the inner model is asked once per key.

    Safe to call from several threads: the counters and the table change under a lock, and
    the inner model is asked outside it (two threads missing the same key both ask; the
    decisions of one tick never send the same request twice, since each agent's differ).
    """

    def __init__(self, inner: LanguageModel) -> None:
        self.inner = inner
        self.hits = 0
        self.misses = 0
        self._cache: dict[str, LMResponse] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The inner model's name: caching does not change what answers mean."""
        return self.inner.name

    def copy_cache_from(self, other: CachingLM) -> None:
        """Start from another cache's answers (a fork remembers what its parent was told)."""
        self._cache = dict(other._cache)

    def complete(self, request: LMRequest) -> LMResponse:
        """Return the stored response (marked cached) or ask the inner model and store it."""
        key = request.key()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self.hits += 1
                return dataclasses.replace(hit, cached=True)
            self.misses += 1
        response = self.inner.complete(request)
        with self._lock:
            self._cache[key] = response
        return response


class ReplayLM:
    """Answers from a recorded run, so a replay reproduces it without calling any model.

    Identical requests can occur several times in a run (with different answers when the first was
    invalid or the model is nondeterministic), so each key holds a FIFO of recorded responses.
    """

    def __init__(self, records: Iterable[tuple[str, LMResponse]], name: str) -> None:
        self._name = name
        self._queues: defaultdict[str, deque[LMResponse]] = defaultdict(deque)
        for key, response in records:
            self._queues[key].append(response)

    @property
    def name(self) -> str:
        """The recorded model's name."""
        return self._name

    def complete(self, request: LMRequest) -> LMResponse:
        """Pop the next recorded response for this request, or raise ReplayMissError."""
        key = request.key()
        queue = self._queues.get(key)
        if not queue:
            raise ReplayMissError(self._name, key)
        return dataclasses.replace(queue.popleft(), cached=True)


class ResumeLM:
    """Answers from a recording while it has the request, then from the live model.

    A resumed run re-runs the ticks after its last checkpoint with the answers it already paid
    for, and asks the live model only for what comes after.
    """

    def __init__(self, recorded: ReplayLM, live: LanguageModel) -> None:
        self.recorded = recorded
        self.live = live

    @property
    def name(self) -> str:
        """The live model's name."""
        return self.live.name

    def complete(self, request: LMRequest) -> LMResponse:
        """The next recorded answer for this request, or a live one.

        A recorded answer comes back as it first came (not marked cached, with the transport
        faults it met, and a failed call failing again), so the re-run ticks count their calls
        and faults as they were counted before the stop.
        """
        try:
            response = self.recorded.complete(request)
        except ReplayMissError:
            return self.live.complete(request)
        if response.finish_reason == "error":
            error = LMError("the recorded call failed", (response.faults or ("error",))[-1])
            error.faults = response.faults or ("error",)
            raise error
        return dataclasses.replace(response, cached=False)


def make_lm(
    spec: str = "embedded",
    *,
    seed: int = 0,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 60,
) -> LanguageModel:
    """Build the backend named by the `--lm` flag; a remote one retries its transient faults."""
    if spec == "embedded":
        return EmbeddedLM()
    if spec == "fake":
        return FakeLM(seed)
    if spec.startswith("openai:") and spec.removeprefix("openai:").strip():
        from sim.llm.openai_compat import OpenAICompatLM  # the openai client is slow to import

        model = spec.removeprefix("openai:").strip()
        remote = OpenAICompatLM(model, base_url=base_url, api_key=api_key, timeout=timeout)
        return RetryingLM(remote, seed=seed)
    raise SimInputError("--lm", "lm", f"unknown language model {spec!r}", f"use {LM_SPECS}")

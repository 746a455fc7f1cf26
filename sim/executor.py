"""Where the independent work of a tick runs: in turn, or on a bounded pool of threads.

The engine hands an executor the decisions (and conversations) of one tick, each of which
touches only its own agents and writes into its own cognition context; the results come back
in item order, and the engine merges them in that order. So the digest does not depend on the
executor, on how many calls were in flight, or on which finished first.

A thread pool suits remote OpenAI-compatible servers, where a call is mostly waiting: with
`ThreadExecutor(n)` at most `n` items run at once, and since an item makes one LM call at a
time, at most `n` calls are in flight. Where the work is CPU in Python (a large population,
the embedded model on many cores, many machines), `--executor ray` runs it in worker
processes (`sim.executor_ray`, an optional extra).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Protocol, TypeVar

from sim.errors import SimInputError

A = TypeVar("A")
R = TypeVar("R")

MAX_CONCURRENCY = 256  # far past what any one endpoint serves to one client
EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """Runs `fn` over `items`; the results come back in the order of `items`."""

    workers: int

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """`[fn(item) for item in items]`, in any order or at once."""
        ...

    def close(self) -> None:
        """Release threads (the executor must not be used after)."""
        ...


class SerialExecutor:
    """Everything in turn, in the caller's thread: the default, and right for the embedded model."""

    workers = 1

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """Run each item in order."""
        return [fn(item) for item in items]

    def close(self) -> None:
        """Nothing to release."""


class ThreadExecutor:
    """Up to `workers` items at once on a thread pool made on first use."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """Run the items on the pool; the first failure is raised once the others have stopped.

        Items not started yet are cancelled and running ones are waited for, so the caller
        never sees its state change after the exception reached it (a second Ctrl-C, which
        means "stop now", does not wait).
        """
        if len(items) <= 1:
            return [fn(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sim-decide")
        futures: list[Future[R]] = [self._pool.submit(fn, item) for item in items]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            wait(futures)
            raise failed.exception()  # type: ignore[misc]
        return [f.result() for f in futures]

    def close(self) -> None:
        """Let the pool's threads end."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class ShuffledExecutor:
    """Submits items to `inner` in a seeded random order (a test hook for order invariance)."""

    def __init__(self, inner: Executor, seed: int) -> None:
        self.inner = inner
        self.workers = inner.workers
        self._rng = random.Random(seed)

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """Run the items in a shuffled order, return the results in item order."""
        order = list(range(len(items)))
        self._rng.shuffle(order)
        results = self.inner.map(fn, [items[i] for i in order])
        out: list[R | None] = [None] * len(items)
        for i, result in zip(order, results, strict=True):
            out[i] = result
        return out  # type: ignore[return-value]

    def close(self) -> None:
        """Close the inner executor."""
        self.inner.close()


def make_executor(
    concurrency: int, executor: str = "local", address: str | None = None
) -> Executor:
    """The executor for `--concurrency N --executor KIND --ray-address URL`.

    Local: serial for 1, a pool of N threads above. Ray: N worker processes, or one per CPU
    of the cluster for N = 1; Ray itself starts (or joins `address`) on first use.
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise SimInputError(
            "--concurrency", "concurrency", f"{concurrency} is out of range",
            f"use 1 (one call at a time) up to {MAX_CONCURRENCY}",
        )  # fmt: skip
    if executor not in EXECUTORS:
        raise SimInputError(
            "--executor", "executor", f"unknown executor {executor!r}", "use local or ray"
        )
    if address is not None and executor != "ray":
        raise SimInputError(
            "--ray-address", "address", "a Ray address needs the Ray executor",
            "add --executor ray, or leave out --ray-address",
        )  # fmt: skip
    if executor == "ray":
        from sim.executor_ray import RayExecutor
        from sim.ray_worker import require_ray

        require_ray()  # not installed: one line now, before any work
        return RayExecutor(concurrency if concurrency > 1 else None, address)
    return SerialExecutor() if concurrency == 1 else ThreadExecutor(concurrency)

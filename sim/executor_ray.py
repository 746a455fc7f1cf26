"""`--executor ray`: a tick's decisions and conversations run in Ray worker processes.

Shape: one Ray actor per worker (`sim.ray_worker`) holds what is costly to build or to ship
(the LM, rebuilt from its settings; the embedder; the memory segments it has been sent) and
runs items of a tick's work (`sim.tick_work`), one call per worker and map. Agent state
stays in the engine's process, which remains the one source of truth (checkpoints, forks,
interventions and the viewer read it there). An item travels as the agents it touches: their
attributes, pickled, and their memory as segment keys plus access times; a segment (frozen
rows and their embeddings) is sent to a worker only the first time it needs it. What comes
back is the agents' new attributes, the rows they appended (with their embeddings, so the
parent never re-embeds), the new access times, the cognition branch's events, retrievals and
LM call records, and the LM totals, all applied in the parent in item order, just as the
local executors merge.

The LM answer cache stays exact: each worker is sent the answers the parent learned since it
last heard, and the answers a worker got come back to the parent. So a seeded run on the fake
LM gives the same digest, memories and call log on Ray as in turn (tests/concurrency).

Ray is an optional extra (`pip install -e ".[ray]"`): this module imports it only when a
`RayExecutor` first runs work. Work that is not a `TickWork` runs in the caller's process.
"""

from __future__ import annotations

import itertools
import logging
import uuid
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from sim.agent import Agent
from sim.embed.protocol import Embedder
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM
from sim.memory.stream import Segment, StreamHandle
from sim.ray_worker import (
    Batch,
    Done,
    Packed,
    Worker,
    add_stats,
    attrs_of,
    embedder_recipe,
    lm_recipe,
    own,
    require_ray,
)
from sim.tick_work import TickWork
from sim.world.map import World

A = TypeVar("A")
R = TypeVar("R")


# The executor -----------------------------------------------------------------------------
class RayExecutor:
    """Runs a tick's work on `workers` Ray actors (default: one per CPU of the cluster).

    `address` is a cluster to join ("auto", "ray://host:10001"; None: RAY_ADDRESS if set,
    else a local cluster). A Ray session this process already started is reused. Forks that
    share the executor share its actors; each keeps its own answer cache there.
    """

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self._wanted = workers
        self.address = address
        self._actors: list[Any] = []
        self._setup: tuple[int, int] | None = None  # ids of the LM and embedder they were built for
        self._worlds: weakref.WeakKeyDictionary[World, str] = weakref.WeakKeyDictionary()
        self._has_world: list[set[str]] = []  # world keys each actor has built
        self._sent: dict[tuple[int, str], int] = {}  # (actor, cache) -> answers sent so far
        self._held: list[set[str]] = []  # segment keys each actor holds
        self._keys: weakref.WeakKeyDictionary[Segment, str] = weakref.WeakKeyDictionary()
        self._caches: weakref.WeakKeyDictionary[CachingLM, str] = weakref.WeakKeyDictionary()
        self._home: dict[str, int] = {}  # agent -> actor, sticky so its segments stay put

    @property
    def workers(self) -> int:
        """How many actors run work (starts Ray to count the cluster's CPUs when not given)."""
        if self._wanted is None:
            ray = self._connect()
            self._wanted = max(1, int(ray.cluster_resources().get("CPU", 1)))
        return self._wanted

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (none before the first work)."""
        return require_ray().get([a.pid.remote() for a in self._actors]) if self._actors else []

    def _connect(self) -> Any:
        ray = require_ray()
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,  # its start-up notes would break the run's output
            )
        return ray

    def map(self, fn: Callable[[A], R], items: Sequence[A]) -> list[R]:
        """Run the items on the actors; results come back, and are applied, in item order."""
        if not isinstance(fn, TickWork):
            return [fn(item) for item in items]
        if not items:
            return []
        ray = self._connect()
        work: TickWork[A, Any, R] = fn
        engine = work.engine
        self._start(ray, engine.lm.lm, engine.embedder)
        homes: dict[int, list[int]] = {}  # actor -> the items it runs, in order
        sent = []
        for n, item in enumerate(items):
            names = work.agents(item)
            home = self._place(names[0])
            homes.setdefault(home, []).append(n)
            sent.append((home, [self._pack(engine.agents[a], home) for a in names]))
        calls = {}
        for home, mine in homes.items():
            batch = self._batch(
                work, home, [(work.args(items[n]), [p for p, _ in sent[n][1]]) for n in mine]
            )
            calls[home] = self._actors[home].run.remote(batch)
        try:
            results = dict(zip(calls, ray.get(list(calls.values())), strict=True))
        except ray.exceptions.RayTaskError as exc:
            self._lose_track()
            cause = getattr(exc, "cause", None)
            raise (cause if isinstance(cause, BaseException) else exc) from None
        except BaseException:
            self._lose_track()
            raise
        done = [None] * len(items)
        for home, mine in homes.items():
            for n, result in zip(mine, results[home], strict=True):
                done[n] = result
        return [
            self._land(work, item, result, home, packed)
            for item, result, (home, packed) in zip(items, done, sent, strict=True)
        ]

    def _start(self, ray: Any, lm: LanguageModel, embedder: Embedder) -> None:
        """Start the actors, or start them again for an engine with another model."""
        setup = (id(lm.inner if isinstance(lm, CachingLM) else lm), id(embedder))
        if self._actors and setup == self._setup:
            return
        lm_made, embedder_made = lm_recipe(lm), embedder_recipe(embedder)
        self.close()
        actor = ray.remote(num_cpus=1)(Worker)
        self._actors = [actor.remote(lm_made, embedder_made) for _ in range(self.workers)]
        ray.get([a.pid.remote() for a in self._actors])  # a worker that cannot start fails here
        self._setup = setup
        self._held = [set() for _ in self._actors]
        self._has_world = [set() for _ in self._actors]

    def _batch(
        self, work: TickWork[Any, Any, Any], home: int, items: list[tuple[Any, list[Packed]]]
    ) -> Batch:
        """The items for actor `home`, with the world (the first time), the policy, the answers
        the engine's cache learned since that actor last heard, and the segments to drop."""
        engine = work.engine
        world = self._worlds.setdefault(engine.world, uuid.uuid4().hex)
        worlds = {}
        if world not in self._has_world[home]:
            worlds[world] = (engine.world.spec_json(), str(engine.world.source))
            self._has_world[home].add(world)
        backend, token, answers = engine.lm.lm, None, []
        if isinstance(backend, CachingLM):
            token = self._caches.setdefault(backend, uuid.uuid4().hex)
            start = self._sent.get((home, token), 0)
            answers = list(itertools.islice(backend._cache.items(), start, None))
            self._sent[(home, token)] = len(backend._cache)
        drop = sorted(self._held[home] - set(self._keys.values()))
        self._held[home] -= set(drop)
        return Batch(
            type(work).run, items, engine.cog.tick, engine.cog.now, engine.config,
            engine.cog.seed, world, worlds, engine.policy, token, answers, drop,
        )  # fmt: skip

    def _place(self, name: str) -> int:
        """The actor an agent's work goes to: fixed on first sight, spread in turn."""
        if name not in self._home:
            self._home[name] = len(self._home) % len(self._actors)
        return self._home[name]

    def _pack(self, agent: Agent, home: int) -> tuple[Packed, tuple[Segment, ...]]:
        """An agent for `home`, and the parent's segments it names."""
        handle = agent.memory.handle()  # O(1): seals the tail into a segment
        segments: list[tuple[str, Segment | None]] = []
        for segment in handle.segments:
            key = self._keys.get(segment)
            if key is None:
                key = self._keys[segment] = uuid.uuid4().hex
            segments.append((key, None if key in self._held[home] else segment))
            self._held[home].add(key)
        return Packed(attrs_of(agent, "memory"), segments, handle.access), handle.segments

    def _land(
        self,
        work: TickWork[A, Any, R],
        item: A,
        done: Done,
        home: int,
        sent: list[tuple[Packed, tuple[Segment, ...]]],
    ) -> R:
        """Apply what an item did to the parent's agents, LM totals and cache; then finish."""
        engine = work.engine
        for (packed, had), back in zip(sent, done.agents, strict=True):
            rows = list(had)
            for key, segment in back.segments[len(had) :]:
                assert segment is not None, "a worker sends back the rows it added"
                mine = own(segment)
                self._keys[mine] = key
                self._held[home].add(key)
                rows.append(mine)
            agent = engine.agents[packed.attrs["name"]]
            vars(agent).update(back.attrs)
            agent.memory.restore(StreamHandle(tuple(rows), np.array(back.access)))
        add_stats(engine.lm.stats, done.stats)
        if isinstance(engine.lm.lm, CachingLM):
            for key, response in done.answers:
                engine.lm.lm._cache.setdefault(key, response)
        cog = engine.cog.branch()
        cog.events, cog.retrievals, cog.calls = done.events, done.retrievals, done.calls
        return work.finish(item, done.out, cog)

    def _lose_track(self) -> None:
        """After a failure, assume nothing about what the actors hold."""
        for i, actor in enumerate(self._actors):
            actor.forget.remote()
            self._held[i].clear()

    def close(self) -> None:
        """Stop the actors (the Ray session stays up for whoever started it)."""
        if self._actors:
            ray = require_ray()
            for actor in self._actors:
                ray.kill(actor)
        self._actors, self._setup = [], None
        self._sent.clear()
        self._held, self._has_world = [], []

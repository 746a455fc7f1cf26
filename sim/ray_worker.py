"""The Ray side of `--executor ray`: what travels, and the actor that runs a tick's work.

A `Worker` (one Ray actor per worker process) builds the LM and the embedder once from
picklable recipes (remote clients hold sockets and the embedded model holds weights, so those
travel as their settings), keeps the worlds it was sent and the memory segments it was sent or
made, by key, and runs a `Batch`: one map's items for it, each with the agents it touches
(`Packed`). It answers with one `Done` per item. `sim.executor_ray` is the parent's side.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

import numpy as np

from sim.agent import Agent
from sim.assembly import world_from_run
from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.factory import make_embedder
from sim.embed.protocol import Embedder
from sim.errors import SimInputError
from sim.llm.embedded import EmbeddedLM
from sim.llm.protocol import LanguageModel, LMResponse
from sim.llm.retry import RetryingLM
from sim.llm.structured import LMCallRecord, LMStats, StructuredLM
from sim.llm.wrappers import CachingLM, ReplayLM, ResumeLM
from sim.memory.stream import MemoryStream, Segment, StreamHandle
from sim.tick_work import Scope
from sim.types import JSON
from sim.world.map import World
from sim.world.policy import Policy

EMBEDDER_NAMES = frozenset({"hash-256", "all-MiniLM-L6-v2"})  # what `make_embedder` rebuilds


def require_ray() -> Any:
    """The `ray` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise SimInputError(
            "--executor", "executor", "ray is not installed", 'run `pip install -e ".[ray]"`'
        ) from None
    return ray


# What travels -------------------------------------------------------------------------------
@dataclass
class Packed:
    """One agent on the wire: attributes but its memory; memory as segment keys and access."""

    attrs: dict[str, Any]
    segments: list[tuple[str, Segment | None]]  # (key, the rows when the receiver lacks them)
    access: np.ndarray


@dataclass
class Batch:
    """One map's items for one worker (one call: a call costs about a millisecond), with what
    they share and what the worker must learn or forget first."""

    run: Callable[[Scope, Any], Any]
    items: list[tuple[Any, list[Packed]]]  # each item's args and agents
    tick: int
    now: int
    config: CognitionConfig
    seed: int
    world: str  # key of the world
    worlds: dict[str, tuple[JSON, str]]  # worlds it has not built: validated file, source
    policy: Policy
    cache: str | None  # which of the parent's answer caches the calls go through
    answers: list[tuple[str, LMResponse]]  # what that cache learned since the worker heard
    drop: list[str]  # segments the parent no longer holds


@dataclass
class Done:
    """What an item left: its output and everything the parent must apply or merge."""

    out: Any
    agents: list[Packed]
    events: list[JSON]
    retrievals: list[JSON]
    calls: list[LMCallRecord]
    stats: JSON  # LM totals this item added
    answers: list[tuple[str, LMResponse]] = field(default_factory=list)  # new cache entries


# Rebuilding the LM and the embedder in a worker ----------------------------------------------
class _Ship:
    """A recipe that is the object itself (for backends that pickle, like the fake LM)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return self.value


def lm_recipe(lm: LanguageModel) -> Callable[[], LanguageModel]:
    """A picklable way to build `lm` again in a worker: remote clients hold sockets and the
    embedded model holds weights, so those travel as their settings."""
    if isinstance(lm, CachingLM):
        return lm_recipe(lm.inner)
    if isinstance(lm, ResumeLM):  # by the time work is spread, the recording is used up
        return lm_recipe(lm.live)
    if isinstance(lm, ReplayLM):
        raise SimInputError(
            "--executor", "executor", "a replay answers from its recording in this process",
            "replay with --executor local (the result is the same)",
        )  # fmt: skip
    if isinstance(lm, RetryingLM):
        return partial(RetryingLM, lm_recipe(lm.inner), policy=lm.policy)
    if isinstance(lm, EmbeddedLM):
        return partial(EmbeddedLM, lm.model_path, lm.n_ctx, lm.n_threads)
    from sim.llm.openai_compat import OpenAICompatLM  # the openai client is slow to import

    if isinstance(lm, OpenAICompatLM):
        client = lm._client
        return partial(
            OpenAICompatLM, lm.model, base_url=str(client.base_url), api_key=client.api_key,
            mode=lm.mode, timeout=lm.timeout,
        )  # fmt: skip
    return _Ship(lm)


def embedder_recipe(embedder: Embedder) -> Callable[[], Embedder]:
    """The named embedders are built again in the worker (MiniLM loads once there)."""
    if embedder.name in EMBEDDER_NAMES:
        return partial(make_embedder, embedder.name)
    return _Ship(embedder)


# The worker -------------------------------------------------------------------------------
class Worker:
    """A Ray actor's state: the LM and its answer caches, the embedder, worlds and segments."""

    def __init__(self, lm: Callable[[], LanguageModel], embedder: Callable[[], Embedder]) -> None:
        self.inner = lm()
        self.lms: dict[str | None, StructuredLM] = {None: StructuredLM(self.inner)}
        self.embedder = embedder()
        self.worlds: dict[str, World] = {}
        self.segments: dict[str, Segment] = {}

    def pid(self) -> int:
        """The worker's process id (a readiness probe; tests count distinct workers)."""
        return os.getpid()

    def forget(self) -> None:
        """Drop every segment (the parent lost track after a failure)."""
        self.segments.clear()

    def run(self, batch: Batch) -> list[Done]:
        """Learn what the batch brings, then run its items in turn."""
        for key, (spec, source) in batch.worlds.items():
            self.worlds[key] = world_from_run(spec, source)
        if batch.cache not in self.lms:  # one per parent cache, so a fork's hits stay its own
            self.lms[batch.cache] = StructuredLM(CachingLM(self.inner))
        lm = self.lms[batch.cache]
        table = _table(lm)
        for key, response in batch.answers:
            table.setdefault(key, response)
        for key in batch.drop:
            self.segments.pop(key, None)
        world = self.worlds[batch.world]
        done = []
        for args, packed in batch.items:
            agents = {p.attrs["name"]: self._unpack(p) for p in packed}
            cog = Cognition(lm, batch.config, batch.seed, batch.tick, batch.now, calls=[])
            before, known = lm.stats.to_json(), len(table)
            out = batch.run(Scope(agents, cog, world, batch.policy), args)
            done.append(
                Done(
                    out,
                    [self._pack(agents[p.attrs["name"]], p) for p in packed],
                    cog.events,
                    cog.retrievals,
                    cog.calls or [],
                    _minus(lm.stats.to_json(), before),
                    list(itertools.islice(table.items(), known, None)),
                )
            )
        return done

    def _unpack(self, packed: Packed) -> Agent:
        for key, segment in packed.segments:
            if segment is not None:
                self.segments[key] = own(segment)
        agent = Agent.__new__(Agent)
        vars(agent).update(packed.attrs)
        agent.memory = MemoryStream(self.embedder)
        held = tuple(self.segments[key] for key, _ in packed.segments)
        agent.memory.restore(StreamHandle(held, packed.access))
        return agent

    def _pack(self, agent: Agent, sent: Packed) -> Packed:
        """The agent after the job: the segments it was sent, plus one of the rows it added."""
        stream, start = agent.memory, len(sent.access)
        segments: list[tuple[str, Segment | None]] = [(key, None) for key, _ in sent.segments]
        if len(stream) > start:
            records = tuple(stream.records[start:])
            columns = np.ascontiguousarray(stream.vectors[start:].T)
            importance = np.array([r.importance for r in records], dtype=np.float64)
            key = uuid.uuid4().hex  # an identifier, not simulation randomness
            self.segments[key] = Segment(records, columns, importance)
            segments.append((key, self.segments[key]))
        access = stream.last_access_column().astype(np.int64)
        # A tick's work never changes a persona (interventions do, between ticks, in the parent).
        return Packed(attrs_of(agent, "memory", "persona"), segments, access)


def own(segment: Segment) -> Segment:
    """A segment whose arrays this process owns: Ray hands large arrays over as views of its
    shared object store, which would stay pinned there as long as the memory lives."""
    return Segment(segment.records, np.array(segment.columns), np.array(segment.importance))


def _table(lm: StructuredLM) -> dict[str, LMResponse]:
    """The answers a structured LM's cache holds, in the order learned (none without one)."""
    return lm.lm._cache if isinstance(lm.lm, CachingLM) else {}


def attrs_of(agent: Agent, *leave: str) -> dict[str, Any]:
    """An agent's attributes but those named in `leave` (the memory travels as segments)."""
    return {k: v for k, v in vars(agent).items() if k not in leave}


def _minus(after: JSON, before: JSON) -> JSON:
    """LM totals added between two `LMStats.to_json()` readings."""
    delta = {k: after[k] - before[k] for k in after if k != "faults"}
    faults = {k: n - before["faults"].get(k, 0) for k, n in after["faults"].items()}
    return {**delta, "faults": {k: n for k, n in faults.items() if n}}


def add_stats(stats: LMStats, delta: JSON) -> None:
    """Add a worker's LM totals to the parent's."""
    for f in fields(LMStats):
        if f.name != "faults":
            setattr(stats, f.name, getattr(stats, f.name) + delta[f.name])
    for kind, n in delta["faults"].items():
        stats.faults[kind] = stats.faults.get(kind, 0) + n

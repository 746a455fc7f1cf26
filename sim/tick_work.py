"""The independent work of a tick, in a shape that runs here or in another process.

Each kind of work (rating an agent's seed memories, deciding, holding a conversation) names the
agents an item reads and writes (`agents`), the plain data it needs besides them (`args`), and
runs as a function of a `Scope` (`run`): those agents, a fresh cognition branch, the world and
its policy. Called here (`work(item)`), the scope holds the engine's own agents. A process
executor (`sim.executor_ray`) instead ships copies of those agents with `args`, runs `run`
there, and applies the agents that come back before `finish`. `finish` runs in the engine's
process, in item order, and makes what the engine merges; so every executor gives the same run.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sim.agent import Agent
from sim.cognition import converse
from sim.cognition.context import Cognition
from sim.cognition.decide import Decision, decide
from sim.cognition.importance import rate
from sim.memory.stream import NewMemory
from sim.types import GameSeconds, Observation
from sim.world.map import World
from sim.world.policy import Policy

if TYPE_CHECKING:
    from sim.engine import Engine

I = TypeVar("I")  # noqa: E741 - an item of work
O = TypeVar("O")  # noqa: E741 - what `run` returns
R = TypeVar("R")


@dataclass
class Scope:
    """What one item may touch: its own agents, its cognition branch, the world and policy."""

    agents: dict[str, Agent]
    cog: Cognition
    world: World
    policy: Policy


class TickWork(ABC, Generic[I, O, R]):
    """One kind of a tick's work on disjoint groups of agents (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @abstractmethod
    def agents(self, item: I) -> tuple[str, ...]:
        """The agents `item` reads and writes (no two items of one map share one)."""

    @abstractmethod
    def args(self, item: I) -> Any:
        """Everything else `run` needs for `item`, as plain picklable data."""

    @staticmethod
    @abstractmethod
    def run(scope: Scope, args: Any) -> Any:
        """Do the work; it may change only `scope.agents` and record only into `scope.cog`."""

    @abstractmethod
    def finish(self, item: I, out: O, cog: Cognition) -> R:
        """What the engine merges, made in its own process once `item` has run."""

    def __call__(self, item: I) -> R:
        """Run `item` here, on the engine's own agents."""
        engine = self.engine
        agents = {name: engine.agents[name] for name in self.agents(item)}
        scope = Scope(agents, engine.cog.branch(), engine.world, engine.policy)
        return self.finish(item, type(self).run(scope, self.args(item)), scope.cog)


class SeedRating(TickWork[str, int, Cognition]):
    """Rate and write one agent's seed memories; `progress(done, total)` hears each agent."""

    def __init__(
        self,
        engine: Engine,
        texts: dict[str, list[str]],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        super().__init__(engine)
        self.texts = texts
        self.progress = progress
        self.total = sum(len(t) for t in texts.values())
        self.done = 0
        self._told = threading.Lock()  # agents may be rated at once; the count is told in turn

    def agents(self, item: str) -> tuple[str, ...]:
        return (item,)

    def args(self, item: str) -> tuple[str, list[str], list[tuple[str, ...]], GameSeconds]:
        texts = self.texts[item]
        mentions = [self.engine._mentions(item, t) for t in texts]
        return item, texts, mentions, self.engine.now

    @staticmethod
    def run(scope: Scope, args: tuple[str, list[str], list[tuple[str, ...]], GameSeconds]) -> int:
        name, texts, mentions, now = args
        agent = scope.agents[name]
        if texts and not len(agent.memory):
            ratings = rate(agent, texts, scope.cog, "seed memories")
            agent.remember(
                [
                    NewMemory("observation", t, r, subjects=m)
                    for t, r, m in zip(texts, ratings, mentions, strict=True)
                ],
                now,
            )
        return len(texts)

    def finish(self, item: str, out: int, cog: Cognition) -> Cognition:
        with self._told:
            self.done += out
            if self.progress is not None:
                self.progress(self.done, self.total)
        return cog


class Deciding(TickWork[str, Decision, tuple[Decision, Cognition]]):
    """One agent's decision for the tick, from what it perceived and who is free to talk."""

    def __init__(
        self, engine: Engine, seen: dict[str, list[Observation]], available: frozenset[str]
    ) -> None:
        super().__init__(engine)
        self.seen = seen
        self.available = available

    def agents(self, item: str) -> tuple[str, ...]:
        return (item,)

    def args(self, item: str) -> tuple[str, list[Observation], frozenset[str]]:
        return item, self.seen[item], self.available - {item}

    @staticmethod
    def run(scope: Scope, args: tuple[str, list[Observation], frozenset[str]]) -> Decision:
        name, seen, others = args
        return decide(scope.agents[name], seen, others, scope.world, scope.cog, scope.policy)

    def finish(self, item: str, out: Decision, cog: Cognition) -> tuple[Decision, Cognition]:
        return out, cog


class Holding(
    TickWork[Sequence[str], converse.Conversation, tuple[converse.Conversation, Cognition]]
):
    """One conversation: the dialogue, its participants kept busy, and each one's takeaway."""

    def agents(self, item: Sequence[str]) -> tuple[str, ...]:
        return tuple(item)

    def args(self, item: Sequence[str]) -> tuple[list[str], str, int]:
        place = self.engine.state.frames[item[0]].place or "outside"
        return list(item), place, self.engine.clock.tick_seconds

    @staticmethod
    def run(scope: Scope, args: tuple[list[str], str, int]) -> converse.Conversation:
        names, place, tick_seconds = args
        cog, group = scope.cog, [scope.agents[n] for n in names]
        convo = converse.hold(group, place, cog, tick_seconds)
        until = cog.now + convo.ticks * tick_seconds
        for agent in group:
            agent.busy_until = until
        for agent in group:
            converse.conclude(agent, convo, scope.world, cog)
        return convo

    def finish(
        self, item: Sequence[str], out: converse.Conversation, cog: Cognition
    ) -> tuple[converse.Conversation, Cognition]:
        return out, cog

"""A fast first tick: the usual day at once, today's changes a little later, no call for a
step the agent cannot choose, and prompts that stay short."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sim.agent import Agent
from sim.clock import HOUR
from sim.cognition.context import MEMORY_WORDS, Cognition, CognitionConfig
from sim.cognition.plan import REVISE_AFTER, REVISE_SPREAD, decompose, step_options
from sim.cognition.schedule import Block, Schedule
from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.memory.stream import NewMemory
from sim.persona import Persona
from sim.world.map import World


def test_waking_agents_follow_the_usual_day_and_plan_changes_later(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(seed=0)
    first = engine.step()
    assert not [c for c in first.lm_calls if c["purpose"] == "plan_day"]
    awake = [n for n, a in engine.agents.items() if a.awake(engine.clock.time(0))]
    assert awake
    due = {}
    for name in awake:
        schedule = engine.agents[name].schedule
        assert schedule.blocks and schedule.steps  # acting from the first tick
        assert schedule.revise_at is not None
        assert schedule.revise_at <= engine.clock.start + REVISE_AFTER + REVISE_SPREAD
        due[name] = schedule.revise_at
    # The usual plan is logged (the viewer shows it) and remembered, with no LM call.
    assert {e["agent"] for e in first.events if e["kind"] == "plan_day"} == set(awake)
    planned: Counter[str] = Counter()
    when = {}
    for _ in range(360):  # an hour: a conversation may hold a plan up a little
        record = engine.step()
        for call in record.lm_calls:
            if call["purpose"] == "plan_day":
                planned[call["agent"]] += 1
                when[call["agent"]] = record.time
    assert planned == Counter(awake)  # once each, after waking
    assert all(when[n] >= due[n] for n in awake)
    assert all(engine.agents[n].schedule.revise_at is None for n in awake)


def test_the_revision_time_survives_a_checkpoint() -> None:
    schedule = Schedule(day=0, blocks=[Block(0, HOUR, "tea", "Home:Kitchen")], revise_at=600)
    again = Schedule()
    again.set_state(schedule.get_state())
    assert again == schedule
    old = schedule.get_state()
    del old["revise_at"]  # a checkpoint from before: the day was planned on waking
    again.set_state(old)
    assert again.revise_at is None


def test_a_step_with_nothing_to_choose_costs_no_call(
    willow: World, willow_people: list[Persona]
) -> None:
    theo = Agent(next(p for p in willow_people if p.name.startswith("Theo")), HashEmbedder(),
                 set(willow.arenas))  # fmt: skip
    now = 7 * HOUR
    block = Block(now, now + HOUR, "juggle oranges", "Willow Park:Lawn")
    assert list(step_options(willow, block, theo.memory.embedder)) == ["juggle oranges"]
    theo.schedule = Schedule(day=0, blocks=[block])
    lm = ScriptedLM([])  # any call would fail
    cog = Cognition(StructuredLM(lm), CognitionConfig(), seed=0, now=now)
    decompose(theo, willow, cog)
    assert not lm.requests
    (step,) = theo.schedule.steps
    assert (step.action, step.start, step.end) == ("juggle oranges", now, now + HOUR)


def test_prompt_memories_are_clipped(willow: World, willow_people: list[Persona]) -> None:
    theo = Agent(next(p for p in willow_people if p.name.startswith("Theo")), HashEmbedder(),
                 set(willow.arenas))  # fmt: skip
    long = "My plan for day 1: " + "; ".join(f"0{i}:00 write chapter {i}" for i in range(9))
    theo.remember([NewMemory("plan", long, 5)], 0)
    cog = Cognition(StructuredLM(ScriptedLM([])), CognitionConfig(), seed=0, now=HOUR)
    (shown,) = cog.recall_texts(theo, "plan", "test", 1)
    assert shown.endswith(" …") and len(shown.split()) == MEMORY_WORDS + 1
    assert long.startswith(shown[:-2])

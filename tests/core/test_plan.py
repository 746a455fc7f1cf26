"""Plan decomposition: day blocks from the routine or the model, steps that fill each block."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

from sim.agent import Agent
from sim.clock import HOUR, label
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.plan import decompose, plan_day, to_blocks, usual_day
from sim.cognition.schedule import lay_out_steps
from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.persona import Persona
from sim.world.map import World


def agent_for(people: list[Persona], name: str, world: World) -> Agent:
    persona = next(p for p in people if p.name.startswith(name))
    return Agent(persona, HashEmbedder(), set(world.arenas))


def test_blocks_are_sorted_contiguous_and_end_at_sleep() -> None:
    now, sleep = 7 * HOUR + 600, 22 * HOUR
    rows = [
        (12 * HOUR, "lunch", "A:b"),
        (9 * HOUR, "work", "C:d"),
        (9 * HOUR, "dup", "X:y"),
        (6 * HOUR, "early", "A:b"),
    ]
    blocks = to_blocks(rows, now, sleep)
    assert [b.activity for b in blocks] == ["early", "work", "lunch"]
    assert blocks[0].start == now
    assert all(a.end == b.start for a, b in itertools.pairwise(blocks))
    assert blocks[-1].end == sleep


def test_steps_fill_the_horizon_exactly() -> None:
    parts = [
        (10, "grind beans", None, "☕"),
        (15, "serve", "Cafe:Counter:till", "☕"),
        (15, "wipe tables", None, "🧹"),
        (15, "never reached", None, "🙂"),
    ]
    steps = lay_out_steps(0, 30 * 60, parts, "Cafe:Counter")
    assert [(s.start, s.end) for s in steps] == [(0, 600), (600, 1500), (1500, 1800)]
    short = lay_out_steps(0, 3600, parts[:1], "Cafe:Counter")
    assert short[-1].end == 3600  # the last step is stretched to the horizon


def test_usual_day_starts_with_the_item_under_way(
    willow: World, willow_people: list[Persona]
) -> None:
    theo = agent_for(willow_people, "Theo", willow)
    items = usual_day(theo, 0, 8 * HOUR)
    assert items[0][0] == 8 * HOUR
    assert "write" in items[0][1]  # 07:30 writing at the cafe is under way at 08:00
    assert [t for t, _, _ in items] == sorted(t for t, _, _ in items)


def test_plan_day_and_decompose_with_scripted_model(
    willow: World, willow_people: list[Persona]
) -> None:
    maya = agent_for(willow_people, "Maya", willow)
    changes = {
        "blocks": [
            {
                "start": "11:00",
                "activity": "ask Eleanor about the picnic",
                "place": "Willow Park:Lawn",
            },
            {"start": "09:30", "activity": "fix the grinder", "place": "Juniper Cafe:Counter"},
        ]
    }
    steps = {
        "steps": [
            {"minutes": "15", "action": "count the till (cash register)", "emoji": "🙂"},
            {"minutes": "10", "action": "serve the morning rush", "emoji": "☕"},
        ]
    }
    lm = ScriptedLM([json.dumps(changes), json.dumps(steps)])
    cog = Cognition(
        StructuredLM(lm), CognitionConfig(plan_horizon_minutes=60), seed=0, now=7 * HOUR
    )
    plan_day(maya, willow, cog)
    blocks = maya.schedule.blocks
    # Today's changes replace (09:30) or add to (11:00) the usual day, which fills the rest.
    assert [b.activity for b in blocks[:5]] == [
        "serve the morning rush",
        "fix the grinder",
        "serve customers and restock the pastry case",
        "ask Eleanor about the picnic",
        "do the accounts at the long table",
    ]
    assert blocks[0].start == 7 * HOUR and blocks[1].start == 9 * HOUR + 1800
    assert blocks[3].start == 11 * HOUR and blocks[3].end == 13 * HOUR
    assert blocks[-1].end == maya.sleep
    decompose(maya, willow, cog)
    got = maya.schedule.steps
    # Steps are chosen among the block's activity and the place's object uses like it.
    offered = lm.requests[1].schema["$defs"]["PlanStep"]["properties"]["action"]["enum"]
    assert offered[0] == "serve the morning rush"
    assert "restock the pastry case (pastry case)" in offered
    assert not any("bed" in option for option in offered)
    assert [s.action for s in got] == ["count the till", "serve the morning rush"]
    assert got[0].object == "Juniper Cafe:Counter:cash register" and got[1].object is None
    assert got[-1].end == 8 * HOUR  # stretched to the one-hour horizon
    plans = [r for r in maya.memory.records if r.kind == "plan"]
    assert len(plans) == 2 and "serve the morning rush" in plans[0].text
    # The day plan prompt offered only real places, and not other people's homes.
    schema = json.dumps(lm.requests[0].schema)
    assert "Juniper Cafe:Counter" in schema and "Hale Cottage:Bedroom" not in schema
    assert "Torres House:Kitchen" in schema


def test_invalid_plan_falls_back_to_the_usual_day(
    willow: World, willow_people: list[Persona]
) -> None:
    eleanor = agent_for(willow_people, "Eleanor", willow)
    cog = Cognition(
        StructuredLM(ScriptedLM(["{oops"] * 3)), CognitionConfig(), seed=0, now=8 * HOUR + 900
    )
    plan_day(eleanor, willow, cog)
    blocks = eleanor.schedule.blocks
    assert blocks[0].place == "Willow Park:Community Garden"  # the 08:00 routine item
    assert blocks[0].start == 8 * HOUR + 900
    assert label(blocks[1].start).endswith("09:00")
    assert cog.lm.stats.fallbacks == 1


def test_a_night_owl_keeps_yesterday_until_waking(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(seed=0)
    engine.step()
    theo = engine.agents["Theo Okafor"]  # wakes 07:00, sleeps 00:30
    assert theo.schedule.day == 0
    tick_at = lambda t: (t - engine.clock.start) // engine.clock.tick_seconds  # noqa: E731
    engine.tick = tick_at(24 * HOUR + 600)  # day 2 00:10: still awake, still day 1
    engine.step()
    assert theo.awake(24 * HOUR + 600) and theo.schedule.day == 0
    engine.tick = tick_at(31 * HOUR)  # day 2 07:00: a new day and a new plan
    engine.step()
    assert theo.schedule.day == 1
    assert theo.schedule.blocks[0].start == 31 * HOUR
    assert theo.schedule.blocks[-1].end == 48 * HOUR + 1800  # bed at 00:30 on day 3


def test_a_choosing_day_plan_offers_each_place_its_own_activities(
    willow: World, willow_people: list[Persona]
) -> None:
    maya = agent_for(willow_people, "Maya", willow)
    change = {
        "start": "09:30",
        "place": "Juniper Cafe:Counter",
        "activity": "clean the espresso machine",
    }
    wrong = {**change, "activity": "sleep"}  # a bed's use, offered only where a bed is
    lm = ScriptedLM([json.dumps({"blocks": [wrong]})] * 3 + [json.dumps({"blocks": [change]})])
    config = CognitionConfig(plan_activities="choose")
    cog = Cognition(StructuredLM(lm), config, seed=0, now=7 * HOUR)
    plan_day(maya, willow, cog)  # three wrong answers: the usual day
    assert "clean the espresso machine" not in [b.activity for b in maya.schedule.blocks]
    assert cog.lm.stats.fallbacks == 1
    plan_day(maya, willow, cog)
    assert [b.activity for b in maya.schedule.blocks][1] == "clean the espresso machine"
    kinds = lm.requests[0].schema["properties"]["blocks"]["items"]["anyOf"]
    defs = lm.requests[0].schema["$defs"]
    props = [defs[k["$ref"].split("/")[-1]]["properties"] for k in kinds]
    offered = {p["place"].get("const", p["place"].get("enum", [None])[0]): p["activity"]["enum"]
               for p in props}  # fmt: skip
    assert offered["Juniper Cafe:Counter"][:2] == [  # her routine there comes first
        "open the cafe and bake the buns",
        "serve the morning rush",
    ]
    assert "sleep" in offered["Torres House:Bedroom"]
    assert "sleep" not in offered["Juniper Cafe:Counter"]

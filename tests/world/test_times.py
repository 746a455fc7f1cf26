"""Times as people write them: unquoted, one-digit hours, any minute; never silently changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.agent import Agent
from sim.clock import HOUR, label
from sim.cognition.context import Cognition, CognitionConfig
from sim.cognition.plan import plan_day
from sim.embed.hashing import HashEmbedder
from sim.errors import SimInputError
from sim.llm.fake import ScriptedLM
from sim.llm.structured import StructuredLM
from sim.persona import check_personas, load_personas
from sim.world import World

Make = Callable[..., dict[str, Any]]

UNQUOTED = """\
wake: 06:30
sleep: 22:00
routine:
  - {at: 6:30, activity: tea, place: "Home:Room"}
  - {at: 9:05, activity: open the shop, place: "Shop:Floor"}
  - {at: 9:20, activity: sweep the floor, place: "Shop:Floor"}
"""


def _persona_file(tmp_path: Path, persona: Make, extra: str) -> Path:
    text = yaml.safe_dump(persona(), sort_keys=False) + extra
    (tmp_path / "set").mkdir(exist_ok=True)
    (tmp_path / "set" / "ann.yaml").write_text(text)
    return tmp_path / "set"


def test_unquoted_times_are_times_not_base_60_numbers(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    """YAML 1.1 reads `22:00` as 1320 and `9:05` as 545; both are kept as the times written."""
    (ann,) = load_personas(_persona_file(tmp_path, persona, UNQUOTED), tiny_world)
    assert (ann.wake, ann.sleep) == ("06:30", "22:00")
    assert ann.sleep_seconds == 22 * HOUR
    assert [item.at for item in ann.routine] == ["06:30", "09:05", "09:20"]


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("at: 9.30", "expected a time like '07:30'"),
        ("at: 930", "write it in quotes"),
        ("at: '24:00'", "use 00:00 to 23:59"),
        ("at: '9:5'", "expected a time like '07:30'"),
    ],
)
def test_a_wrong_time_says_how_to_write_it(
    tmp_path: Path, tiny_world: World, persona: Make, written: str, hint: str
) -> None:
    extra = f"routine:\n  - {{{written}, activity: tea, place: 'Home:Room'}}\n"
    with pytest.raises(SimInputError) as caught:
        load_personas(_persona_file(tmp_path, persona, extra), tiny_world)
    assert caught.value.field == "routine[0].at" and hint in str(caught.value)


def test_two_routine_items_at_the_same_minute_are_refused(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    routine = [
        {"at": "12:00", "activity": "lunch", "place": "Home:Room"},
        {"at": "12:00", "activity": "call mum", "place": "Home:Room"},
    ]
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "ann.yaml").write_text(yaml.safe_dump(persona(routine=routine)))
    _, problems = check_personas(tmp_path / "set", tiny_world.places)
    assert [p.field for p in problems] == ["routine[1].at"]
    assert "routine[0]" in problems[0].problem


def test_the_day_plan_keeps_the_minutes_of_the_routine(
    tmp_path: Path, tiny_world: World, persona: Make
) -> None:
    """Items at 09:05 and 09:20 share a half hour: both are planned, at their own minutes."""
    (ann,) = load_personas(_persona_file(tmp_path, persona, UNQUOTED), tiny_world)
    agent = Agent(ann, HashEmbedder(), set(tiny_world.arenas))
    lm = StructuredLM(ScriptedLM(['{"blocks": []}']))  # today is a usual day
    plan_day(agent, tiny_world, Cognition(lm, CognitionConfig(), seed=0, now=6 * HOUR + 1800))
    starts = [(label(b.start)[-5:], b.activity) for b in agent.schedule.blocks]
    assert starts == [("06:30", "tea"), ("09:05", "open the shop"), ("09:20", "sweep the floor")]

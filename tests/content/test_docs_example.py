"""The hand-written example in docs/examples, made by following the docs, loads and runs."""

from __future__ import annotations

from pathlib import Path

from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.persona import load_personas
from sim.world.map import load_world

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "corner"


def test_documented_example_world_loads_and_runs() -> None:
    world = load_world(EXAMPLE)
    assert world.personas_path is not None
    people = load_personas(world.personas_path, world)
    assert {p.name for p in people} == {"Amira Haddad", "Ben Okoro"}
    engine = Engine(world, people, FakeLM(0), HashEmbedder(), seed=0)
    for _ in range(120):
        engine.step()
    assert all(len(a.memory) > 0 for a in engine.agents.values())
    assert engine.state.frames["Amira Haddad"].place is not None

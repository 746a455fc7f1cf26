"""Assemble a simulation from user-facing names: world path, persona set, LM and embedder specs."""

from __future__ import annotations

from pathlib import Path

from sim.errors import SimInputError
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM, ReplayLM, make_lm
from sim.persona import Persona, load_personas
from sim.store.location import RunDb
from sim.store.reader import RunReader
from sim.types import JSON
from sim.world.files import raise_first
from sim.world.layout import build_layout
from sim.world.map import World, load_world
from sim.world.spec import WorldSpec

# The names backends record with a run, and the --lm spec that rebuilds each.
_SPEC_OF_MODEL = {"fake": "fake", "smollm2-135m-instruct-q4_1": "embedded"}


def load_town(world_path: Path, personas_path: Path | None) -> tuple[World, list[Persona]]:
    """The world and its persona set (the world's default set unless one is given)."""
    world = load_world(world_path)
    chosen = personas_path or world.personas_path
    if chosen is None:
        raise SimInputError(
            str(world.source),
            "personas",
            "the world names no persona set",
            "add `personas: <dir>` to world.yaml or pass --personas DIR",
        )
    return world, load_personas(chosen, world)


def build_lm(
    spec: str, seed: int, base_url: str | None, api_key: str | None, replay: RunDb | None
) -> LanguageModel:
    """The backend for `--lm`, or the recorded answers of `--replay`, behind a call cache."""
    if replay is not None:
        reader = RunReader(replay)
        lm: LanguageModel = ReplayLM(reader.recorded_answers(), name=reader.run.lm)
        reader.close()
    else:
        lm = make_lm(spec, seed=seed, base_url=base_url, api_key=api_key)
    return CachingLM(lm)


def lm_spec_of(model_name: str) -> str:
    """The `--lm` spec that rebuilds the backend a run recorded as `model_name`."""
    if model_name.startswith("openai:"):
        return model_name
    return _SPEC_OF_MODEL.get(model_name, "embedded")


def world_from_run(data: JSON, source: str) -> World:
    """Rebuild the world stored with a run (its file may have changed or gone since)."""
    spec = WorldSpec.model_validate(data)
    layout, problems = build_layout(spec, source)
    raise_first(problems)
    assert layout is not None  # no problems means the layout was built
    return World(spec, layout, Path(source))

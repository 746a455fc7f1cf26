"""Assemble an engine from user-facing names: world path, persona set, LM and embedder specs."""

from __future__ import annotations

from pathlib import Path

from sim.errors import SimInputError
from sim.llm.protocol import LanguageModel
from sim.llm.wrappers import CachingLM, ReplayLM, make_lm
from sim.persona import Persona, load_personas
from sim.store.reader import RunReader
from sim.world.map import World, load_world


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
    spec: str, seed: int, base_url: str | None, api_key: str | None, replay: Path | None
) -> LanguageModel:
    """The backend for `--lm`, or the recorded answers of `--replay`, behind a call cache."""
    if replay is not None:
        reader = RunReader(replay)
        lm: LanguageModel = ReplayLM(reader.recorded_answers(), name=reader.run.lm)
        reader.close()
    else:
        lm = make_lm(spec, seed=seed, base_url=base_url, api_key=api_key)
    return CachingLM(lm)

"""Shared fixtures: the starter world, its personas, and engines on the fake LM and embedder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.embed.hashing import HashEmbedder
from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.llm.protocol import LanguageModel
from sim.persona import Persona, load_personas
from sim.world.map import World, load_world

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def willow() -> World:
    """The starter world."""
    return load_world(ROOT / "worlds" / "willow")


@pytest.fixture(scope="session")
def willow_people(willow: World) -> list[Persona]:
    """The starter world's personas."""
    assert willow.personas_path is not None
    return load_personas(willow.personas_path, willow)


@pytest.fixture
def make_engine(willow: World, willow_people: list[Persona]) -> Callable[..., Engine]:
    """Build an engine on the starter world with the fake LM unless another is given."""

    def build(lm: LanguageModel | None = None, seed: int = 0, **kwargs: object) -> Engine:
        return Engine(
            willow, willow_people, lm or FakeLM(seed), HashEmbedder(), seed=seed, **kwargs
        )  # type: ignore[arg-type]

    return build

"""What the map and its labels look like: water is not the outside, hillsides are not
buildings, every agent on the big town map shows its initials, and nothing covers an agent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame
import pytest

from viewer.app import Viewer
from viewer.placement import overlap
from viewer.render import Hit, hovered
from viewer.text import Text
from viewer.tiles import OUTSIDE, WALL, MapLook, build_map
from viewer.timeline import agent_color, ink

MakeViewer = Callable[..., tuple[Viewer, pygame.Surface]]
HARBOUR = {
    "width": 10,
    "height": 8,
    "grid": [
        "^^^^^^^^^^",
        "^HHHH....^",
        "^.####..X^",
        "^.#aa#.XbX",
        "^.####..X^",
        "^........^",
        "~~~~~~~~~~",
        "~~~~~~~~~~",
    ],
    "legend": {
        "^": "wall",
        "H": "wall",
        "#": "wall",
        "X": "wall",
        ".": "floor",
        "~": "void",
        "a": "Home:Room",
        "b": "Shed:Inside",
    },
}


def test_each_legend_character_gets_a_look_of_its_own() -> None:
    look = MapLook(HARBOUR)
    assert look.looks["~"] == "water" and look.colors["~"] != OUTSIDE
    assert look.looks["^"] == "hill"  # a glyph maps use for slopes
    assert look.looks["H"] == "hill"  # an unknown wall character that borders no room
    assert look.looks["X"] == "building"  # one that walls in a room
    assert look.colors["^"] != WALL


def test_water_and_hillsides_are_painted_apart_from_buildings_and_the_outside() -> None:
    pygame.font.init()
    tile = 16
    surface, _ = build_map(MapLook(HARBOUR), Text(), tile)

    def corner(x: int, y: int) -> tuple[int, int, int]:
        return tuple(surface.get_at((x * tile + 1, y * tile + tile - 2)))[:3]

    water, hill, wall = corner(0, 7), corner(1, 1), corner(3, 2)
    assert len({water, hill, wall, OUTSIDE}) == 4
    assert water[2] > water[0]  # blue


def label_hits(viewer: Viewer) -> list[Hit]:
    return [h for h in viewer.hits if h.kind == "label"]


def agent_hits(viewer: Viewer) -> list[Hit]:
    return [h for h in viewer.hits if h.kind == "agent"]


def test_every_agent_on_the_town_map_shows_initials_when_zoomed_out(
    town_db: Path, make_viewer: MakeViewer
) -> None:
    viewer, screen = make_viewer(town_db)
    viewer.seek(8)
    viewer.draw(screen)
    assert viewer.camera.tile < 10  # discs too small to hold letters: initials sit beside them
    assert {h.agent for h in label_hits(viewer)} == {h.agent for h in agent_hits(viewer)}
    assert len(agent_hits(viewer)) == len(viewer.model.agents)


@pytest.mark.parametrize("zoom", [0, 2, 4])
def test_labels_and_bubbles_cover_no_agent_and_no_other_label(
    town_db: Path, make_viewer: MakeViewer, zoom: int
) -> None:
    viewer, screen = make_viewer(town_db)
    viewer.camera.zoom(zoom, (900, 150))  # over the Morenos, who talk as a family of three
    bubbles_seen = 0
    for tick in range(11):
        viewer.seek(tick)
        viewer.draw(screen)
        agents = [h.rect for h in agent_hits(viewer)]
        labels = [h.rect for h in label_hits(viewer)]
        bubbles = [h.rect for h in viewer.hits if h.kind == "bubble"]
        bubbles_seen += len(bubbles)
        assert not [(b, a) for b in bubbles + labels for a in agents if overlap(b, a)], tick
        assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if overlap(a, b)]
    assert bubbles_seen >= 3


def test_zoomed_in_discs_carry_their_initials(town_db: Path, make_viewer: MakeViewer) -> None:
    viewer, screen = make_viewer(town_db)
    viewer.camera.zoom(5, (640, 300))
    viewer.draw(screen)
    assert viewer.camera.tile >= 17
    for hit in agent_hits(viewer):
        color, box = agent_color(hit.agent), pygame.Rect(hit.rect).inflate(-8, -8)
        pixels = {
            tuple(screen.get_at((x, y)))[:3]
            for x in range(box.left, box.right)
            for y in range(box.top, box.bottom)
        }
        if color in pixels:  # not hidden under a neighbour on the same tile
            assert ink(color) in pixels, hit.agent


def test_hovering_an_agent_shows_its_full_name(town_db: Path, make_viewer: MakeViewer) -> None:
    viewer, screen = make_viewer(town_db)
    viewer.seek(3)
    viewer.draw(screen)
    target = agent_hits(viewer)[0]
    viewer.handle(
        pygame.event.Event(pygame.MOUSEMOTION, pos=pygame.Rect(target.rect).center, rel=(1, 1))
    )
    viewer.draw(screen)
    names = [h for h in viewer.hits if h.kind == "name"]
    assert [h.agent for h in names] == [target.agent]
    assert not any(overlap(names[0].rect, a.rect) for a in agent_hits(viewer))
    assert target.agent in hovered(viewer.hits, pygame.Rect(target.rect).center)

"""Bubbles and labels are laid out so they hide no agent and no other label (pure geometry)."""

from __future__ import annotations

from viewer.placement import (
    Anchor,
    Label,
    Rect,
    RectIndex,
    fan_out,
    overlap,
    place_bubbles,
    place_labels,
)
from viewer.timeline import short_names

VIEW: Rect = (0, 0, 800, 600)
BUBBLE = (140, 40)


def sprite(a: Anchor) -> Rect:
    return a.rect


def test_a_bubble_moves_off_the_agent_being_spoken_to() -> None:
    speaker = Anchor(400, 300, 10)
    listener = Anchor(400, 262, 10)  # right where a bubble above the speaker would go
    [box] = place_bubbles([(speaker, BUBBLE)], [sprite(speaker), sprite(listener)], VIEW)
    assert overlap(box, sprite(listener)) == 0
    assert overlap(box, sprite(speaker)) == 0


def test_a_bubble_boxed_in_on_all_four_sides_is_nudged_clear() -> None:
    speaker = Anchor(400, 300, 10)
    around = [Anchor(400, 262, 10), Anchor(400, 338, 10), Anchor(320, 300, 10)]
    around.append(Anchor(480, 300, 10))
    sprites = [sprite(a) for a in (speaker, *around)]
    [box] = place_bubbles([(speaker, BUBBLE)], sprites, VIEW)
    assert all(overlap(box, s) == 0 for s in sprites)


def test_bubbles_of_two_speakers_side_by_side_do_not_cover_each_other() -> None:
    left, right = Anchor(380, 300, 10), Anchor(420, 300, 10)
    boxes = place_bubbles([(left, BUBBLE), (right, BUBBLE)], [left.rect, right.rect], VIEW)
    assert overlap(*boxes) == 0
    assert all(overlap(b, s) == 0 for b in boxes for s in (left.rect, right.rect))


def test_a_bubble_at_the_edge_stays_in_view_and_off_agents() -> None:
    speaker, listener = Anchor(5, 10, 8), Anchor(40, 10, 8)
    [box] = place_bubbles([(speaker, BUBBLE)], [speaker.rect, listener.rect], VIEW)
    assert overlap(box, VIEW) == box[2] * box[3]
    assert overlap(box, listener.rect) == 0 and overlap(box, speaker.rect) == 0


def test_labels_never_overlap_and_one_with_no_room_is_left_out() -> None:
    crowd = [Anchor(300 + 6 * i, 300, 4) for i in range(12)]  # twelve agents shoulder to shoulder
    placed = place_labels([Label(a, (24, 14)) for a in crowd], [a.rect for a in crowd], VIEW)
    shown = [b for b in placed if b is not None]
    assert 2 <= len(shown) < len(crowd)
    assert all(overlap(a, b) == 0 for i, a in enumerate(shown) for b in shown[i + 1 :])
    assert all(overlap(b, a.rect) == 0 for b in shown for a in crowd)


def test_labels_prefer_to_keep_clear_of_printed_map_names() -> None:
    agent = Anchor(100, 100, 5)
    below = (80, 109, 40, 14)  # a map name right under the agent
    [box] = place_labels([Label(agent, (24, 14))], [agent.rect], VIEW, RectIndex([below]))
    assert box is not None and overlap(box, below) == 0


def test_a_moved_index_finds_rectangles_where_the_camera_put_them() -> None:
    index = RectIndex([(10, 10, 20, 20), (500, 500, 10, 10)])
    assert index.moved(100, 0).near((105, 0, 30, 30)) == [(110, 10, 20, 20)]
    assert index.near((105, 0, 30, 30)) == []


def test_agents_on_one_tile_are_spread_apart_and_others_stay_put() -> None:
    points = [(50, 50), (50, 50), (50, 50), (90, 90)]
    spread = fan_out(points, 6)
    assert len(set(spread[:3])) == 3 and spread[3] == (90, 90)


def test_initials_are_unique_in_a_run() -> None:
    tags = short_names(["Thanh Nguyen", "Tommy Nguyen", "Maya Torres", "Cher"])
    assert tags == {"Thanh Nguyen": "ThN", "Tommy Nguyen": "ToN", "Maya Torres": "MT", "Cher": "C"}

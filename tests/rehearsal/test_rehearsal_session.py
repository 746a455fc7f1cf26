"""A rehearsal session on the fake LM: stored turns, remembered lines, exact rewind and reset."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.llm.fake import ScriptedLM
from tests.rehearsal.helpers import make_session

ANSWERS = (
    "I started on the roof of my apartment block in 2018 with six crates of lettuce.",
    "The first summer we lost half the crop to wind, so we built screens from pallets.",
    "The hardest part was water: we carried it up four floors until a neighbour fitted a tap.",
)


def test_scripted_session_stores_turns_memories_and_retrieved_ids(tmp_path: Path) -> None:
    db = tmp_path / "session.db"
    session = make_session(db)
    opening = session.start()
    assert [line.speaker for line in opening] == ["persona"]  # the host leads
    seeded = len(session.partner.memory)
    for answer in ANSWERS:
        session.say(answer)
    partner = session.partner
    texts = [r.text for r in partner.memory.records]
    # Each exchange is remembered: the person's line and the persona's reply.
    assert len(partner.memory) == seeded + 2 * len(ANSWERS)
    assert all(f"The guest said: {a}" in texts for a in ANSWERS)
    assert texts[-1] == f"I said to the guest: {partner.lines[-1].text}"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT turn, speaker, text, memories_json FROM rehearsal_line "
            "WHERE attempt = 1 ORDER BY position"
        ).fetchall()
        prompts = [json.loads(r[0])["messages"][1]["content"] for r in conn.execute(
            "SELECT request_json FROM lm_call WHERE purpose = 'rehearsal_turn' AND attempt = 0 "
            "ORDER BY id")]  # fmt: skip
    assert [(t, s) for t, s, _, _ in rows] == [
        (0, "persona"), (1, "you"), (1, "persona"), (2, "you"), (2, "persona"),
        (3, "you"), (3, "persona"),
    ]  # fmt: skip
    assert [text for _, s, text, _ in rows if s == "you"] == list(ANSWERS)
    for turn, speaker, _, ids_json in rows:
        ids = json.loads(ids_json)
        if speaker == "persona":  # retrieved from the stream as it stood at that line
            assert 0 < len(ids) <= 8 and all(0 <= i < seeded + 2 * turn for i in ids)
        else:
            assert ids == []
    # Each reply's prompt shows exactly the memories whose ids were recorded for it.
    replies = [ids for _, s, _, ids in rows if s == "persona"]
    for prompt, ids_json in zip(prompts, replies, strict=True):
        shown = prompt.split("relevant:\n")[1].split("\n\n")[0].splitlines()
        assert shown == [f"- {texts[i]}" for i in json.loads(ids_json)]


def test_reset_restores_the_exact_seed_state() -> None:
    session = make_session()
    session.start()
    seed_state = session.get_state()
    for answer in ANSWERS:
        session.say(answer)
    assert session.get_state() != seed_state
    lines = session.reset()
    assert session.get_state() == seed_state
    assert lines == session.attempts[0].lines[:1]  # the same opening question
    assert session.attempt.number == 2 and session.attempt.origin == "reset"


def test_retry_restores_the_exact_state_before_that_turn_and_forgets_later_ones() -> None:
    session = make_session()
    session.start()
    before = []
    for answer in ANSWERS:
        before.append(session.get_state())
        session.say(answer)
    session.retry(2)
    assert session.get_state() == before[1]
    texts = [r.text for r in session.partner.memory.records]
    assert not any(ANSWERS[1] in t or ANSWERS[2] in t for t in texts)
    session.say("We started with herbs because they sell for more per square metre.")
    session.retry(1)  # retrying again rewinds within the new attempt
    assert session.get_state() == before[0]
    assert [a.origin for a in session.attempts] == [
        "start", "retry of attempt 1 from turn 2", "retry of attempt 2 from turn 1",
    ]  # fmt: skip
    assert session.attempts[1].turns == 2 and session.attempts[0].turns == 3


def test_retry_past_the_last_turn_or_a_too_long_line_is_one_line_and_changes_nothing() -> None:
    session = make_session()
    session.start()
    session.say(ANSWERS[0])
    state = session.get_state()
    with pytest.raises(SimInputError) as err:
        session.retry(5)
    assert "no turn 5" in err.value.line() and "\n" not in err.value.line()
    with pytest.raises(SimInputError) as err:
        session.say("word " * 200)
    assert "999 characters" in err.value.line() and "\n" not in err.value.line()
    assert session.get_state() == state and len(session.attempts) == 1


def test_the_same_session_twice_gives_the_same_transcript() -> None:
    first, second = make_session(), make_session()
    for session in (first, second):
        session.start()
        for answer in ANSWERS:
            session.say(answer)
    assert first.get_state() == second.get_state()


def test_the_persona_follows_up_through_the_dialogue_gate_without_repeating_itself() -> None:
    def turn(text: str, moves_on: bool) -> str:
        return json.dumps({"utterance": text, "end": False, "moves_on": moves_on})

    lm = ScriptedLM(
        [
            json.dumps({"points": ["how it started", "what went wrong", "one tip"]}),
            turn("Welcome! So how did your rooftop farm start?", True),
            turn("Welcome! So how did your rooftop farm start?", False),  # its own last line
            turn("Sam Rivera: Guest: " + ANSWERS[0], False),  # a copy of the guest's line
            turn("Sam Rivera: Six crates! Why lettuce, of all things?", False),
        ]
    )
    session = make_session(lm=lm)
    session.start()
    assert session.partner.agenda == ["how it started", "what went wrong", "one tip"]
    assert session.partner.point == 1  # the opening brought up the first point
    reply = session.say(ANSWERS[0])
    assert reply.text == "Six crates! Why lettuce, of all things?"  # prefix stripped
    assert session.partner.point == 1  # a follow-up stays on the same point
    prompt = lm.requests[-1].messages[1].content
    assert "Your next point: what went wrong" in prompt and prompt.endswith("Sam Rivera:")

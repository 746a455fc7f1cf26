"""`score_run` and `sim inspect --quality` on a fake-LM run of Willow, with planted problems."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.embed.hashing import HashEmbedder
from sim.quality import persona_recall, score_run
from sim.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("quality") / "r.db"
    Simulation.build(ROOT / "worlds/willow", lm="fake", seed=0, db=db).run(hours=0.5).close()
    return db


def _query(db: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


def _plant_answer(con: sqlite3.Connection, answer: dict[str, str]) -> None:
    """Add one ok `converse` answer to a run database."""
    con.execute(
        "insert into lm_call (tick, agent, purpose, decision, attempt, request_key, "
        "request_json, response, model, prompt_tokens, completion_tokens, latency_ms, "
        "outcome, cached, error) values (10, 'Maya Torres', 'converse', '', 0, 'k', ?, ?, "
        "'fake', 1, 1, 1.0, 'ok', 0, '')",
        (json.dumps({"schema": {}}), json.dumps(answer)),
    )


def test_score_run_counts_match_the_database(fake_run: Path) -> None:
    report = score_run(fake_run)
    assert report.embedder == "hash-256"  # the run's own embedder by default
    ok = dict(
        _query(fake_run, "select purpose, count(*) from lm_call where outcome='ok' group by 1")
    )
    assert {k: p.answers for k, p in report.purposes.items()} == ok
    outcomes = dict(_query(fake_run, "select outcome, count(*) from lm_call group by 1"))
    assert report.outcomes == {k: outcomes.get(k, 0) for k in report.outcomes}
    steps = sum(
        len(json.loads(d)["steps"])
        for (d,) in _query(fake_run, "select data_json from event where kind='decompose'")
    )
    assert report.steps == steps > 0
    ratings = _query(fake_run, "select importance from memory where kind='observation'")
    assert report.importance == dict(sorted(Counter(r for (r,) in ratings).items()))
    assert report.memories == _query(fake_run, "select count(*) from memory")[0][0]
    assert report.purposes["rate_importance"].texts == 0  # ratings are choices, not writing


def test_score_run_figures_are_in_range(fake_run: Path) -> None:
    data = score_run(fake_run).to_json()
    headline = {t["key"]: t for t in data["headline"]}
    assert set(headline) == {
        "leaked_templates", "echoed_dialogue", "repeated_3gram", "english_words",
        "steps_related", "importance_distinct", "persona_recall",
    }  # fmt: skip
    for key in ("repeated_3gram", "english_words", "steps_related"):
        assert 0 <= headline[key]["value"] <= 1
    assert 1 <= headline["importance_distinct"]["value"] <= 10
    assert headline["persona_recall"]["passed"] is None  # not asked
    for p in data["purposes"].values():
        assert 0 <= p["leaked"] <= p["texts"] and 0 <= p["repeated_3gram"] <= p["texts"]
        assert p["english_words"] <= p["words"]


def test_score_run_finds_planted_problems(fake_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "planted.db"
    shutil.copy(fake_run, db)
    before = score_run(db)
    lines = [
        ["Theo Okafor", "Morning, Maya!"],
        ["Maya Torres", "Theo Okafor: Theo Okafor: hi"],
        ["Theo Okafor", "I am going to leave, I am going to leave"],
        ["Maya Torres", "I am going to leave, I am going to leave"],
    ]
    with sqlite3.connect(db) as con:
        con.execute(
            "insert into conversation values ('planted', 10, 'Juniper Cafe:Counter', 4, ?, ?, 'x')",
            (json.dumps(["Maya Torres", "Theo Okafor"]), json.dumps(lines)),
        )
        _plant_answer(
            con, {"utterance": "{{name}} xyzzy, I am going to leave, I am going to leave"}
        )
        con.execute(
            "insert into event (tick, kind, agent, data_json) values (10, 'decompose', "
            "'Eleanor Hale', ?)",
            (
                json.dumps(
                    {"block": "weed and water the raised beds", "steps": ["write_a_story.txt"]}
                ),
            ),
        )
    after = score_run(db, embedder=HashEmbedder(), examples=100)
    assert (after.dialogue_lines, after.echoed_lines) == (4, 2)
    assert after.purposes["converse"].leaked == after.purposes["converse"].repeated == 1
    assert after.purposes["converse"].unknown["xyzzy"] == 1
    assert after.leaked == before.leaked + 1
    assert after.steps == before.steps + 1 and after.related_steps == before.related_steps
    texts = {e.text for found in after.examples.values() for e in found}
    assert "Maya Torres: Theo Okafor: Theo Okafor: hi" in texts
    assert "write_a_story.txt" in texts
    assert {t.key: t.passed for t in after.headline()}["echoed_dialogue"] is False


def test_persona_recall_asks_at_most_the_limit_and_writes_nothing(fake_run: Path) -> None:
    rows = _query(fake_run, "select count(*) from lm_call")
    report = persona_recall(fake_run, lm="fake", questions=4)
    assert report.asked == 4 and 0 <= report.recalled <= 4
    assert all(a.question.startswith("Who is ") and a.expected for a in report.answers)
    assert _query(fake_run, "select count(*) from lm_call") == rows


def test_inspect_quality_prints_targets_and_json_parses(fake_run: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(fake_run), "--quality"])
    assert result.exit_code == 0, result.output
    for text in ("Per purpose", "decompose", "Targets", "leaked templates", "PASS", ">= 95%"):
        assert text in result.output
    result = CliRunner().invoke(app, ["inspect", str(fake_run), "--quality", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["run"]["lm"] == "fake" and data["recall"] is None


def test_inspect_recall_asks_ten_questions_and_judges_their_share(fake_run: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(fake_run), "--quality", "--recall", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    recall = data["recall"]
    assert recall["asked"] == 10 and recall["share"] == round(recall["recalled"] / 10, 4)
    assert recall["passed"] is (recall["recalled"] >= 8)
    assert recall["fallbacks"] == sum(a["fallback"] for a in recall["answers"])
    target = next(t for t in data["headline"] if t["key"] == "persona_recall")
    assert target["shown"].startswith(f"{recall['recalled']} of 10 (")
    assert target["passed"] is recall["passed"]
    text = CliRunner().invoke(app, ["inspect", str(fake_run), "--quality", "--recall"]).output
    assert f"Persona facts: {recall['recalled']} of 10 recalled" in text
    assert text.count(" -> ") == 10  # every question with its answer


def test_inspect_quality_prints_model_text_with_brackets_verbatim(
    fake_run: Path, tmp_path: Path
) -> None:
    db = tmp_path / "brackets.db"
    shutil.copy(fake_run, db)
    with sqlite3.connect(db) as con:
        _plant_answer(con, {"utterance": "{{name}} [bold]x[/] [/]"})
    result = CliRunner().invoke(app, ["inspect", str(db), "--quality"])
    assert result.exit_code == 0, result.output
    assert "{{name}} [bold]x[/] [/]" in result.output


def test_inspect_quality_on_a_file_that_is_not_a_run_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    result = CliRunner().invoke(app, ["inspect", str(bad), "--quality"])
    assert result.exit_code != 0
    assert "not a sim run database" in str(result.exception)

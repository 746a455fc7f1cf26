"""Interviewing the agents of a recorded run: one question or the believability battery,
stateless (the run file is untouched) or stateful (remembered in a fork beside the run)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main
from sim.cognition.battery import CATEGORIES, believability
from sim.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
AGENT = "Maya Torres"
IGNORED = ("lm_stats", "digest")  # the record of asking, not the state of anyone asked


def sim(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sim_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: object
) -> str:
    """Run the real entry point; return its one-line stderr after checking it failed."""
    monkeypatch.setattr(sys, "argv", ["sim", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def fingerprint(db: Path) -> tuple[str, int]:
    """What 'unchanged' means on disk: the run file's hash, and no frame waiting in its
    write-ahead log (a reader may leave SQLite's empty side files, which hold no data)."""
    wal = Path(f"{db}-wal")
    return hashlib.sha256(db.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("runs") / "day.db"
    fast = ["--lm", "fake", "--embedder", "hash", "--seed", "3"]
    sim("run", ROOT / "worlds/willow", *fast, "--hours", "1", "--db", db)
    return db


@pytest.fixture
def run(run_db: Path, tmp_path: Path) -> Path:
    """A private copy of the recorded run, so that forks written beside it stay per test."""
    copy = tmp_path / run_db.name
    copy.write_bytes(run_db.read_bytes())
    return copy


def test_the_battery_answers_all_25_questions_and_leaves_the_run_unchanged(run: Path) -> None:
    before = fingerprint(run)
    data = json.loads(sim("interview", run, AGENT, "--battery", "believability", "--json"))
    assert fingerprint(run) == before
    assert [p.name for p in run.parent.glob("*.db")] == [run.name]  # no fork either
    answers = data["answers"]
    assert len(answers) == 25 and all(a["answer"].strip() for a in answers)
    assert [a["category"] for a in answers] == [c for c in CATEGORIES for _ in range(5)]
    known = {r.id for r in Simulation.open(run).agents[AGENT].memory.records}
    assert all(a["memory_ids"] and set(a["memory_ids"]) <= known for a in answers)
    assert data["fork"] is None


def test_the_battery_from_python_is_a_frame_and_changes_no_agent(run: Path) -> None:
    opened = Simulation.open(run)
    minds = {k: v for k, v in opened.engine.get_state().items() if k not in IGNORED}
    frame = opened.battery(AGENT, "believability")
    assert list(frame.columns) == [
        "agent",
        "time",
        "category",
        "question",
        "answer",
        "memory_ids",
        "fallback",
    ]
    assert len(frame) == 25 and frame["question"].is_unique
    assert frame.groupby("category").size().to_dict() == dict.fromkeys(CATEGORIES, 5)
    assert {k: v for k, v in opened.engine.get_state().items() if k not in IGNORED} == minds


def test_battery_questions_name_the_agents_own_acquaintances(run: Path) -> None:
    opened = Simulation.open(run)
    for name, agent in opened.agents.items():
        questions = [q.question for q in believability(agent, opened.now, list(opened.agents))]
        assert len(set(questions)) == 25
        for rel in agent.persona.relationships:
            assert f"Who is {rel.name}?" in questions
        assert not any(f"Who is {name}?" in q for q in questions)


def test_a_stateful_interview_is_remembered_in_a_fork_and_the_run_is_unchanged(
    run: Path,
) -> None:
    before = fingerprint(run)
    question = "What do you think of the new bakery?"
    out = sim("interview", run, AGENT, question, "--stateful")
    fork = run.with_name("day.interview-1.db")
    assert str(fork) in out.replace("\n", "")
    assert fingerprint(run) == before
    remembered = Simulation.open(fork).agents[AGENT].memory.records[-1]
    assert remembered.kind == "dialogue" and question in remembered.text
    original = Simulation.open(run).agents[AGENT].memory.records
    assert not any(question in r.text for r in original)
    assert "finished" in sim("inspect", fork)  # a run like any other
    sim("interview", run, AGENT, question, "--stateful")
    assert run.with_name("day.interview-2.db").exists()  # the next one, never overwritten


def test_a_stateful_interview_goes_to_the_fork_named_with_db(run: Path) -> None:
    named = run.parent / "asked.db"
    sim("interview", run, AGENT, "Who is Theo?", "--stateful", "--db", named)
    assert "Who is Theo?" in Simulation.open(named).agents[AGENT].memory.records[-1].text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Maya Toress", "Hello?"], "did you mean 'Maya Torres'?"),
        (["maya", "--battery", "believability"], "did you mean 'Maya Torres'?"),
        ([AGENT, "--battery", "trivia"], "no battery named 'trivia'"),
        ([AGENT], "give a question or --battery"),
        ([AGENT, "Hello?", "--battery", "believability"], "give a question or --battery"),
        ([AGENT, "Hello?", "--db", "x.db"], "add --stateful"),
        ([AGENT, "Hello?", "--stateful", "--db", "RUN"], "the file exists"),
    ],
)
def test_bad_interview_requests_are_one_line(
    run: Path,
    args: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = fingerprint(run)
    args = [str(run) if a == "RUN" else a for a in args]
    assert expected in sim_error(monkeypatch, capsys, "interview", run, *args)
    assert fingerprint(run) == before

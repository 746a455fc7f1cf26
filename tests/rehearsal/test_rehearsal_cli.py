"""`sim rehearse` as a person drives it: a script, a real terminal, replay and bad input."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app, main
from tests.rehearsal.helpers import HOST, ROOT

CLI = [sys.executable, "-c", "from sim.cli.app import main; main()", "rehearse"]
FAKE = ["--lm", "fake"]
SCRIPT = """# prepared answers
I started on the roof of my apartment block in 2018 with six crates of lettuce.
/feedback
The first summer we lost half the crop to wind, so we built screens from pallets.
/foo
/retry 9
/retry 2
The hardest part was water: we carried it up four floors until a neighbour fitted a tap.
"""


def rehearse(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One scripted session on the fake LM: its folder and what it printed."""
    folder = tmp_path_factory.mktemp("scripted")
    script = folder / "answers.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    done = rehearse(HOST, *FAKE, "--script", script, "--out", folder / "out")
    assert done.returncode == 0, done.stderr
    return folder / "out", done.stdout


def test_a_scripted_session_with_two_attempts_writes_a_report_comparing_them(
    scripted: tuple[Path, str],
) -> None:
    out, screen = scripted
    assert screen.count("host> ") >= 4 and "you> /feedback" in screen and "Feedback" in screen
    # Mistakes are one line each, and the session goes on after them.
    assert "error: /foo: unknown command (fix: /help lists the commands)" in screen
    assert "error: /retry: N: there is no turn 9 yet" in screen
    assert "rewound to before turn 2: attempt 2" in screen
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| Criterion (weight) | Attempt 1 | Attempt 2 |" in report
    assert "## What changed from attempt 1 to attempt 2" in report
    assert "| 2 | The first summer we lost half" in report  # answers side by side
    assert "The hardest part was water" in report
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    db = out / "session.db"
    assert rows(db, "SELECT number, origin FROM rehearsal_attempt") == [
        (1, "start"), (2, "retry of attempt 1 from turn 2"),
    ]  # fmt: skip
    judged = rows(db, "SELECT attempt, turns, COUNT(*) FROM rehearsal_score GROUP BY 1, 2")
    assert judged == [(1, 1, 5), (1, 2, 5), (2, 2, 5)]  # /feedback, then /end judged both
    assert rows(db, "SELECT status FROM rehearsal_session") == [("ended",)]


def test_replay_plays_a_saved_session_again_with_no_model(
    scripted: tuple[Path, str], tmp_path: Path
) -> None:
    saved = scripted[0] / "session.db"
    again = rehearse("--replay", saved, "--out", tmp_path / "b")
    assert again.returncode == 0, again.stderr
    replayed = tmp_path / "b" / "session.db"
    lines = "SELECT attempt, position, speaker, text, memories_json FROM rehearsal_line"
    scores = "SELECT attempt, turns, criterion, score, quote FROM rehearsal_score"
    for sql in (lines, scores):
        assert rows(replayed, sql) == rows(saved, sql)
    assert rows(replayed, "SELECT DISTINCT cached FROM lm_call") == [(1,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["BAD"], "persona.yaml: expected a mapping of fields, got a list"),
        ([HOST, "--rubric", "none.yaml"], "none.yaml: file not found"),
        ([HOST, "--out", "USED"], "a session is already saved here"),
        ([HOST, "--scenario", "  "], "--scenario: scenario: no scenario given"),
        (["--replay", "BAD"], "not a rehearsal session"),
    ],
)
def test_bad_input_is_one_line_with_exit_status_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str | Path],
    expected: str,
) -> None:
    bad = tmp_path / "persona.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "session.db").write_bytes(b"x")
    swap = {"BAD": str(bad), "USED": str(tmp_path / "used")}
    argv = ["sim", "rehearse", *(swap.get(str(a), str(a)) for a in args), *FAKE]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and len(err.splitlines()) == 1, err
    assert expected in err and "Traceback" not in err


def test_a_too_long_scenario_is_one_warning_and_the_session_goes_on(tmp_path: Path) -> None:
    script = tmp_path / "answers.txt"
    script.write_text("Hello there.\n", encoding="utf-8")
    args = [HOST, *FAKE, "--scenario", "word " * 400, "--script", script, "--out", tmp_path / "o"]
    done = CliRunner().invoke(app, ["rehearse", *map(str, args)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "warning: --scenario: 1999 characters" in done.output
    assert "attempt 1 (start)" in done.output


def test_list_names_every_shipped_persona_and_rubric() -> None:
    done = CliRunner().invoke(app, ["rehearse", "--list"], catch_exceptions=False)
    assert done.exit_code == 0
    for name in ("podcast_host", "hiring_manager", "sceptical_journalist", "first_date.yaml",
                 "podcast_guest", "job_candidate", "press_interview"):  # fmt: skip
        assert name in done.output


class Terminal:
    """A program on a pseudo-terminal: type into it and read its screen (pexpect in brief)."""

    def __init__(self, args: list[str]) -> None:
        self.master, slave = os.openpty()
        env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                     env=env, close_fds=True)  # fmt: skip
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 60, after: str = "") -> None:
        """Wait until `text` is on the screen (past the last `after`, when given)."""
        deadline = time.monotonic() + timeout
        while text not in self.screen[self.screen.rfind(after) if after else 0 :]:
            assert time.monotonic() < deadline, f"{text!r} never appeared in:\n{self.screen}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 4096).decode(errors="replace")
                except OSError:  # the program closed the terminal
                    assert text in self.screen, self.screen
                    return

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())


def test_the_chat_in_a_real_terminal_answers_and_ctrl_d_saves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    term = Terminal([*CLI, str(HOST), *FAKE, "--out", str(out)])
    try:
        term.expect("you> ")
        term.type("/help\r")
        term.expect("/retry N")
        term.type("I grew lettuce on my roof for six years.\r")
        term.expect("host> ", timeout=30)
        term.type("/retry 7\r")
        term.expect("there is no turn 7 yet")
        # A Ctrl-D typed before the program reads again is lost when its line editor takes
        # the terminal over: wait for the next prompt.
        term.expect("you> ", after="there is no turn 7 yet")
        time.sleep(0.5)
        term.type("\x04")  # Ctrl-D at an empty prompt
        term.expect("session saved")
        assert term.proc.wait(timeout=30) == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
        os.close(term.master)
    assert rows(out / "session.db", "SELECT status FROM rehearsal_session") == [("saved",)]
    assert rows(
        out / "session.db", "SELECT COUNT(*) FROM rehearsal_line WHERE speaker = 'you'"
    ) == [(1,)]
    assert (out / "report.md").is_file()
    # The saved session replays with no model, and is saved again rather than judged.
    again = rehearse("--replay", out / "session.db", "--out", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert rows(tmp_path / "again" / "session.db", "SELECT status FROM rehearsal_session") == [
        ("saved",)
    ]

"""The terminal chat: typed lines (or a script's) become session calls, shown with rich.

Speaker labels tell the persona from you, a status spinner shows while the model works, and
every mistake (an unknown command, a `/retry` past the last turn, a line too long) is one line
after which the session goes on. Ctrl-C or Ctrl-D saves the session so far and its report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.errors import SimInputError
from sim.rehearsal.judge import Score, overall
from sim.rehearsal.partner import Line
from sim.rehearsal.report import write_report
from sim.rehearsal.session import RehearsalSession

R = TypeVar("R")
HELP = (
    ("/help", "this list"),
    ("/feedback", "scores so far: each criterion with a quote and one improvement"),
    ("/retry N", "rewind to before your Nth line and answer differently"),
    ("/reset", "start over: the persona's memory returns to its seed state"),
    ("/end", "judge every attempt, write the report and leave"),
)
YOU = "bold cyan"
THEM = "bold magenta"


class Chat:
    """One session on one console; `handle` takes a typed line, False once the session ended."""

    def __init__(
        self, session: RehearsalSession, console: Console, out: Path, lm_name: str
    ) -> None:
        self.session = session
        self.console = console
        self.out = out
        self.lm_name = lm_name
        self.done = False
        persona = session.partner.persona
        self.label = persona.label

    # Showing ------------------------------------------------------------------------------
    def show(self, lines: Iterable[Line]) -> None:
        """Print lines with their speaker labels."""
        for line in lines:
            who, style = (f"{self.label}> ", THEM) if line.speaker == "persona" else ("you> ", YOU)
            self.console.print(Text.assemble((who, style), line.text))

    def note(self, text: str, style: str = "dim") -> None:
        """A line about the session rather than in it."""
        self.console.print(Text(text, style=style))

    def working(self, what: str, job: Callable[[], R]) -> R:
        """Run `job` under a typing indicator."""
        with self.console.status(Text(what, style="italic"), spinner="dots"):
            return job()

    def scores(self, scores: list[Score]) -> None:
        """A table of scores with their evidence and improvements."""
        table = Table(title="Feedback", show_lines=True, expand=False)
        for column in ("criterion", "score", "evidence", "try next time"):
            table.add_column(column, overflow="fold")
        for s in scores:
            quote = f'"{s.quote}"' if s.quote else "(none)"
            score = f"{s.score}/5" if s.supported else f"{s.score}/5 ?"
            evidence = quote if s.supported else f"{quote}\n[not in the transcript: unsupported]"
            table.add_row(s.name, score, Text(evidence), Text(s.improvement))
        self.console.print(table)
        mean = overall(scores)
        if mean is not None:
            self.note(f"weighted mean {mean:.2f} / 5 ('?': the quote is not in the transcript)")

    # Acting -------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start the session and show the persona's opening."""
        p = self.session.partner
        self.note(f"{p.persona.name} ({self.label}): {p.persona.summary}", "bold")
        self.note(f"scenario: {p.scenario}")
        self.note("type your lines; /help lists the commands")
        opening = self.working(f"{self.label} is getting ready…", self.session.start)
        self.show(opening)
        if p.persona.role == "answers":
            self.note(f"you lead: say something to the {p.persona.you}")

    def handle(self, text: str) -> bool:
        """Act on one typed line; False once the session has ended."""
        if self.session.store is not None:
            self.session.store.typed(text)
        text = text.strip()
        try:
            if not text:
                return True
            if text.startswith("/"):
                self._command(text)
            else:
                reply = self.working(f"{self.label} is typing…", lambda: self.session.say(text))
                self.show([reply])
                if self.session.partner.wrapping_up:
                    self.note(f"the {self.label} is wrapping up: /end for your report")
        except SimInputError as exc:
            self.note(f"error: {exc.line()}", "bold red")
        return not self.done

    def _command(self, text: str) -> None:
        name, _, arg = text.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name == "/help":
            for command, what in HELP:
                self.console.print(Text.assemble((f"{command:<10}", "bold"), what))
        elif name == "/feedback":
            self.scores(self.working("judging…", self.session.feedback))
        elif name == "/retry":
            if not arg.isdigit():
                raise SimInputError("/retry", "N", f"{arg or 'nothing'} is not a turn number",
                                    "e.g. /retry 2")  # fmt: skip
            lines = self.session.retry(int(arg))
            self.note(f"rewound to before turn {arg}: attempt {self.session.attempt.number}")
            self.show(lines[-1:])
        elif name == "/reset":
            lines = self.session.reset()
            self.note(f"back to the start: attempt {self.session.attempt.number}")
            self.show(lines)
        elif name == "/end":
            self.end()
        else:
            raise SimInputError(name, "", "unknown command", "/help lists the commands")

    def end(self) -> Path:
        """Judge every attempt, write the report, close the store."""
        attempts = self.working("judging every attempt…", self.session.end)
        for attempt in attempts:
            mean = overall(attempt.scores)
            shown = f"{mean:.2f}" if mean is not None else "not judged (no answers)"
            self.note(f"attempt {attempt.number} ({attempt.origin}): {shown}", "bold")
        if attempts and attempts[-1].scores:
            self.scores(attempts[-1].scores)
        return self._close("ended")

    def save(self) -> Path:
        """Keep the session so far (no new judging) and its report."""
        return self._close("saved")

    def _close(self, status: str) -> Path:
        s = self.session
        report = write_report(self.out, s.partner, s.rubric, s.attempts, self.lm_name)
        if s.store is not None:
            s.store.finish(status)
        self.done = True
        self.note(f"session {status}: {report} and {self.out / 'session.db'}", "bold green")
        return report


def interactive(chat: Chat) -> None:
    """Read lines from the terminal until /end, Ctrl-C or Ctrl-D."""
    with contextlib.suppress(ImportError):  # line editing and history where the platform has it
        import readline  # noqa: F401
    try:
        chat.begin()
        while chat.handle(chat.console.input(Text("you> ", style=YOU))):
            pass
    except (KeyboardInterrupt, EOFError):
        chat.console.print()
        chat.save()


def scripted(chat: Chat, lines: Iterable[str], *, finish: str = "end") -> None:
    """Play lines as if typed (blank lines and '#' comments skipped); after the last, /end
    (or, with finish="save", save as Ctrl-D would: a replay of a session that was saved)."""
    try:
        chat.begin()
        for text in lines:
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            chat.console.print(Text.assemble(("you> ", YOU), text.strip()))
            if not chat.handle(text):
                return
        if finish == "end":
            chat.end()
        else:
            chat.save()
    except KeyboardInterrupt:
        chat.save()

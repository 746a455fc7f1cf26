"""`sim interview`: ask a recorded agent a question, or a whole battery of them.

The run is opened with its own settings (world, personas, retrieval weights, embedder, seed and,
unless `--lm` says otherwise, its LM) at its last state. A stateless interview (the default)
writes nothing anywhere: the run file stays byte for byte as it was. A stateful one is
remembered in a fork of the run saved beside it, which `sim inspect` and `sim view` open like
any run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.errors import SimInputError
from sim.simulation import Simulation
from sim.store.engines import recorded
from sim.store.location import RunDb, is_url, label, pg_run, with_run


@dataclass(frozen=True)
class InterviewRequest:
    """What the user asked for: one question or a named battery, and where it is remembered."""

    question: str | None
    battery: str | None
    stateful: bool
    fork_db: RunDb | None


def interview(
    db: RunDb,
    name: str,
    request: InterviewRequest,
    *,
    lm: str | None,
    base_url: str | None,
    api_key: str | None,
    show_memories: bool,
    as_json: bool,
    console: Console,
) -> pd.DataFrame:
    """Interview `name` as of the end of the run; print the answers and return them."""
    questions = _questions(request)
    opened = Simulation.open(db, lm=lm, base_url=base_url, api_key=api_key)
    fork = _fork_path(db, request) if request.stateful else None
    sim = opened.fork(db=fork) if fork is not None else opened
    answers = sim.battery(name, questions, stateful=request.stateful)
    if fork is not None:
        sim.close()
    if as_json:
        rows = answers.to_dict(orient="records")
        body = {"run": label(db), "agent": name, "time": sim.time_label,
                "battery": request.battery, "fork": label(fork) if fork else None,
                "answers": [{k: v for k, v in r.items() if k not in ("agent", "time")}
                            for r in rows]}  # fmt: skip
        console.print_json(json.dumps(body))
    elif request.battery is not None:
        _table(answers, name, sim.time_label, console)
    else:
        _answer(answers, sim, show_memories, console)
    if fork is not None and not as_json:
        shown = label(fork)
        console.print(f"remembered in {shown}  (next: sim inspect {shown} {name!r})", markup=False)
    return answers


def _questions(request: InterviewRequest) -> str | list[str]:
    """The battery name or the single question, or a one-line error when both or neither."""
    if (request.question is None) == (request.battery is None):
        raise SimInputError(
            "interview", "question", "give a question or --battery, not both or neither",
            'e.g. sim interview RUN.db "Maya Torres" "Who is Theo?" or --battery believability',
        )  # fmt: skip
    if request.fork_db is not None and not request.stateful:
        raise SimInputError(
            "interview", "--db", "only a --stateful interview writes a database", "add --stateful"
        )
    return request.battery if request.battery is not None else [str(request.question)]


def _fork_path(db: RunDb, request: InterviewRequest) -> RunDb:
    """Where a stateful interview is remembered: the name given, or the first free
    RUN.interview-N.db beside the run (the run NAME.interview-N beside a server's run)."""
    if is_url(db):
        return request.fork_db or _free_run(str(db))
    if request.fork_db is not None:
        if is_url(request.fork_db):
            return request.fork_db  # the fork refuses a run already recorded under that name
        if Path(request.fork_db).exists():
            raise SimInputError(
                str(request.fork_db), "--db", "the file exists",
                "choose a new name, or leave --db out for RUN.interview-N.db",
            )  # fmt: skip
        return request.fork_db
    path = Path(db)
    n = 1
    while (fork := path.with_name(f"{path.stem}.interview-{n}.db")).exists():
        n += 1
    return fork


def _free_run(db: str) -> str:
    """The first run NAME.interview-N not yet recorded in the server's database."""
    n = 1
    while recorded(fork := with_run(db, f"{pg_run(db).name}.interview-{n}")):
        n += 1
    return fork


def _answer(answers: pd.DataFrame, sim: Simulation, show_memories: bool, console: Console) -> None:
    """One answer as a line, with the memories it was given when asked."""
    row = answers.iloc[0]
    console.print(f"[bold]{row['agent']}[/] ({row['time']}): ", end="", highlight=False)
    console.print(row["answer"], markup=False, highlight=False)
    if show_memories:
        stream = sim.agents[row["agent"]].memory
        for i in row["memory_ids"]:
            console.print(f"   #{i:<4} {stream.record(i).text}", markup=False, highlight=False)


def _table(answers: pd.DataFrame, name: str, time: str, console: Console) -> None:
    """A battery's answers as a table, with the ids of the memories each answer was given."""
    table = Table(title=f"{name}, {time}", show_lines=True)
    for column in ("category", "question", "answer", "memories"):
        table.add_column(column, overflow="fold")
    for row in answers.itertuples():
        ids = " ".join(str(i) for i in row.memory_ids)
        answer = f"{row.answer} (no valid answer)" if row.fallback else row.answer
        table.add_row(str(row.category), str(row.question), str(answer), ids)
    console.print(table)

"""The `sim` console script. Bad input exits with one line on stderr, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sim.cli.flags import (
    LM_HELP,
    MAX_SEED,
    ApiKeyOption,
    BaseUrlOption,
    EmbedderOption,
    ExecutorOption,
    LmOption,
    RayAddressOption,
    parse_weights,
    usage_error,
)
from sim.cli.personas_cmd import personas_app
from sim.errors import SimInputError
from sim.llm.budget import parse_price
from sim.llm.protocol import LMUnavailable
from sim.store.location import as_db, is_url

RUN_DB_HELP = "a run database: a file, or postgresql://USER@HOST:PORT/DATABASE?run=NAME"
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Generative-agents social simulation: run towns, inspect runs, interview agents.",
)


@app.command("run")
def run_command(
    world: Annotated[
        Path | None, typer.Argument(help="world directory or world.yaml (not with --resume)")
    ] = None,
    personas: Annotated[
        Path | None, typer.Option(help="persona set (default: the world's)")
    ] = None,
    lm: Annotated[
        str | None, typer.Option(help=LM_HELP + " (default: embedded, or a resumed run's)")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(envvar="OPENAI_BASE_URL", help="OpenAI-compatible URL")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="OPENAI_API_KEY",
            help="API key for openai:MODEL (prefer the OPENAI_API_KEY variable: others can "
            "read a flag in the process list)",
            show_default=False,
        ),
    ] = None,
    embedder: Annotated[
        str, typer.Option(help="minilm (all-MiniLM-L6-v2) or hash (test double)")
    ] = "minilm",
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="root seed (default 0, or the replayed run's)"),
    ] = None,
    hours: Annotated[float, typer.Option(help="game hours to simulate")] = 1.0,
    ticks: Annotated[int | None, typer.Option(help="ticks to simulate (overrides --hours)")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="run database to write: a file (default runs/<world>-seed<N>.db) or "
            "postgresql://USER@HOST:PORT/DATABASE?run=NAME"
        ),
    ] = None,
    replay: Annotated[
        str | None, typer.Option(help="answer LM calls from this recorded run (file or URL)")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a run already recorded at --db")] = False,
    checkpoint_every: Annotated[
        int, typer.Option(min=0, help="ticks between state checkpoints (0: none)")
    ] = 360,
    weights: Annotated[
        str,
        typer.Option(help="retrieval weights recency,importance,relevance[,about]"),
    ] = "1,1,1,1.5",
    top_k: Annotated[int, typer.Option(help="memories retrieved per decision")] = 30,
    resume: Annotated[
        str | None,
        typer.Option(help="continue this stopped run (file or URL) from its last stored tick"),
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="pause the run once it has spent this many LM tokens")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="pause the run once its LM calls cost this many USD")
    ] = None,
    price: Annotated[
        str | None,
        typer.Option(help="USD per million prompt,completion tokens (default: known models')"),
    ] = None,
    lm_timeout: Annotated[
        float, typer.Option(help="seconds to wait for one answer from openai:MODEL")
    ] = 60.0,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            max=256,
            help="agents that decide at once, so LM calls in flight (same result for any N)",
        ),
    ] = 1,
    executor: ExecutorOption = "local",
    ray_address: RayAddressOption = None,
) -> None:
    """Simulate WORLD and record every tick, memory, conversation and LM call.

    Exit codes: 0 finished, 1 failed (e.g. the LM is down), 2 bad input, 3 paused at a
    --max-tokens or --max-cost cap, 130 stopped by Ctrl-C; all but 2 resume with --resume.
    """
    from sim.cli.run_cmd import LMLimits, resume_run, run

    limits = LMLimits(
        lm_timeout, max_tokens, max_cost, parse_price(price), concurrency, executor, ray_address
    )

    if resume is not None:
        if world is not None:
            raise SimInputError(
                str(world), "world", "--resume continues a recorded run's own world",
                "leave out the world: sim run --resume RUN.db",
            )  # fmt: skip
        summary = resume_run(
            as_db(resume),
            lm=lm,
            base_url=base_url,
            api_key=api_key,
            checkpoint_every=checkpoint_every,
            console=Console(stderr=False),
            limits=limits,
        )
        _exit_for(summary)
        return
    if world is None:
        raise SimInputError("sim run", "world", "no world given", "sim run worlds/willow")
    summary = run(
        world,
        personas=personas,
        lm=lm or "embedded",
        base_url=base_url,
        api_key=api_key,
        embedder=embedder,
        seed=seed,
        hours=hours,
        ticks=ticks,
        db=as_db(db) if db else None,
        replay=as_db(replay) if replay else None,
        overwrite=overwrite,
        checkpoint_every=checkpoint_every,
        retrieval=parse_weights(weights, top_k),
        console=Console(stderr=False),
        limits=limits,
    )
    _exit_for(summary)


def _exit_for(summary: dict[str, object]) -> None:
    """A run that did not finish exits non-zero (130 when it was stopped), so scripts know."""
    if summary["status"] == "interrupted":
        raise typer.Exit(130)
    if summary["status"] == "paused":  # a spending cap: resume with a higher one
        raise typer.Exit(3)
    if summary["status"] != "finished":
        raise typer.Exit(1)


@app.command("inspect")
def inspect_command(
    db: Annotated[str, typer.Argument(help=RUN_DB_HELP)],
    agent: Annotated[str | None, typer.Argument(help="an agent's name for the agent view")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
    quality: Annotated[
        bool, typer.Option("--quality", help="score the run's generated text against targets")
    ] = False,
    recall: Annotated[
        bool, typer.Option("--recall", help="--quality and ask persona facts (calls the LM)")
    ] = False,
) -> None:
    """What happened in a run, or in one agent's head."""
    if quality or recall:
        from sim.cli.quality_cmd import quality as print_quality
        from sim.store.guard import damaged

        with damaged(as_db(db)):  # a damaged run file is one line, as in the plain inspect
            print_quality(as_db(db), recall=recall, as_json=as_json, console=Console())
        return
    from sim.cli.inspect_cmd import inspect_run

    inspect_run(as_db(db), agent, as_json, Console())


@app.command("interview")
def interview_command(
    db: Annotated[str, typer.Argument(help=RUN_DB_HELP)],
    agent: Annotated[str, typer.Argument(help="the agent to interview")],
    question: Annotated[
        str | None, typer.Argument(help="the question to ask (or use --battery)")
    ] = None,
    battery: Annotated[
        str | None,
        typer.Option(help="ask a built-in battery instead: believability (25 questions)"),
    ] = None,
    stateful: Annotated[
        bool, typer.Option(help="remember the exchange, in a fork saved beside the run")
    ] = False,
    fork_db: Annotated[
        str | None,
        typer.Option("--db", help="fork a --stateful interview writes (RUN.interview-N.db)"),
    ] = None,
    lm: Annotated[
        str | None, typer.Option(help=LM_HELP + " (default: the LM the run was recorded with)")
    ] = None,
    base_url: Annotated[str | None, typer.Option(envvar="OPENAI_BASE_URL")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="OPENAI_API_KEY", show_default=False)
    ] = None,
    show_memories: Annotated[bool, typer.Option(help="also list the memories used")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the answers as JSON")] = False,
) -> None:
    """Ask an agent a question (or a battery); it answers from its recorded memories and plan.

    Nothing in the run changes unless --stateful, which saves the exchange in a fork.
    """
    from sim.cli.interview_cmd import InterviewRequest, interview

    interview(
        as_db(db),
        agent,
        InterviewRequest(question, battery, stateful, as_db(fork_db) if fork_db else None),
        lm=lm,
        base_url=base_url,
        api_key=api_key,
        show_memories=show_memories,
        as_json=as_json,
        console=Console(),
    )


@app.command("rehearse")
def rehearse_command(
    persona: Annotated[
        Path | None, typer.Argument(help="a rehearsal persona, e.g. personas/rehearsal/x.yaml")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(help="what the conversation is about (default: the persona's)")
    ] = None,
    rubric: Annotated[
        Path | None, typer.Option(help="rubric YAML to judge by (default: the persona's)")
    ] = None,
    lm: LmOption = "embedded",
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    embedder: EmbedderOption = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="root seed")] = 0,
    script: Annotated[
        Path | None, typer.Option(help="play your lines from this file, one per line")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="folder for session.db and report.md")] = None,
    replay: Annotated[
        Path | None, typer.Option(help="play a saved session.db again with its recorded answers")
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="list the shipped personas and rubrics")
    ] = False,
) -> None:
    """Practise a conversation against a persona that remembers; get rubric feedback."""
    from sim.cli.rehearse_cmd import list_shipped, rehearse

    if list_:
        list_shipped(Console())
        return
    rehearse(
        persona,
        scenario=scenario,
        rubric_path=rubric,
        lm=lm,
        base_url=base_url,
        api_key=api_key,
        embedder=embedder,
        seed=seed,
        script=script,
        out=out,
        replay=replay,
        console=Console(),
    )


@app.command("experiment")
def experiment_command(
    script: Annotated[Path, typer.Argument(help="an experiment script, e.g. experiments/x.py")],
    out: Annotated[
        Path, typer.Option(help="directory for the report, CSVs, plots and runs")
    ] = Path("results/experiment"),
    replicates: Annotated[int, typer.Option(min=1, help="replicates per condition")] = 2,
    hours: Annotated[
        float | None, typer.Option(help="game hours per arm (default: the script's)")
    ] = None,
    lm: LmOption = "embedded",
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    embedder: EmbedderOption = None,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="root seed; replicate seeds derive from it")
    ] = 0,
    jobs: Annotated[int, typer.Option(min=1, help="replicates run in parallel processes")] = 1,
    replay: Annotated[
        Path | None, typer.Option(help="reproduce an earlier --out directory with no LM")
    ] = None,
    price: Annotated[
        str | None, typer.Option(help="USD per million prompt,completion tokens, e.g. 0.15,0.60")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="record the arms in PostgreSQL: postgresql://USER@HOST/DATABASE?run=NAME "
            "(arms become runs NAME-LABEL; default: files under OUT/runs)"
        ),
    ] = None,
) -> None:
    """Run an experiment's conditions and replicates and write report.md, plots and CSVs."""
    from sim.cli.experiment_cmd import experiment
    from sim.experiment.runner import RunOptions

    if hours is not None and not 0 <= hours <= 24 * 30:
        raise SimInputError("--hours", "hours", f"{hours} is out of range", "use 0 to 720")
    if db is not None and not is_url(db):
        raise SimInputError(
            "--db", "url", f"{db} is not a PostgreSQL URL (arms in files go under --out)",
            "pass postgresql://USER@HOST/DATABASE?run=NAME, or leave --db out",
        )  # fmt: skip
    options = RunOptions(
        out=out,
        replicates=replicates,
        hours=hours,
        lm=lm,
        embedder=embedder,
        seed=seed,
        jobs=jobs,
        replay=replay,
        base_url=base_url,
        api_key=api_key,
        price=parse_price(price),
        db=str(as_db(db)) if db is not None else None,
    )
    experiment(script, options, Console())


@app.command("view")
def view_command(
    db: Annotated[str, typer.Argument(help=RUN_DB_HELP)],
    follow: Annotated[
        bool, typer.Option(help="keep reading ticks a running `sim run` writes")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help='start at "day 1 09:30", "09:30" or a tick number')
    ] = None,
    screenshot: Annotated[
        Path | None, typer.Option(help="render one frame to this PNG (headless) and exit")
    ] = None,
    agent: Annotated[str | None, typer.Option(help="open the inspector on this agent")] = None,
    size: Annotated[str, typer.Option(help="window size WIDTHxHEIGHT")] = "1280x800",
) -> None:
    """Replay a run in a window: the map, agents, timeline and why each agent acted."""
    from viewer.app import view

    view(as_db(db), follow=follow, at=at, screenshot=screenshot, agent=agent, size=size)


@app.command("validate")
def validate_command(
    world: Annotated[Path, typer.Argument(help="world directory or world.yaml")],
    personas: Annotated[
        Path | None, typer.Argument(help="persona set (default: the world's)")
    ] = None,
) -> None:
    """List every problem in a world and its personas, one line each (exit 2 if any)."""
    from sim.cli.validate_cmd import validate

    raise typer.Exit(validate(world, personas))


@app.command("schema")
def schema_command(
    kind: Annotated[str, typer.Argument(help="world or persona")],
) -> None:
    """Print the JSON Schema of world.yaml or of a persona file."""
    from sim.cli.validate_cmd import schema_text

    print(schema_text(kind), end="")


app.add_typer(personas_app)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except SimInputError as exc:
        print(f"error: {exc.line()}", file=sys.stderr)
        sys.exit(2)
    except typer.TyperException as exc:  # click's usage errors: a bad or unknown flag
        sys.exit(usage_error(exc))
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        sys.exit(1)
    except LMUnavailable as exc:
        print(
            f"error: the LM is unavailable: {exc} (fix: check the server, --base-url and "
            "--api-key; everything up to the last whole tick is saved, so `sim run --resume "
            "RUN.db` goes on)",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)  # typer.Exit(n) comes back as n

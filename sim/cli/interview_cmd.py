"""`sim interview`: ask a recorded agent a question; it answers from its memories and plan.

The run database is only read: the interview happens in a copy of the run's last state, with the
run's own settings (retrieval weights, embedder, seed) and, unless `--lm` says otherwise, its LM.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from sim.cognition.interview import INTERVIEW_MEMORIES
from sim.memory.retrieval import retrieve
from sim.simulation import Simulation


def interview(
    db: Path,
    name: str,
    question: str,
    *,
    lm: str | None,
    base_url: str | None,
    api_key: str | None,
    show_memories: bool,
    console: Console,
) -> str:
    """Answer `question` as the agent would at the end of the run."""
    sim = Simulation.open(db, lm=lm, base_url=base_url, api_key=api_key)
    answer = sim.interview(name, question)
    console.print(f"[bold]{name}[/] ({sim.time_label}): ", end="", highlight=False)
    console.print(answer, markup=False, highlight=False)
    if show_memories:
        agent = sim.agents[name]
        config = sim.engine.config.retrieval
        for m in retrieve(
            agent.memory, question, sim.now, config, top_k=INTERVIEW_MEMORIES, refresh=False
        ):
            console.print(f"   {m.score:.2f}  {m.record.text}", markup=False)
    return answer

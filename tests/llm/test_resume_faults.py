"""A resumed run counts the faults of the ticks it re-ran from recorded answers, as the run
never stopped would have: the fault totals in the database stay true across a crash."""

from __future__ import annotations

from pathlib import Path

from sim.simulation import Simulation
from sim.testing.fake_openai import FakeOpenAIServer, Faults
from sim.world.map import World

FLAKY = Faults(rate=0.2, seed=5, kinds=("server_error", "bad_body"))


def run_on(server: FakeOpenAIServer, world: World, **kwargs: object) -> Simulation:
    """Willow Lane on the flaky server (transport faults retried by the client)."""
    return Simulation.build(
        world, lm="openai:m", base_url=server.url, api_key="k", embedder="hash", seed=2,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_resumed_run_counts_the_faults_of_the_ticks_it_re_ran(
    willow: World, tmp_path: Path
) -> None:
    with FakeOpenAIServer(FLAKY) as server:
        whole = run_on(server, willow).run(ticks=30)
    assert sum(whole.lm_stats["faults"].values()) >= 3, whole.lm_stats  # faults were met

    db = tmp_path / "crashed.db"
    with FakeOpenAIServer(FLAKY) as server:
        crashed = run_on(server, willow, db=db, checkpoint_every=100)  # only the seed's
        crashed.run(ticks=25)
        assert crashed.recorder is not None and crashed.recorder.engine is not None
        crashed.recorder.engine.dispose()  # as if the process died after tick 24
        crashed.recorder.lock.release()
        resumed = Simulation.resume(db, base_url=server.url, api_key="k")
        assert resumed.tick == 25  # ticks 0..24 came again from recorded answers
        resumed.run(ticks=5)
    assert resumed.digest == whole.digest
    for key in ("faults", "calls", "ok", "errors", "cached", "prompt_tokens"):
        assert resumed.lm_stats[key] == whole.lm_stats[key], key
    resumed.close()

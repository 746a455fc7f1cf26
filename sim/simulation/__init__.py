"""The public face of the engine: build, run, snapshot, fork, reset, intervene, ask, analyse.

`Simulation` is the contract that the CLI, the experiments and the docs go through. Building one
never calls the LM (the first step rates the seed memories); forks and snapshots share memory
rows instead of copying them; everything that happens is recorded in an in-memory log (for
`frames()`) and, when a database is given, in the run database.
"""

from sim.simulation.base import Snapshot
from sim.simulation.core import Simulation

__all__ = ["Simulation", "Snapshot"]

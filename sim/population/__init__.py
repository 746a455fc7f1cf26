"""Synthetic populations: persona sets drawn from a spec of marginal distributions."""

from sim.population.coherence import check_coherence
from sim.population.generate import generate, write_personas
from sim.population.spec import PopulationSpec, load_spec

__all__ = ["PopulationSpec", "check_coherence", "generate", "load_spec", "write_personas"]

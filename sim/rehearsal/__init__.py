"""Rehearsal: practise a conversation against a persona that remembers, judged by a rubric."""

from sim.rehearsal.judge import Score
from sim.rehearsal.partner import Line, Partner
from sim.rehearsal.persona import RehearsalPersona, load_persona
from sim.rehearsal.rubric import Rubric, load_rubric
from sim.rehearsal.session import Attempt, RehearsalSession

__all__ = [
    "Attempt",
    "Line",
    "Partner",
    "RehearsalPersona",
    "RehearsalSession",
    "Rubric",
    "Score",
    "load_persona",
    "load_rubric",
]

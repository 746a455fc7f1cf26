"""Put one survey question to one agent and score the answer.

A survey is a measurement, so by default it must not disturb what it measures: in stateless
mode retrieval does not refresh last-access times and nothing is written, leaving the agent's
state exactly as it was. Stateful mode is for surveys that are part of the story (a town poll
the agents will remember): the exchange becomes one dialogue memory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sim.agent import Agent
from sim.clock import label
from sim.cognition.context import Cognition
from sim.memory.stream import NewMemory
from sim.prompts.survey import NO_ANSWER, purpose, survey_prompt
from sim.rng import derive_seed
from sim.survey.instruments import Question
from sim.types import JSON, GameSeconds

SURVEY_MEMORIES = 8
SURVEY_IMPORTANCE = 4


@dataclass(frozen=True)
class SurveyAnswer:
    """One agent's answer to one question, as the experiment records it.

    `value` is the number analyses use (None for free text and for fallbacks); `label` is what
    the agent said in words. `fallback` marks a call the model never answered validly.
    """

    agent: str
    question_id: str
    question: str
    kind: str
    value: float | None
    label: str
    rationale: str
    evidence: tuple[int, ...]
    tick: int
    time: GameSeconds
    wave: str
    stateful: bool
    fallback: bool

    def to_json(self) -> JSON:
        """JSON-shaped form (evidence as a list)."""
        return {**asdict(self), "evidence": list(self.evidence)}


def reversed_scale(agent: str, seed: int) -> bool:
    """Whether this agent sees ordered scales from the other end: half the agents do, the same
    ones in every condition and wave of a run, so a paired difference cancels order bias."""
    return derive_seed(seed, "scale order", agent) % 2 == 1


def answer(
    agent: Agent, instrument: Question, cog: Cognition, *, stateful: bool, wave: str = ""
) -> SurveyAnswer:
    """Ask `agent` the question at `cog.now`; the caller records the answer."""
    found = cog.recall(
        agent, instrument.question, purpose(instrument), SURVEY_MEMORIES, refresh=stateful
    )
    shown = [(m.record.id, m.record.text) for m in found]
    reverse = reversed_scale(agent.name, cog.seed)
    call = survey_prompt(agent.identity(), label(cog.now), shown, instrument, reverse)
    raw = cog.ask(agent.name, call, f"survey {wave}".strip() + f": {instrument.id}")
    fallback = raw is call.fallback  # StructuredLM hands back the very fallback object
    ids = {i for i, _ in shown}
    evidence = () if fallback else tuple(dict.fromkeys(e for e in raw.evidence if e in ids))
    value, said = (None, NO_ANSWER) if fallback else instrument.to_value(raw.answer, evidence)
    if stateful:
        agent.remember(
            [
                NewMemory(
                    "dialogue",
                    f'I was asked in a survey: "{instrument.question}" I answered: {said}.',
                    SURVEY_IMPORTANCE,
                )
            ],
            cog.now,
        )
    return SurveyAnswer(
        agent=agent.name,
        question_id=instrument.id,
        question=instrument.question,
        kind=instrument.kind,
        value=value,
        label=said,
        rationale=raw.rationale,
        evidence=evidence,
        tick=cog.tick,
        time=cog.now,
        wave=wave,
        stateful=stateful,
        fallback=fallback,
    )

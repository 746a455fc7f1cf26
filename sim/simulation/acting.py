"""Acting on a simulation: interventions, interviews, batteries and surveys."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Self

import pandas as pd

from sim import interventions as iv
from sim.agent import Agent
from sim.clock import label
from sim.cognition.battery import BatteryQuestion, battery
from sim.cognition.context import Cognition
from sim.cognition.interview import ask
from sim.cognition.survey import answer
from sim.errors import SimInputError
from sim.llm.protocol import LMUnavailable
from sim.runlog import FRAME_COLUMNS
from sim.simulation.base import SimulationBase
from sim.survey.files import survey_from
from sim.survey.instruments import Question, Survey
from sim.types import JSON

BATTERY_COLUMNS = ("agent", "time", "category", "question", "answer", "memory_ids", "fallback")


class Acting(SimulationBase):
    """What an experimenter does to a world and asks of its agents."""

    # Interventions ----------------------------------------------------------------------
    def intervene(self, intervention: iv.Intervention | JSON) -> Self:
        """Apply an intervention now, or schedule it for its `at` time (checked either way)."""
        parsed = (
            intervention if isinstance(intervention, iv.Intervention) else iv.parse(intervention)
        )
        parsed.check(self.engine)  # before anything changes, the seed ratings included
        self.prepare()
        iv.schedule(self.engine, parsed)
        self.engine.flush()
        return self

    def whisper(
        self, agents: str | Sequence[str], text: str, *, importance: int | None = None,
        at: str | None = None,
    ) -> Self:  # fmt: skip
        """Tell chosen agents a fact; it becomes a memory (importance given or LM-rated)."""
        names = [agents] if isinstance(agents, str) else list(agents)
        return self.intervene(
            iv.make(iv.Whisper, agents=names, text=text, importance=importance, at=at)
        )

    def broadcast(
        self, text: str, *, place: str | None = None, until: str | None = None,
        importance: int | None = None, at: str | None = None,
    ) -> Self:  # fmt: skip
        """Announce to everyone, or to everyone at `place` (and arrivals there until `until`)."""
        return self.intervene(
            iv.make(iv.Broadcast, text=text, place=place, until=until, importance=importance, at=at)
        )

    def close_place(self, place: str, *, reason: str = "", at: str | None = None) -> Self:
        """Close a place; agents stay away and every prompt says it is closed."""
        return self.intervene(iv.make(iv.ClosePlace, place=place, reason=reason, at=at))

    def set_hours(self, place: str, opens: str, closes: str, *, at: str | None = None) -> Self:
        """Change a place's opening hours."""
        return self.intervene(iv.make(iv.SetHours, place=place, opens=opens, closes=closes, at=at))

    def add_rule(self, text: str, *, at: str | None = None) -> Self:
        """A standing rule that every prompt shows from now on."""
        return self.intervene(iv.make(iv.AddRule, text=text, at=at))

    def set_persona(self, agent: str, *, at: str | None = None, **changes: Any) -> Self:
        """Change persona attributes of one agent (e.g. current_status=...)."""
        return self.intervene(iv.make(iv.SetPersona, agent=agent, changes=changes, at=at))

    # Asking agents ----------------------------------------------------------------------
    def interview(self, agent: str, question: str, *, stateful: bool = False) -> str:
        """Ask one agent a question; it answers in character from its memories and plan.

        Stateless by default: nothing is remembered and no last-access time moves. Stateful
        interviews write the exchange into the agent's memory.
        """
        return str(self.battery(agent, [question], stateful=stateful).at[0, "answer"])

    def battery(
        self,
        agent: str,
        questions: str | Sequence[str | BatteryQuestion] = "believability",
        *,
        stateful: bool = False,
    ) -> pd.DataFrame:
        """Interview one agent with a named battery ("believability": the five categories of
        the Generative Agents evaluation, five questions each, templated on the agent's own
        acquaintances and recent past) or with a list of questions.

        Returns one row per question: `agent`, `time`, `category`, `question`, `answer`,
        `memory_ids` (the memories the answer was given, best first) and `fallback` (the model
        gave no valid answer). Stateless by default, like `interview`.
        """
        person = self._agent(agent)
        self.prepare()
        cog = self._cog()
        if isinstance(questions, str):
            asked = battery(questions, person, cog.now, list(self.engine.agents))
        else:
            asked = [q if isinstance(q, BatteryQuestion) else BatteryQuestion("question", q)
                     for q in questions]  # fmt: skip
        rows = []
        for item in asked:
            reply = ask(person, item.question, cog, stateful=stateful)
            if self.engine.lm.failing:  # no made-up answer when the model could not be reached
                self.engine.flush()
                raise LMUnavailable(f"{self.lm_name} could not answer the interview")
            said = {"time": label(cog.now), "category": item.category,
                    "question": item.question, "answer": reply.answer,
                    "memory_ids": reply.memory_ids, "fallback": reply.fallback}  # fmt: skip
            cog.emit("interview", agent, stateful=stateful, **said)
            rows.append({"agent": agent, **said})
        self.engine.flush()
        return pd.DataFrame(rows, columns=BATTERY_COLUMNS)

    def _agent(self, name: str) -> Agent:
        """The agent called `name`, or a one-line error that guesses the name meant."""
        if name in self.engine.agents:
            return self.engine.agents[name]
        names = list(self.engine.agents)
        folded = {n.lower(): n for n in names}
        near = [n for n in names if name.lower() in n.lower()] or [
            folded[n] for n in get_close_matches(name.lower(), folded, n=1, cutoff=0.3)
        ]
        guess = f"did you mean {near[0]!r}? " if near else ""
        source = str(self.source[0]) if self.source else "interview"
        raise SimInputError(
            source, "agent", f"no agent named {name!r}", f"{guess}the agents are {', '.join(names)}"
        )

    def survey(
        self,
        instrument: Survey | Question | Sequence[Question] | str | Path,
        *,
        agents: str | Sequence[str] | None = None,
        stateful: bool = False,
        wave: str = "",
    ) -> pd.DataFrame:
        """Ask a survey (an instrument, a list, a `Survey` or a YAML path) of agents.

        Returns one row per agent per question (the `surveys` frame's columns). Stateless by
        default; `wave` labels repeated measurements of a panel.
        """
        names = self._names(agents)
        survey = survey_from(instrument)
        self.prepare()
        cog = self._cog()
        rows = []
        for name in names:
            for question in survey.questions:
                reply = answer(
                    self.engine.agents[name], question, cog, stateful=stateful, wave=wave
                )
                data = reply.to_json()
                self.engine.cog.emit("survey", name, answer=data)
                rows.append(data)
        self.engine.flush()
        columns = list(FRAME_COLUMNS["surveys"])
        return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)

    def panel(
        self,
        instrument: Survey | Question | Sequence[Question] | str | Path,
        at: Sequence[str | int],
        *,
        agents: str | Sequence[str] | None = None,
        stateful: bool = False,
    ) -> pd.DataFrame:
        """Run on, asking the same survey at each game time in `at` (a panel, one wave each).

        Times are "HH:MM", "day N HH:MM" or game seconds, in order; each wave is labelled with
        its time. Returns every wave's answers in one frame.
        """
        waves = []
        for when in at:
            t = iv.game_time(when, "at", self.engine.now)
            if t < self.engine.now:
                raise SimInputError("panel", "at", f"{when!r} is already past", "give later times")
            self.run(until=t)  # type: ignore[attr-defined]
            waves.append(self.survey(instrument, agents=agents, stateful=stateful,
                                     wave=self.time_label))  # fmt: skip
        return pd.concat(waves, ignore_index=True)

    def _cog(self) -> Cognition:
        """The cognition services, set to the current tick and time."""
        cog = self.engine.cog
        cog.tick, cog.now = self.engine.tick, self.engine.now
        return cog

"""What every cognition step needs from outside the agent: the LM, settings, and sinks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pydantic import BaseModel

from sim.agent import Agent
from sim.cognition.gate import hard_failure
from sim.llm.structured import CallContext, LMCallRecord, StructuredLM
from sim.memory.retrieval import RetrievalConfig, ScoredMemory, retrieve
from sim.prompts.base import PromptCall, clip
from sim.rng import derive_seed
from sim.types import JSON, GameSeconds

T = TypeVar("T", bound=BaseModel)

MEMORY_WORDS = 30  # words of a memory shown in a prompt

# Models too small to rate importance or write free text reliably (the embedded default).
SMALL_MODELS = frozenset({"smollm2-135m-instruct-q4_1"})


@dataclass(frozen=True)
class CognitionConfig:
    """Tunable behaviour; defaults follow the reference design where it is sound."""

    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    reflection_budget: int = 150
    reflection_gap_minutes: int = 180  # at least this long between reflections (see reflect.due)
    reflection_questions: int = 3
    reflection_recent: int = 50  # memories shown when asking salient questions
    reflection_evidence: int = 12  # memories retrieved per question
    insights_per_question: int = 2
    prompt_memories: int = 8  # memories shown in plan, react and dialogue prompts
    react_memories: int = 3  # memories shown when reacting to someone (who they are to me)
    step_memories: int = 4  # memories shown when breaking a block into steps (options decide)
    plan_horizon_minutes: int = 60  # how far ahead a block is broken into steps
    rate_every_minutes: int = 10  # buffered observations are rated this often
    # Memories per rating call. Capable models rate a list well, saving calls; SmolLM2-135M
    # copies the list's numbering instead, so the default asks one at a time (the shared
    # prompt prefix stays in the model's KV cache, so each call costs about half a second).
    rating_batch: int = 1
    # Who rates importance: "lm", "anchors" (no LM call), or "auto": anchors for the embedded
    # model, which cannot rate (see sim.cognition.importance), the LM for every other model.
    importance: str = "auto"
    # How a day plan's changes name their activities: "write" (free text), "choose" (among the
    # routine's activities and the uses of the objects at the chosen place), or "auto":
    # choose for the embedded model, which otherwise writes "hazmat-and-flea", write for others.
    plan_activities: str = "auto"
    # How a reaction says what the agent does: "write", "choose" (a greeting, a wave, some
    # space... `sim.prompts.reaction.GESTURES`), or "auto": choose for the embedded model,
    # which otherwise answers with the instructions' words, write for others.
    reactions: str = "auto"
    # Where a reflection's questions come from: "write" (the LM asks them, as the reference
    # does), "subjects" (the people who weigh most in the recent memories, then the day; no LM
    # call), or "auto": subjects for the embedded model, whose questions recite the prompt.
    reflection_focus: str = "auto"
    # How a conversation is made: "write" (a call per line, then a takeaway call per
    # participant, as the reference does), "choose" (one call picks every line among what each
    # speaker can say; listeners keep the news, no takeaway call; `sim.cognition.script`), or
    # "auto": choose for the embedded model, whose written lines were a third rejected.
    dialogue: str = "auto"
    max_turns: int = 8
    seconds_per_turn: int = 20
    chat_cooldown_minutes: int = 120
    react_cooldown_minutes: int = 60
    max_group: int = 3  # largest conversation group
    talk_range: float = 3.0  # tiles: farther away, an agent walks over before talking

    def to_json(self) -> JSON:
        """JSON-shaped form, stored with the run."""
        data = {k: v for k, v in self.__dict__.items() if k != "retrieval"}
        return {**data, "retrieval": self.retrieval.to_json()}

    def for_model(self, model: str) -> CognitionConfig:
        """This config with "auto" settings decided for the LM named `model` (as recorded)."""
        small = model in SMALL_MODELS
        chosen = {
            "importance": ("anchors", "lm"),
            "plan_activities": ("choose", "write"),
            "reactions": ("choose", "write"),
            "reflection_focus": ("subjects", "write"),
            "dialogue": ("choose", "write"),
        }
        return replace(
            self,
            **{
                name: pair[0] if small else pair[1]
                for name, pair in chosen.items()
                if getattr(self, name) == "auto"
            },
        )

    @classmethod
    def from_json(cls, data: JSON) -> CognitionConfig:
        """Inverse of `to_json` (a replay reuses the recorded run's settings)."""
        # Runs recorded before these settings existed behaved as these defaults say.
        return cls(
            **{
                "importance": "lm",
                "reflection_focus": "write",
                "dialogue": "write",
                "reflection_gap_minutes": 0,
                "react_memories": data.get("prompt_memories", 8),
                **data,
                "retrieval": RetrievalConfig(**data["retrieval"]),
            }
        )


@dataclass
class Cognition:
    """What one decision needs: the typed LM, the seed, the time, and where its records go.

    The engine holds one for the tick and gives every agent's decision its own `branch()`, so
    decisions can run at once without sharing a list; `merge` then appends the branches'
    events, retrievals and LM calls in the order given (agent names), whatever order they ran in.
    """

    lm: StructuredLM
    config: CognitionConfig
    seed: int
    tick: int = 0
    now: GameSeconds = 0
    retrievals: list[JSON] = field(default_factory=list)
    events: list[JSON] = field(default_factory=list)
    calls: list[LMCallRecord] | None = None  # None: each call goes to the LM's own sink

    def branch(self) -> Cognition:
        """A private context at the same tick and time, with empty buffers of its own."""
        return Cognition(self.lm, self.config, self.seed, self.tick, self.now, calls=[])

    def merge(self, branches: Sequence[Cognition]) -> None:
        """Take in what `branches` recorded, one branch after the other."""
        sink = self.calls.append if self.calls is not None else self.lm.sink
        for b in branches:
            self.events.extend(b.events)
            self.retrievals.extend(b.retrievals)
            for call in b.calls or ():
                if sink is not None:
                    sink(call)

    def emit(self, kind: str, agent: str, **data: object) -> None:
        """Log a decision event (plan, reaction, reflection...) for the run record."""
        self.events.append({"kind": kind, "agent": agent, "tick": self.tick, **data})

    def ask(self, agent: str, call: PromptCall[T], decision: str) -> T:
        """Send a prompt for `agent`; the seed depends only on (run seed, purpose, agent)."""
        return self.lm.ask(
            call.messages,
            call.output,
            context=CallContext(call.purpose, agent, self.tick, decision),
            fallback=call.fallback,
            check=call.check or hard_failure,
            max_tokens=call.max_tokens,
            temperature=call.temperature,
            seed=derive_seed(self.seed, call.purpose, agent),
            sink=self.calls.append if self.calls is not None else None,
        )

    def recall(
        self,
        agent: Agent,
        query: str,
        purpose: str,
        k: int | None = None,
        *,
        refresh: bool = True,
    ) -> list[ScoredMemory]:
        """Retrieve for a decision and log what was retrieved with its scores.

        `refresh=False` leaves last-access times alone, so a look that must not change the
        agent (a stateless survey) reads memory without moving its recency.
        """
        found = retrieve(
            agent.memory, query, self.now, self.config.retrieval, top_k=k, refresh=refresh
        )
        self.retrievals.append(
            {
                "agent": agent.name,
                "tick": self.tick,
                "purpose": purpose,
                "query": query,
                "memories": [m.to_json() for m in found],
            }
        )
        return found

    def recall_texts(
        self, agent: Agent, query: str, purpose: str, k: int | None = None
    ) -> list[str]:
        """The texts of the few memories a plan, reaction or dialogue prompt shows (default
        `prompt_memories` of them), each clipped to `MEMORY_WORDS`: a day plan's memory runs
        to 150 tokens, and every prompt that retrieved it paid for all of them."""
        found = self.recall(agent, query, purpose, k or self.config.prompt_memories)
        return [clip(m.record.text, MEMORY_WORDS) for m in found]


def identity(agent: Agent) -> str:
    """The persona text that opens a planning, reaction or dialogue prompt.

    `Agent.identity()` without the routine's prose (about 60 tokens in every call): a day plan
    lists the routine itself, and a step, a reaction or a line of dialogue does not need it.
    """
    p = agent.persona
    return f"{agent.brief()} Household: {p.household}. Now: {p.current_status}"

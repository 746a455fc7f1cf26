"""Conversations: written line by line or chosen in one call, then what each participant keeps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TypeVar

from sim.agent import Agent
from sim.clock import label
from sim.cognition import script
from sim.cognition.context import Cognition, identity
from sim.cognition.gate import dialogue_gate, instruction_gate, strip_speaker
from sim.cognition.importance import rate
from sim.cognition.plan import decompose
from sim.memory.stream import NewMemory
from sim.prompts import dialogue
from sim.prompts.base import SYSTEM, PromptCall
from sim.types import JSON
from sim.world.map import World

T = TypeVar("T", bound=dialogue.Turn)
# Words in a row a line may share with its prompt's identity or scene: six lets a speaker say
# "see you at the Bluebird Cafe" and rejects "You are Daniel Moreno, age 47, professor of...".
RECITAL_WORDS = 6


@dataclass(frozen=True)
class Conversation:
    """A finished conversation: who spoke, what they said, and why it ended."""

    id: str
    participants: tuple[str, ...]
    place: str
    start_tick: int
    ticks: int  # how long the participants are occupied
    lines: tuple[tuple[str, str], ...]
    ended_by: str  # "choice" or "limit"
    # Lines that passed on news (chosen dialogue): line index and what was told, which each
    # listener remembers as told by the speaker.
    news: tuple[tuple[int, str], ...] = ()

    def to_json(self) -> JSON:
        """JSON-shaped form."""
        data = asdict(self)
        data["participants"] = list(self.participants)
        data["lines"] = [list(line) for line in self.lines]
        data["news"] = [list(item) for item in self.news]
        return data

    @classmethod
    def from_json(cls, data: JSON) -> Conversation:
        """Inverse of `to_json`."""
        return cls(
            **{
                **data,
                "participants": tuple(data["participants"]),
                "lines": tuple((who, text) for who, text in data["lines"]),
                "news": tuple((int(i), text) for i, text in data.get("news", ())),
            }
        )

    def transcript(self) -> list[str]:
        """Lines as "Name: text"."""
        return [f"{who}: {text}" for who, text in self.lines]


def say(
    speaker: str,
    call: PromptCall[T],
    names: Sequence[str],
    lines: Sequence[tuple[str, str]],
    cog: Cognition,
    decision: str,
    avoid: Sequence[str] = (),
    told: Sequence[str] = (),
) -> T:
    """One utterance, the dialogue step shared by the town and by rehearsals: the speaker's
    prompt (built on the memories retrieved for this line) asked behind the dialogue gate, with
    any "Name:" prefix stripped from the answer.

    The gate rejects a copy of the previous line, and of any line in `avoid` (a rehearsal
    persona's own last line, which a small model otherwise repeats turn after turn), and a
    line that recites the prompt's `told` texts (its identity or scene: SmolLM2 says "You are
    Daniel Moreno, age 47, professor of American history" to his wife).
    """
    gates = [dialogue_gate(names, text) for text in (lines[-1][1] if lines else None, *avoid)]
    if told:
        gates.append(instruction_gate(told, ["utterance"], RECITAL_WORDS))

    def gate(answer: T) -> str | None:
        return next((reason for check in gates if (reason := check(answer))), None)

    said = cog.ask(speaker, replace(call, check=gate), decision)
    return said.model_copy(update={"utterance": strip_speaker(said.utterance, names) or "..."})


def next_line(
    speaker: Agent, group: list[Agent], place: str, lines: Sequence[tuple[str, str]], cog: Cognition
) -> dialogue.Turn:
    """The town's next line in a conversation: what `speaker` says, from what it remembers of
    the others and the last six lines."""
    others = [a.name for a in group if a is not speaker]
    transcript = [f"{who}: {text}" for who, text in lines[-6:]]
    query = " ".join(others) + (f" {lines[-1][1]}" if lines else "")
    persona, relations = identity(speaker), [speaker.relation_to(o) for o in others]
    call = dialogue.turn(
        speaker.name,
        persona,
        label(cog.now),
        place,
        relations,
        cog.recall_texts(speaker, query, "converse"),
        transcript,
    )
    names = [a.name for a in group]
    decision = f"line {len(lines) + 1} to {', '.join(others)}"
    own = [text for who, text in lines[:-1] if who == speaker.name]  # no saying it twice
    scene = dialogue.scene(label(cog.now), place, relations)
    told = [SYSTEM, persona, scene, dialogue.MEMORY_HEADING, dialogue.TURN_INSTRUCTION]
    return say(speaker.name, call, names, lines, cog, decision, avoid=own, told=told)


def hold(group: list[Agent], place: str, cog: Cognition, tick_seconds: int) -> Conversation:
    """The conversation: chosen in one call (`dialogue="choose"`), or written round-robin from
    the initiator until someone ends it or the turn limit."""
    news: dict[int, str] = {}
    if cog.config.dialogue == "choose":
        lines, news = script.converse(group, place, cog)
        ended_by = "choice"
    else:
        lines, ended_by = write(group, place, cog)
    seconds = len(lines) * cog.config.seconds_per_turn
    return Conversation(
        id=f"{cog.tick}-{group[0].name}",
        participants=tuple(a.name for a in group),
        place=place,
        start_tick=cog.tick,
        ticks=max(1, -(-seconds // tick_seconds)),
        lines=tuple(lines),
        ended_by=ended_by,
        news=tuple(sorted(news.items())),
    )


def write(group: list[Agent], place: str, cog: Cognition) -> tuple[list[tuple[str, str]], str]:
    """Lines written one call each, and how the conversation ended ("choice" or "limit")."""
    lines: list[tuple[str, str]] = []
    for turn_no in range(cog.config.max_turns):
        speaker = group[turn_no % len(group)]
        said = next_line(speaker, group, place, lines, cog)
        lines.append((speaker.name, said.utterance))
        if said.end and turn_no >= 1:
            return lines, "choice"
    return lines, "limit"


def conclude(agent: Agent, convo: Conversation, world: World, cog: Cognition) -> None:
    """Store the conversation and what the agent took from it; re-plan if it now intends
    something. A chosen conversation keeps the news heard, with no call; a written one asks
    the agent for its takeaway.

    Call after the engine has set `busy_until`, since the chat cooldown runs from the end.
    """
    others = [p for p in convo.participants if p != agent.name]
    transcript = convo.transcript()
    heard = f"Conversation at {convo.place}: " + "; ".join(transcript)[:600]
    intention = ""
    if cog.config.dialogue == "choose":
        (rating,) = rate(agent, [heard], cog, "conversation")
        memories = [NewMemory("dialogue", heard, rating, subjects=tuple(others))]
        memories += script.remember(agent, convo.lines, dict(convo.news), cog)
    else:
        call = dialogue.takeaway(identity(agent), others, transcript)
        took = cog.ask(agent.name, call, f"takeaway from talking with {', '.join(others)}")
        summary = took.summary.strip() or f"I talked with {', '.join(others)}."
        memories = [
            NewMemory("dialogue", text, took.importance, subjects=tuple(others))
            for text in (heard, summary)
        ]
        intention = took.intention.strip()
    wants = bool(intention) and intention.lower().strip(". ") not in {"nothing", "none", "no"}
    if wants:
        memories.append(
            NewMemory(
                "plan",
                f"After talking with {', '.join(others)}, I intend to: {intention}",
                4,
                subjects=tuple(others),
            )
        )
    agent.remember(memories, cog.now)
    cooldown = max(agent.busy_until, cog.now) + cog.config.chat_cooldown_minutes * 60
    for other in others:
        agent.chat_after[other] = cooldown
    if wants and agent.awake(cog.now):
        decompose(
            agent,
            world,
            cog,
            situation=f"after talking with {', '.join(others)} I intend to: {intention}",
        )

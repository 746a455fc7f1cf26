"""Conversations a small model chooses instead of writing, in one call per conversation.

Each line is picked from what its speaker can truthfully say: what it is doing and will do
next, what it remembers (in its own words, or what someone told it), a reply to what it heard.
The model decides who says what and in which order; the words come from the agents' own plans
and memories. A listener remembers the news it heard as "X told me: ..." and can pass it on in a
later conversation, which is how news spreads through the town in the reference design.

Why: writing turn by turn, SmolLM2-135M answered "Mine", "Ruth Hartley:" and "One or two
natural sentences"; a third of its lines were rejected by the gates, each rejection a call, and
its takeaways leaked templates. A conversation of five turns and two takeaways cost about
fifteen calls; chosen, it costs one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.agent import Agent
from sim.clock import HOUR, label
from sim.cognition.context import Cognition
from sim.cognition.importance import rate
from sim.memory.about import named_in
from sim.memory.stream import NewMemory
from sim.prompts import dialogue

NEWS_OPTIONS = 4  # things from memory a speaker may say
NEWS_WORDS = 28  # longer memories are not something one says in passing
# Curly quotes, and straight double quotes made single in every option: an enum value holding
# an escaped quote came back cut short through llguidance's grammar ("Sam Adeyemi told me:
# \"I told Walter Hartle"), failing the schema on a third of the town's conversations.
TOLD = "{0} told me: “{1}”"

_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'll|I'd|my|me|mine)\b")
# What can be news: what the agent saw, was told or has known since the start. Plans are
# records, and the small model's reflections are not things to say ("1. Jonah Fischer told
# me:" was one, passed on as news).
_SAID = ("observation", "dialogue")


def greeting(now: int, name: str) -> str:
    """How a speaker opens: by the time of day, to the first person it addresses."""
    hour = now % (24 * HOUR) // HOUR
    hello = "Good morning" if hour < 12 else "Good afternoon" if hour < 18 else "Good evening"
    return f"{hello}, {name.split()[0]}!"


def news(speaker: Agent, listeners: Sequence[str], cog: Cognition) -> list[str]:
    """What the speaker could tell these listeners: memories retrieved for them, in the first
    person or heard from someone else; never one that names a listener (nobody is told to
    their face what is thought of them) nor how the speaker knows someone."""
    found = cog.recall(speaker, " ".join(listeners), "converse", cog.config.prompt_memories)
    ties = {r.as_memory() for r in speaker.persona.relationships}  # who they are to me: not news
    picked: list[str] = []
    for memory in found:
        record = memory.record
        text = " ".join(record.text.replace('"', "'").split())
        heard = text.count(" told me: ")
        said = record.kind in _SAID and not text.startswith("Conversation at")
        if not said or heard > 1 or record.text in ties:
            continue  # a plan, a thought, a talk's record or a tie, or news passed on already
        if len(text.split()) > NEWS_WORDS or any(named_in(text, n) for n in listeners):
            continue
        if (heard or _FIRST_PERSON.search(text)) and text not in picked:
            picked.append(text)
    return picked[:NEWS_OPTIONS]


def sketch(agent: Agent) -> str:
    """The participant as the others see it, in the third person (the prompt has several)."""
    p = agent.persona
    return f"{p.age}, {p.occupation}. Traits: {', '.join(p.traits)}."


def options(
    speaker: Agent, listeners: Sequence[str], cog: Cognition
) -> tuple[list[str], list[str]]:
    """What `speaker` may tell the others (its plans last), and which of those are news."""
    told = news(speaker, listeners, cog)
    said = list(told)
    step = speaker.schedule.step_at(cog.now)
    if step is not None and not any(named_in(step.action, n) for n in listeners):
        said.append(f"Right now I'm about to {step.action}.")  # not "...say hello to George"
    later = next((b for b in speaker.schedule.blocks if b.start > cog.now), None)
    if later is not None:
        area, at = later.place.split(":", 1)[0], label(later.start)[-5:]
        said.append(f"Next on my list: {later.activity}, at {area}, at {at}.")
    if not said:
        said.append("I'm just taking the day as it comes.")
    return list(dict.fromkeys(s.replace('"', "'") for s in said)), told


def converse(
    group: list[Agent], place: str, cog: Cognition
) -> tuple[list[tuple[str, str]], dict[int, str]]:
    """The conversation's lines, chosen in one call, and the news among them (line index:
    what was told). The first speaker greets and tells something, asking back; each other
    replies and tells something in turn; the first has the last word; the next says goodbye."""
    voices, told = [], {}
    for speaker in group:
        others = [a.name for a in group if a is not speaker]
        said, told[speaker.name] = options(speaker, others, cog)
        relations = [speaker.relation_to(o) for o in others]
        voices.append(dialogue.Voice(speaker.name, sketch(speaker), relations, said))
    call = dialogue.script(label(cog.now), place, voices)
    names = [a.name for a in group]
    answer = cog.ask(names[0], call, f"conversation with {', '.join(names[1:])}")
    picked = list(answer.model_dump().values())
    first, second = names[0], names[1]
    lines = [(first, f"{greeting(cog.now, second)} {picked[0]} How about you?")]
    news_at = {0: picked[0]} if picked[0] in told[first] else {}
    replied: set[str] = set()
    for k, name in enumerate(names[1:]):
        reply, says = picked[1 + 2 * k], picked[2 + 2 * k]
        if says in told[name]:
            news_at[len(lines)] = says
        reply = "" if reply in replied else f" {reply}"  # a second "That's good to hear" echoes
        replied.add(reply.strip())
        lines.append((name, f"{greeting(cog.now, first)}{reply} {says}"))
    lines.append((first, picked[-1]))
    lines.append((second, f"Good to see you, {first.split()[0]}. Talk later!"))
    return lines, news_at


def remember(
    agent: Agent, lines: Sequence[tuple[str, str]], news_at: dict[int, str], cog: Cognition
) -> list[NewMemory]:
    """What `agent` keeps of the news others told it: each item as "X told me: ...", rated."""
    heard = [
        (lines[i][0], text) for i, text in sorted(news_at.items()) if lines[i][0] != agent.name
    ]
    texts = [TOLD.format(who, text) for who, text in heard]
    ratings = rate(agent, texts, cog, f"{len(texts)} things heard")
    return [
        NewMemory("dialogue", text, r, subjects=(who,))
        for (who, _), text, r in zip(heard, texts, ratings, strict=True)
    ]

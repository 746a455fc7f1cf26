"""Planning: a day schedule on waking, then the current block broken into 5-15 minute steps.

The reference asks for a wake hour, broad strokes and an hourly schedule in separate calls;
one call with an enum of known places gives the same schedule at a third of the cost.
"""

from __future__ import annotations

import numpy as np

from sim.agent import Agent
from sim.clock import DAY, label, parse_time_of_day
from sim.cognition.context import Cognition, identity
from sim.cognition.importance import flush
from sim.cognition.schedule import Block, Schedule, Step, lay_out_steps
from sim.embed.protocol import Embedder
from sim.memory.stream import NewMemory
from sim.prompts import planning
from sim.rng import derive_seed
from sim.types import GameSeconds
from sim.world.map import World

HALF_HOUR = 1800
MAX_OPTIONS = 6  # object uses offered to the step planner
RELATED = 0.2  # least cosine between an activity and a use offered for it
MAX_PLACE_OPTIONS = 12  # activities offered per place when a day plan chooses
REVISE_AFTER = 5 * 60  # an agent thinks its day over at least this long after waking...
REVISE_SPREAD = 25 * 60  # ...and within this much more (seeded per agent and day)
INTERJECTION_MINUTES = 2  # how long a chosen gesture holds up the current step


def day_bounds(agent: Agent, now: GameSeconds) -> tuple[GameSeconds, GameSeconds]:
    """Start of the current game day and the time the agent goes to sleep that day."""
    day_start = agent.day_of(now) * DAY
    sleep = day_start + agent.sleep + (DAY if agent.sleep <= agent.wake else 0)
    return day_start, sleep


def place_notes(world: World, places: list[str]) -> list[str]:
    """One line per known area: its kind and opening hours.

    Its arenas are not listed: the answer's schema names them, and listing them cost about a
    hundred tokens per day plan.
    """
    notes = []
    for area in dict.fromkeys(p.split(":", 1)[0] for p in places):
        info = world.areas[area]
        hours = ""
        if info.open_hours:
            hours = f", open {label(info.open_hours[0])[-5:]}-{label(info.open_hours[1])[-5:]}"
        notes.append(f"{area} ({info.kind}{hours})")
    return notes


def to_blocks(
    answers: list[tuple[GameSeconds, str, str]], now: GameSeconds, sleep: GameSeconds
) -> list[Block]:
    """(start, activity, place) rows as contiguous blocks from now until sleep.

    Rows are sorted by start; of rows with the same start the earliest listed wins, so
    today's changes listed before the routine replace the routine's item at that time.
    """
    chosen: dict[GameSeconds, tuple[str, str]] = {}
    for start, activity, place in sorted(answers, key=lambda a: a[0]):
        chosen.setdefault(max(now, start), (activity.strip() or "free time", place))
    starts = list(chosen)
    starts[0] = now
    ends = [*starts[1:], sleep]
    return [
        Block(s, e, activity, place)
        for s, e, (activity, place) in zip(starts, ends, chosen.values(), strict=True)
        if e > s
    ]


def half_hours(start: GameSeconds, end: GameSeconds) -> list[GameSeconds]:
    """Half-hour marks from `start` (rounded down) to before `end`; at least one."""
    first = start - start % HALF_HOUR
    return list(range(first, max(end, first + 1), HALF_HOUR))


def usual_day(agent: Agent, day_start: GameSeconds, now: GameSeconds) -> list[tuple[int, str, str]]:
    """The persona's routine for the rest of today; the item under way starts now."""
    items = sorted(
        (day_start + parse_time_of_day(r.at), r.activity, r.place) for r in agent.persona.routine
    )
    current = [i for i, item in enumerate(items) if item[0] <= now]
    if current:
        items = items[current[-1] :]
        items[0] = (now, items[0][1], items[0][2])
    return items


def plannable(agent: Agent, world: World) -> list[str]:
    """Known places the agent may plan to be in: not other people's homes."""
    own = agent.persona.home.split(":", 1)[0]
    return sorted(
        p
        for p in agent.known_places
        if world.areas[p.split(":", 1)[0]].kind != "home" or p.startswith(own + ":")
    )


def activity_choices(agent: Agent, world: World, places: list[str]) -> dict[str, list[str]]:
    """What a day's block can be at each place: the routine's activities there, then the
    uses of the objects there (places offering nothing are left out)."""
    out = {}
    for place in places:
        routine = [r.activity for r in agent.persona.routine if r.place == place]
        uses = [u for k in world.arenas[place].objects for u in world.objects[k].uses]
        options = list(dict.fromkeys(a[:60] for a in (*routine, *uses)))[:MAX_PLACE_OPTIONS]
        if options:
            out[place] = options
    return out


def usual_rest(agent: Agent, world: World, now: GameSeconds) -> list[tuple[int, str, str]]:
    """The routine from now until sleep, at places the agent may plan to be in."""
    day_start, sleep = day_bounds(agent, now)
    places = plannable(agent, world)
    return [(t, a, p) for t, a, p in usual_day(agent, day_start, now) if t < sleep and p in places]


def start_day(agent: Agent, world: World, cog: Cognition) -> None:
    """On waking, follow the usual day at once; `plan_day` adds today's changes a little later.

    Asking for the changes at the moment of waking put every early riser's day plan (about
    1,000 prompt tokens each) into the town's first tick. Instead each agent thinks its day over
    5-30 game minutes after waking (a seeded spread, so the town's plans do not all fall on
    one tick), or when its first block ends if that is sooner. With no routine to follow, the
    day is planned now.
    """
    now = cog.now
    day_start, sleep = day_bounds(agent, now)
    usual = usual_rest(agent, world, now)
    if not usual:
        plan_day(agent, world, cog)
        return
    blocks = to_blocks(usual, now, sleep)
    spread = derive_seed(cog.seed, "day plan", agent.name, day_start) % REVISE_SPREAD
    adopt(agent, cog, blocks, revise_at=min(blocks[0].end, now + REVISE_AFTER + spread))


def revision_due(agent: Agent, now: GameSeconds) -> bool:
    """Whether the usual day `start_day` laid down is due for today's changes."""
    due = agent.schedule.revise_at
    return due is not None and now >= due


def plan_day(agent: Agent, world: World, cog: Cognition) -> None:
    """Write today's schedule (a plan memory) from the routine, memories and known places."""
    now = cog.now
    flush(agent, cog, force=True)
    _, sleep = day_bounds(agent, now)
    marks = half_hours(now, sleep)
    times = [label(t)[-5:] for t in marks]
    places = plannable(agent, world)
    at = dict(zip(times, marks, strict=True))
    # The routine keeps its minutes (a 07:45 item starts at 07:45); the model's changes use
    # the half-hour marks, and one at the same minute as a routine item replaces it.
    usual = usual_rest(agent, world, now)
    routine = [(label(t)[-5:], a, p) for t, a, p in usual]
    query = f"{agent.name}'s plans, intentions and commitments for today"
    memories = cog.recall_texts(agent, query, "plan_day")
    call = planning.plan_day(
        identity(agent),
        label(now),
        times,
        places,
        place_notes(world, places),
        routine,
        memories,
        activity_choices(agent, world, places) if cog.config.plan_activities == "choose" else None,
    )
    answer = cog.ask(agent.name, call, f"day plan for {label(now)[:5]}")
    rows = [(at[b.start], b.activity, b.place) for b in answer.blocks]  # type: ignore[attr-defined]
    rows += usual
    if not rows:
        rows = [(now, "time at home", agent.persona.home)]
    adopt(agent, cog, to_blocks(rows, now, sleep))


def adopt(
    agent: Agent, cog: Cognition, blocks: list[Block], revise_at: GameSeconds | None = None
) -> None:
    """Make `blocks` today's schedule, remember it as a plan and log it (the viewer shows it)."""
    now = cog.now
    agent.schedule = Schedule(day=agent.day_of(now), blocks=blocks, revise_at=revise_at)
    text = f"My plan for {label(now)[:5]}: " + "; ".join(agent.schedule.summary())
    agent.remember([NewMemory("plan", text, 5)], now)
    cog.emit("plan_day", agent.name, plan=agent.schedule.summary(), usual=revise_at is not None)


def step_options(
    world: World, block: Block, embedder: Embedder
) -> dict[str, tuple[str, str | None]]:
    """What a step at the block's place can be, as "label": (action, object key).

    The block's own activity comes first; then the place's object uses most like it (MiniLM
    cosine at least `RELATED`, at most `MAX_OPTIONS`), so a step both fits the activity and
    can be done with something that is there.
    """
    uses = [
        (use, key) for key in world.arenas[block.place].objects for use in world.objects[key].uses
    ]
    options: dict[str, tuple[str, str | None]] = {block.activity[:60]: (block.activity, None)}
    if not uses:
        return options
    vectors = embedder.embed([block.activity, *(use for use, _ in uses)])
    near = vectors[1:] @ vectors[0]
    for i in np.argsort(-near, kind="stable")[:MAX_OPTIONS]:
        use, key = uses[i]
        if near[i] >= RELATED:
            options.setdefault(f"{use} ({world.objects[key].name})", (use, key))
    return options


def decompose(agent: Agent, world: World, cog: Cognition, situation: str = "") -> None:
    """Break the next stretch of the current block into steps; `situation` forces a re-plan."""
    now = cog.now
    flush(agent, cog, force=True)
    block = agent.schedule.block_at(now)
    if block is None:  # awake after the planned day ended: free time at home
        _, sleep = day_bounds(agent, now)
        block = Block(now, max(sleep, now + 15 * 60), "free time", agent.persona.home)
        agent.schedule.blocks.append(block)
    horizon_end = min(block.end, now + cog.config.plan_horizon_minutes * 60)
    options = step_options(world, block, agent.memory.embedder)
    if len(options) == 1 and not situation:  # nothing to choose: the activity till the horizon
        parts = [((horizon_end - now) // 60, block.activity, None, "🙂")]
        steps = lay_out_steps(now, horizon_end, parts, block.place)
        record_steps(agent, cog, block, situation, steps)
        return
    query = f"{block.activity} {situation}".strip()
    memories = cog.recall_texts(agent, query, "decompose", cog.config.step_memories)
    call = planning.decompose(
        agent.brief(),  # who, not their worries: the options and the block decide a step
        label(now),
        block.activity,
        block.place,
        max(5, (horizon_end - now) // 60),
        list(options),
        memories,
        situation,
    )
    answer = cog.ask(agent.name, call, f"steps for '{block.activity}'")
    parts = [
        (int(s.minutes), *options[s.action], s.emoji)
        for s in answer.steps  # type: ignore[attr-defined]
    ]
    steps = lay_out_steps(now, horizon_end, parts, block.place)
    record_steps(agent, cog, block, situation, steps)


def interject(agent: Agent, world: World, cog: Cognition, action: str, situation: str) -> None:
    """Fit a moment's `action` (a wave, a word with someone) in before the current step goes
    on, with no LM call: a gesture changes the next minutes, not the rest of the hour.

    Without a current step there is nothing to go back to, so the block is broken down anew.
    """
    now = cog.now
    block, current = agent.schedule.block_at(now), agent.schedule.step_at(now)
    if block is None or current is None:
        decompose(agent, world, cog, situation)
        return
    until = now + INTERJECTION_MINUTES * 60
    steps = [Step(now, until, action, current.place, current.object, "🙂")]
    if current.end > until:
        steps.append(
            Step(until, current.end, current.action, current.place, current.object, current.emoji)
        )
    steps += [s for s in agent.schedule.steps if s.start >= current.end]
    record_steps(agent, cog, block, situation, steps, interjection=True)


def record_steps(
    agent: Agent,
    cog: Cognition,
    block: Block,
    situation: str,
    steps: list[Step],
    interjection: bool = False,
) -> None:
    """Lay down the steps from now, remember them as a plan and log the decomposition."""
    now, horizon_end = cog.now, steps[-1].end
    agent.schedule.replace_steps_from(now, steps)
    listing = ", ".join(f"{s.action} ({(s.end - s.start) // 60} min)" for s in steps)
    text = f"From {label(now)[-5:]} to {label(horizon_end)[-5:]} at {block.place}: {listing}"
    agent.remember([NewMemory("plan", text, 3)], now)
    cog.emit(
        "decompose",
        agent.name,
        block=block.activity,
        steps=[s.action for s in steps],
        situation=situation,
        **({"interjection": True} if interjection else {}),
    )

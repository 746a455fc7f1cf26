"""`sim inspect`: a run summary (agents, places, talks, reflections, LM use) or one agent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table
from rich.text import Text

from sim.cli.terminal import plural, scrub, shorten
from sim.clock import label
from sim.errors import SimInputError
from sim.social import social_graph, social_summary, summary_line
from sim.store.guard import damaged
from sim.store.location import RunDb
from sim.store.reader import RunReader
from sim.types import JSON

KINDS = ("observation", "plan", "dialogue", "reflection")
NOT_STARTED = "not started"  # an agent before the run's first tick has no action or place


def _wall(heartbeat: float) -> str | None:
    """A heartbeat as a UTC wall-clock time (None when none was recorded)."""
    if heartbeat <= 0:
        return None
    return datetime.fromtimestamp(heartbeat, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def liveness(reader: RunReader) -> JSON:
    """The run's true status, its writer and heartbeat; a run that died says how to go on."""
    live = reader.liveness()
    out: JSON = {"status": live.status, "writer_pid": live.writer_pid}
    out["heartbeat"] = _wall(live.heartbeat)
    if live.status == "stopped":
        out["resume"] = f"sim run --resume {reader.label}" if reader.checkpointed() else None
    return out


def run_summary(reader: RunReader) -> JSON:
    """The whole-run summary as JSON."""
    run = reader.run
    last = reader.last_tick()
    checkpoint = reader.checkpoint()
    frames = checkpoint[1]["world"]["frames"] if checkpoint else {}
    counts = reader.memory_counts()
    convos = reader.conversations()
    agents = {}
    for name in reader.agent_names():
        frame = frames.get(name, {})
        agents[name] = {
            "memories": {k: counts.get(name, {}).get(k, 0) for k in KINDS},
            "conversations": sum(name in c["participants"] for c in convos),
            "place": frame.get("place"),
            "action": frame.get("action"),
        }
    places: dict[str, JSON] = {}
    for agent, place in reader.visits():
        area = place.split(":", 1)[0]
        places.setdefault(area, {"visitors": [], "now": []})
        if agent not in places[area]["visitors"]:
            places[area]["visitors"].append(agent)
    for name, a in agents.items():
        if a["place"]:
            area = a["place"].split(":", 1)[0]
            places.setdefault(area, {"visitors": [], "now": []})["now"].append(name)
    memories = reader.memories()
    reflections = [m for m in memories if m.kind == "reflection"]
    texts = {(m.agent, m.id): m.text for m in memories}
    lm = reader.lm_stats()
    return {
        "db": reader.label,
        "world": run.world_name,
        **liveness(reader),
        "seed": run.seed,
        "lm": run.lm,
        "embedder": run.embedder,
        "ticks": run.ticks,
        "tick_seconds": run.tick_seconds,
        "start": label(run.start_time),
        "end": label(last.time + run.tick_seconds) if last else label(run.start_time),
        "digest": run.digest[:16],
        "counts": {
            **{k: sum(a["memories"][k] for a in agents.values()) for k in KINDS},
            "conversations": len(convos),
            "lm_calls": lm["calls"],
        },
        "agents": agents,
        "places": dict(sorted(places.items())),
        "conversations": [
            {
                "time": label(run.start_time + c["tick"] * run.tick_seconds),
                "participants": c["participants"],
                "place": c["place"],
                "turns": len(c["lines"]),
                "lines": c["lines"],
            }
            for c in convos
        ],
        "reflections": [
            {
                "agent": m.agent,
                "time": label(m.created),
                "text": m.text,
                "depth": m.depth,
                "evidence": [texts.get((m.agent, e), "?") for e in json.loads(m.evidence_json)],
            }
            for m in reflections
        ],
        "lm_calls": lm,
        "lm_faults": lm_faults(reader, checkpoint),
        "social": social_summary(social_graph(reader.personas())),
    }


def lm_faults(reader: RunReader, checkpoint: tuple[int, JSON] | None) -> dict[str, int]:
    """Every LM fault by kind (retried HTTP tries included), as the run last counted them:
    in the summary it closed with, or in a later checkpoint when it was resumed and killed."""
    closed = json.loads(reader.run.summary_json or "{}").get("lm") or {}
    saved = checkpoint[1].get("lm_stats", {}) if checkpoint else {}
    latest = max((closed, saved), key=lambda stats: stats.get("calls", 0))
    return dict(sorted(latest.get("faults", {}).items()))


def agent_view(reader: RunReader, name: str) -> JSON:
    """One agent: persona, plan, last decision's memories with scores, reflections with evidence."""
    names = reader.agent_names()
    if name not in names:
        raise SimInputError(
            reader.label, "agent", f"no agent named {name!r}", f"use one of: {', '.join(names)}"
        )
    persona = next(p for p in reader.personas() if p["name"] == name)
    checkpoint = reader.checkpoint()
    state = checkpoint[1]["agents"][name] if checkpoint else None
    frame = checkpoint[1]["world"]["frames"].get(name, {}) if checkpoint else {}
    schedule = state["schedule"] if state else {"blocks": [], "steps": []}
    memories = reader.memories(agent=name)
    by_id = {m.id: m for m in memories}
    return {
        "agent": name,
        **liveness(reader),
        "persona": {k: persona[k] for k in ("age", "occupation", "household", "traits", "home")},
        "now": {
            "time": label(checkpoint[1]["tick"] * reader.run.tick_seconds + reader.run.start_time)
            if checkpoint
            else None,
            "place": frame.get("place"),
            "action": frame.get("action"),
        },
        "plan": [
            f"{label(b['start'])[-5:]}-{label(b['end'])[-5:]} {b['activity']} ({b['place']})"
            for b in schedule["blocks"]
        ],
        "steps": [
            f"{label(s['start'])[-5:]}-{label(s['end'])[-5:]} {s['action']}"
            for s in schedule["steps"][-8:]
        ],
        "last_decision": reader.last_retrieval(name),
        "memory_counts": {k: sum(m.kind == k for m in memories) for k in KINDS},
        "recent_memories": [
            {
                "id": m.id,
                "kind": m.kind,
                "time": label(m.created),
                "importance": m.importance,
                "text": m.text,
            }
            for m in memories[-15:]
        ],
        "reflections": [
            {
                "id": m.id,
                "time": label(m.created),
                "text": m.text,
                "depth": m.depth,
                "importance": m.importance,
                "evidence": [
                    {"id": e, "text": by_id[e].text}
                    for e in json.loads(m.evidence_json)
                    if e in by_id
                ],
            }
            for m in memories
            if m.kind == "reflection"
        ],
        "conversations": [
            {
                "time": label(reader.run.start_time + c["tick"] * reader.run.tick_seconds),
                "with": [p for p in c["participants"] if p != name],
                "lines": c["lines"],
            }
            for c in reader.conversations(agent=name)
        ],
    }


def inspect_run(db: RunDb, agent: str | None, as_json: bool, console: Console) -> None:
    """Print the run summary or the agent view, as tables or JSON."""
    reader = RunReader(db)
    try:
        with damaged(db):
            data = agent_view(reader, agent) if agent else run_summary(reader)
    finally:
        reader.close()
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    data = scrub(data)  # recorded text is data: no escape sequence reaches the terminal
    if agent:
        _print_agent(data, console)
    else:
        _print_run(data, console)


def _print_status(d: JSON, console: Console) -> None:
    """A line for a run that is not simply finished: who writes it, or how to go on."""
    if d["status"] == "stopped":
        since = f"since {d['heartbeat']}" if d["heartbeat"] else "recorded"
        then = (
            f"resume with `{esc(d['resume'])}`"
            if d["resume"]
            else "nothing was saved to resume from: run it again with --overwrite"
        )
        console.print(f"[yellow]stopped[/] (no heartbeat {since}); {then}")
    elif d["status"] == "running":
        who = f"process {d['writer_pid']}" if d["writer_pid"] else "a writer"
        console.print(f"running: {who} is writing it (last heartbeat {d['heartbeat']})")


def _print_run(d: JSON, console: Console) -> None:
    console.print(
        f"[bold]{esc(d['world'])}[/] {d['start']} -> {d['end']} ({d['ticks']} ticks, "
        f"{d['status']}), LM {esc(d['lm'])}, seed {d['seed']}, digest {d['digest'] or 'none yet'}"
    )
    _print_status(d, console)
    c = d["counts"]
    console.print(
        f"memories: {c['observation']} observations, {c['plan']} plans, "
        f"{c['dialogue']} dialogue, {c['reflection']} reflections; "
        f"{c['conversations']} conversations; {c['lm_calls']} LM calls"
    )
    lm = d["lm_calls"]
    console.print(
        f"LM outcomes: {lm['ok']} ok, {lm['invalid']} invalid, {lm['truncated']} truncated, "
        f"{lm['rejected']} rejected for quality, {lm['error']} errors, {lm['fallback']} "
        "fallbacks (canned answers used)"
    )
    faults = d["lm_faults"]
    if faults:
        counted = ", ".join(f"{n} {kind}" for kind, n in faults.items())
        console.print(f"LM faults: {counted}", markup=False, soft_wrap=True)
    console.print(summary_line(d["social"]), markup=False)
    table = Table(title="Agents")
    for col in ("agent", *KINDS, "talks", "now"):
        table.add_column(col)
    for name, a in d["agents"].items():
        table.add_row(
            Text(name),
            *(str(a["memories"][k]) for k in KINDS),
            str(a["conversations"]),
            Text(f"{a['action']} @ {a['place']}" if a["action"] else NOT_STARTED),
        )
    console.print(table)
    if d["places"]:  # none before the first tick
        places = Table(title="Places")
        places.add_column("place")
        places.add_column("visited by")
        places.add_column("there now")
        for area, p in d["places"].items():
            places.add_row(Text(area), Text(", ".join(p["visitors"])), Text(", ".join(p["now"])))
        console.print(places)
    for convo in d["conversations"]:
        console.print(
            f"[bold]{convo['time']}[/] {esc(' & '.join(convo['participants']))} at "
            f"{esc(str(convo['place']))} ({convo['turns']} turns)"
        )
        for who, text in convo["lines"][:4]:
            console.print(f"   {who}: {text}", markup=False)
    for r in d["reflections"]:
        console.print(
            f"[bold]{esc(r['agent'])}[/] reflects ({r['time']}): {esc(r['text'])} "
            f"[dim](from {plural(len(r['evidence']), 'memory')})[/]"
        )


def _section(title: str, lines: list[str], console: Console) -> None:
    """A heading and its lines, or nothing at all when there are none."""
    if lines:
        console.print(f"[bold]{title}[/]")
        for line in lines:
            console.print(line, markup=False)


def _print_agent(d: JSON, console: Console) -> None:
    p, now = d["persona"], d["now"]
    where = f"{now['time']}: {now['action']} @ {now['place']}" if now["time"] else NOT_STARTED
    console.print(
        f"[bold]{esc(d['agent'])}[/], {p['age']}, {esc(p['occupation'])}; now {esc(where)}"
    )
    _print_status(d, console)
    _section("Plan", [f"  {line}" for line in d["plan"]], console)
    _section("Current steps", [f"  {line}" for line in d["steps"]], console)
    last = d["last_decision"]
    if last:
        query = last["query"].strip(" ,;")  # a reflection with no questions has an empty query
        about = f"{last['purpose']}: {shorten(query, 60)}" if query else last["purpose"]
        table = Table(title=Text(f"Memories retrieved for the last decision ({about})"))
        for col in ("score", "recency", "importance", "relevance", "about", "memory"):
            table.add_column(col)
        for m in last["memories"][:10]:
            table.add_row(
                f"{m['score']:.2f}",
                f"{m['recency']:.2f}",
                f"{m['importance']:.2f}",
                f"{m['relevance']:.2f}",
                f"{m.get('about', 0.0):.2f}",  # absent in runs from before it existed
                Text(shorten(m["text"], 90)),
            )
        console.print(table)
    reflections = []
    for r in d["reflections"]:
        reflections.append(f"  {r['time']} (depth {r['depth']}): {r['text']}")
        reflections += [f"      <- #{e['id']} {shorten(e['text'], 90)}" for e in r["evidence"]]
    _section("Reflections", reflections, console)
    _section(
        "Recent memories",
        [
            f"  #{m['id']} {m['time']} {m['kind']} ({m['importance']}): {shorten(m['text'], 100)}"
            for m in d["recent_memories"]
        ],
        console,
    )

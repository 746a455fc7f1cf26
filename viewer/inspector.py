"""The side panel that answers "why did she do that?": pure data first, then its drawing.

`agent_report` gathers, for one agent at one tick, what it is doing, its plan and current
step, the memories retrieved for its last decision and its reflections with their evidence.
Panels are plain lines of text, so tests check them without a display.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from viewer.timeline import Mark, Timeline, agent_color, ink

if TYPE_CHECKING:
    import pygame

    from viewer.source import RunSource
    from viewer.text import Text

Color = tuple[int, int, int]
JSON = dict[str, Any]
MAX_REFLECTIONS = 12
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})\b")


@dataclass(frozen=True)
class Line:
    """One paragraph of a panel; `style` picks font and colour, `color` overrides the colour."""

    text: str
    style: str = "text"  # head, text, dim, now, quote
    color: Color | None = None


@dataclass(frozen=True)
class Panel:
    """What the side panel shows; `key` says which thing, so scrolling resets on a new one."""

    key: tuple[str, str]
    title: str
    color: Color
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class AgentReport:
    """An agent's state and reasons at one tick."""

    name: str
    tick: int
    action: str
    place: str | None
    object: str | None
    chat: str | None
    plan: tuple[str, ...]
    plan_now: int | None
    block: str | None
    steps: tuple[str, ...]
    step_now: int | None
    reaction: JSON | None
    retrieval: JSON | None
    reflections: tuple[tuple[int, str, tuple[str, ...]], ...]


def agent_report(model: Timeline, source: RunSource, agent: str, tick: int) -> AgentReport:
    """Everything recorded about `agent` up to `tick`, from the latest events at or before it."""
    frame = model.frame(agent, tick)
    action = frame.action if frame else "(not in the world yet)"
    plan_event = model.latest_event("plan_day", agent, tick)
    plan = tuple(str(p) for p in (plan_event or {}).get("plan", []))
    steps_event = model.latest_event("decompose", agent, tick)
    steps = tuple(str(s) for s in (steps_event or {}).get("steps", []))
    rid = model.retrieval_id(agent, tick)
    reflections = model.agent_events("reflection", agent, tick)[-MAX_REFLECTIONS:]
    return AgentReport(
        name=agent,
        tick=tick,
        action=action,
        place=frame.place if frame else None,
        object=frame.object if frame else None,
        chat=frame.chat if frame else None,
        plan=plan,
        plan_now=_current_plan_line(plan, model.time(tick)),
        block=(steps_event or {}).get("block"),
        steps=steps,
        step_now=_current_step(steps, action),
        reaction=model.latest_event("react", agent, tick),
        retrieval=source.retrieval(rid) if rid is not None else None,
        reflections=tuple(
            (r["tick"], str(r.get("insight", "")), tuple(_evidence(source, agent, r)))
            for r in reversed(reflections)
        ),
    )


def _current_plan_line(plan: tuple[str, ...], now: int) -> int | None:
    """Index of the plan line whose "HH:MM" start is the latest at or before `now`."""
    minute = now % 86400 // 60
    current = None
    for i, line in enumerate(plan):
        m = _CLOCK.match(line)
        if m and int(m.group(1)) * 60 + int(m.group(2)) <= minute:
            current = i
    return current


def _current_step(steps: tuple[str, ...], action: str) -> int | None:
    """The step the agent's action shows (walking shows "heading to PLACE: STEP")."""
    for i in range(len(steps) - 1, -1, -1):
        if action == steps[i] or action.endswith(f": {steps[i]}"):
            return i
    return None


def _evidence(source: RunSource, agent: str, event: JSON) -> list[str]:
    ids = [i for i in event.get("evidence", []) if isinstance(i, int)]
    return source.memory_texts(agent, ids)


def agent_panel(model: Timeline, r: AgentReport) -> Panel:
    """The inspector's lines for an agent report."""
    out = [Line(f"{model.label(r.tick)} · tick {r.tick}", "dim"), Line("Now", "head")]
    out.append(Line(r.action))
    where = f"at {r.place}" if r.place else "outdoors"
    out.append(Line(where + (f", using {r.object}" if r.object else ""), "dim"))
    if r.chat:
        out.append(Line(f"“{r.chat}”", "quote"))
    out.append(Line("Today's plan", "head"))
    out += [Line(p, "now" if i == r.plan_now else "text") for i, p in enumerate(r.plan)]
    if not r.plan:
        out.append(Line("no plan recorded yet", "dim"))
    if r.block:
        out.append(Line(f"Steps for: {r.block}", "head"))
        out += [Line(s, "now" if i == r.step_now else "text") for i, s in enumerate(r.steps)]
    if r.reaction:
        e = r.reaction
        out.append(Line(f"Last reaction ({model.label(e['tick'])[-5:]})", "head"))
        out.append(Line(f"saw: {e.get('observed', '')}", "dim"))
        out.append(Line(f"{e.get('choice', '')}: {e.get('reaction', '')}"))
    out += _retrieval_lines(model, r.retrieval)
    out.append(Line("Reflections so far", "head"))
    if not r.reflections:
        out.append(Line("none yet", "dim"))
    for tick, insight, evidence in r.reflections:
        out.append(Line(f"{model.label(tick)[-5:]}  {insight}", "now"))
        out += [Line(f"because: {text}", "quote") for text in evidence]
    return Panel(("agent", r.name), r.name, agent_color(r.name), tuple(out))


def _retrieval_lines(model: Timeline, retrieval: JSON | None) -> list[Line]:
    if retrieval is None:
        return [Line("Memories for the last decision", "head"), Line("none retrieved yet", "dim")]
    when = model.label(retrieval["tick"])[-5:]
    out = [
        Line(f"Memories for the last decision: {retrieval['purpose']} ({when})", "head"),
        Line(f"query: {retrieval['query']}", "dim"),
    ]
    for m in retrieval["memories"]:
        out.append(Line(str(m.get("text", ""))))
        parts = ("score", "recency", "importance", "relevance", "about")
        shown = [k for k in parts if k in m]  # runs from before `about` have no such part
        out.append(Line("   ".join(f"{k} {_num(m.get(k))}" for k in shown), "dim"))
    return out


def _num(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "?"


def conversation_panel(model: Timeline, c: JSON) -> Panel:
    """A conversation's transcript."""
    start, end = model.label(c["tick"]), model.label(c["tick"] + c["ticks"])[-5:]
    lines = [
        Line(f"{start}–{end} at {c['place']}", "dim"),
        Line(f"{', '.join(c['participants'])} · ended by {c['ended_by']}", "dim"),
    ]
    for speaker, text in c["lines"]:
        lines.append(Line(speaker, "head", agent_color(speaker)))
        lines.append(Line(text))
    return Panel(("conversation", str(c["id"])), "Conversation", (90, 140, 220), tuple(lines))


def event_panel(model: Timeline, source: RunSource, mark: Mark) -> Panel:
    """Any other timeline mark: a reflection with its evidence, or a future writer's event."""
    e = mark.data
    lines = [Line(f"{model.label(mark.tick)} · {mark.agent}", "dim")]
    if mark.kind == "reflection":
        lines.append(Line(str(e.get("insight", "")), "now"))
        lines.append(Line(f"asked: {e.get('question', '')}", "dim"))
        lines += [Line(f"because: {t}", "quote") for t in _evidence(source, mark.agent, e)]
    else:
        if mark.kind == "intervention":
            lines.append(Line(str(e.get("description", "")), "now"))
        skip = {"tick", "kind", "agent", "description"}
        for k, v in e.items():
            if k not in skip:
                text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                lines.append(Line(f"{k}: {text}"))
    title = mark.kind.replace("_", " ").capitalize()
    return Panel(
        (mark.kind, f"{mark.tick}:{mark.agent}"), title, agent_color(mark.agent), tuple(lines)
    )


STYLES: dict[str, tuple[int, bool, Color]] = {
    "head": (14, True, (40, 44, 60)),
    "text": (13, False, (30, 30, 36)),
    "dim": (12, False, (110, 112, 124)),
    "now": (13, True, (150, 70, 10)),
    "quote": (12, False, (70, 90, 120)),
}
PAD = 12


def draw_panel(
    screen: pygame.Surface, text: Text, panel: Panel, rect: pygame.Rect, scroll: int
) -> int:
    """Draw the panel into `rect` scrolled by `scroll` pixels; returns the content height."""
    import pygame

    bg = pygame.Surface(rect.size, pygame.SRCALPHA)
    bg.fill((250, 248, 242, 250))
    screen.blit(bg, rect.topleft)
    pygame.draw.rect(screen, panel.color, (rect.x, rect.y, rect.w, 34))
    screen.blit(text.render(panel.title, 16, ink(panel.color), True), (rect.x + PAD, rect.y + 8))
    screen.blit(text.render("esc ×", 12, ink(panel.color)), (rect.right - 44, rect.y + 11))
    clip = pygame.Rect(rect.x, rect.y + 36, rect.w, rect.h - 36)
    screen.set_clip(clip)
    y = clip.y + 6 - scroll
    width = rect.w - 2 * PAD
    for line in panel.lines:
        size, bold, color = STYLES.get(line.style, STYLES["text"])
        if line.style == "head":
            y += 8
        indent = 10 if line.style == "quote" else 0
        for part in text.wrap(line.text, size, width - indent, bold):
            if clip.y - 20 < y < clip.bottom:
                if line.style == "now":
                    pygame.draw.rect(screen, (245, 220, 180), (rect.x + 4, y, 4, size + 3))
                surface = text.render(part, size, line.color or color, bold)
                screen.blit(surface, (rect.x + PAD + indent, y))
            y += size + 5
    screen.set_clip(None)
    return y + scroll - clip.y

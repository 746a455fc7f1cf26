"""Conversations through the engine: who talks, what they remember, and the pair cooldown."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from sim.engine import Engine
from sim.llm.fake import FakeLM
from sim.llm.protocol import LMRequest, LMResponse


class SociableLM:
    """The fake LM, except that every agent says yes when asked whether to start talking."""

    name = "sociable-fake"

    def __init__(self) -> None:
        self.inner = FakeLM(0)

    def complete(self, request: LMRequest) -> LMResponse:
        response = self.inner.complete(request)
        if request.schema_name == "Reaction" and "talk" in request.schema["properties"]:
            answer = json.loads(response.text)
            answer["talk"] = True
            response = replace(response, text=json.dumps(answer))
        return response


def test_agents_who_meet_talk_remember_and_cool_down(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(lm=SociableLM(), seed=0)
    conversations: list[dict] = []
    chat_frames = 0
    for _ in range(1080):
        record = engine.step()
        conversations.extend(record.conversations)
        chat_frames += sum(1 for f in record.frames.values() if f["chat"])
    assert conversations, "agents who notice each other and want to talk must converse"
    talkers = {p for c in conversations for p in c["participants"]}
    for name in talkers:
        kinds = {r.kind for r in engine.agents[name].memory.records}
        assert "dialogue" in kinds
    assert chat_frames > 0  # the replay shows speech while they talk
    # The same pair never talks again within the cooldown (2 game hours by default).
    last: dict[frozenset[str], int] = {}
    cooldown_ticks = engine.config.chat_cooldown_minutes * 60 // engine.clock.tick_seconds
    for c in conversations:
        for a in c["participants"]:
            for b in c["participants"]:
                if a < b:
                    pair = frozenset((a, b))
                    if pair in last:
                        assert c["start_tick"] - last[pair] >= cooldown_ticks
                    last[pair] = c["start_tick"] + c["ticks"]

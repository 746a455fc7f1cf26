"""CachingLM, ReplayLM and the --lm factory."""

from __future__ import annotations

import pytest

from sim.errors import SimInputError
from sim.llm.embedded import EmbeddedLM
from sim.llm.fake import FakeLM, ScriptedLM
from sim.llm.openai_compat import OpenAICompatLM
from sim.llm.protocol import LMError, LMRequest, LMResponse, Message
from sim.llm.retry import RetryingLM
from sim.llm.wrappers import CachingLM, ReplayLM, ReplayMissError, make_lm

SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


def _request(text: str, seed: int = 0) -> LMRequest:
    return LMRequest(messages=(Message("user", text),), schema=SCHEMA, seed=seed)


def test_caching_lm_asks_inner_once_per_key() -> None:
    inner = ScriptedLM(['{"x": 1}', '{"x": 2}'])
    lm = CachingLM(inner)
    first = lm.complete(_request("a"))
    again = lm.complete(_request("a"))
    other = lm.complete(_request("a", seed=1))
    assert (first.text, first.cached) == ('{"x": 1}', False)
    assert (again.text, again.cached) == ('{"x": 1}', True)
    assert other.text == '{"x": 2}'
    assert len(inner.requests) == 2
    assert (lm.hits, lm.misses) == (1, 2)
    assert lm.name == "scripted"


def test_caching_lm_does_not_cache_errors() -> None:
    lm = CachingLM(ScriptedLM([]))
    for _ in range(2):
        with pytest.raises(LMError):
            lm.complete(_request("a"))
    assert lm.misses == 2


def test_replay_is_fifo_per_key_and_marks_cached() -> None:
    a, b = _request("a"), _request("b")
    records = [
        (a.key(), LMResponse("a1", model="m")),
        (b.key(), LMResponse("b1", model="m")),
        (a.key(), LMResponse("a2", model="m")),
    ]
    lm = ReplayLM(records, name="smollm")
    assert lm.name == "smollm"
    answers = [lm.complete(r) for r in (a, a, b)]
    assert [r.text for r in answers] == ["a1", "a2", "b1"]
    assert all(r.cached and r.model == "m" for r in answers)


def test_replay_miss_explains_divergence() -> None:
    a = _request("a")
    lm = ReplayLM([(a.key(), LMResponse("a1"))], name="smollm")
    assert lm.complete(a).cached
    with pytest.raises(ReplayMissError, match="diverged") as info:
        lm.complete(a)  # the recording held this key only once
    assert not isinstance(info.value, LMError)
    assert isinstance(info.value, SimInputError)
    assert "seed" in str(info.value)


def test_make_lm_builds_each_backend() -> None:
    assert isinstance(make_lm("embedded"), EmbeddedLM)
    fake = make_lm("fake", seed=4)
    assert isinstance(fake, FakeLM) and fake.seed == 4
    remote = make_lm("openai:qwen2.5", base_url="http://127.0.0.1:9/v1", api_key="k", timeout=5)
    assert isinstance(remote, RetryingLM) and remote.name == "openai:qwen2.5"
    assert isinstance(remote.inner, OpenAICompatLM) and remote.inner.timeout == 5


@pytest.mark.parametrize("spec", ["gpt4", "openai:", "Fake", ""])
def test_make_lm_rejects_unknown_specs(spec: str) -> None:
    with pytest.raises(SimInputError, match="--lm") as info:
        make_lm(spec)
    assert "openai:MODEL" in str(info.value)

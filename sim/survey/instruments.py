"""Survey instruments: the questions an experiment puts to agents, and how answers become numbers.

Each instrument is a frozen pydantic model with a `kind` tag, so a survey file or a JSON log
names its type. It also owns everything type-specific about asking: the typed answer field the
prompt's schema is built from, a short "how to answer" line, a neutral answer for the fallback
and the mapping of a raw answer to a value and a label. The prompt and answer code stay free of
per-kind branches that way, and a new kind is one new class here.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo

from sim.prompts.base import choice

ID_PATTERN = r"^[A-Za-z0-9_.\-]*$"
_SLUG_CHARS = 48
LIKERT_LABELS: dict[int, tuple[str, ...]] = {
    5: ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
    7: (
        "strongly disagree",
        "disagree",
        "somewhat disagree",
        "neither agree nor disagree",
        "somewhat agree",
        "agree",
        "strongly agree",
    ),
}


def slug(text: str, limit: int = _SLUG_CHARS) -> str:
    """A short id from free text ("Will you go?" -> "will_you_go"), cut at a word boundary."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for word in words:
        longer = f"{out}_{word}" if out else word
        if len(longer) > limit:
            break
        out = longer
    return out or (words[0][:limit] if words else "question")


class Question(BaseModel, ABC):
    """What every instrument shares: the question text and a stable id for result tables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1, description="the question as the agent reads it")
    id: str = Field(
        "",
        pattern=ID_PATTERN,
        description="a short name for results (letters, digits, _ . -); defaults to a slug "
        "of the question",
    )
    kind: str = Field(description="the instrument type, e.g. likert; each subclass fixes it")

    def __init__(self, question: str | None = None, /, **data: Any) -> None:
        """Allow the question as the first positional argument: `Likert("Do you ...?")`."""
        if question is not None:
            data["question"] = question
        super().__init__(**data)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """Fill derived defaults before validation, since a frozen model cannot fill them after."""
        return cls._fill(dict(data)) if isinstance(data, dict) else data

    @classmethod
    def _fill(cls, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("id") and isinstance(data.get("question"), str):
            data["id"] = slug(data["question"])
        return data

    @abstractmethod
    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """The (type, field) of the answer in the prompt's output schema; `reverse` lists the
        options of an ordered scale from its other end (see `how_to_answer`)."""

    @abstractmethod
    def how_to_answer(self, reverse: bool = False) -> str:
        """One plain sentence telling the agent what form the answer takes.

        Half of the agents see a scale from its other end: small models favour whatever comes
        first, and counterbalancing turns that bias into noise instead of a shift.
        """

    @abstractmethod
    def neutral(self) -> Any:
        """A valid answer for the fallback; it is never scored (fallbacks count as no answer)."""

    @abstractmethod
    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """The (value, label) of a validated raw answer; `evidence` holds the memory ids cited."""

    def answer_chars(self) -> int:
        """Longest answer expected, in characters, so the prompt can size its token budget."""
        return 40


class Likert(Question):
    """Agreement (or any ordered rating) on a scale of `points`; the value is the point, 1-based."""

    kind: Literal["likert"] = "likert"
    points: int = Field(5, ge=2, le=11, description="the number of scale points, 2..11")
    labels: tuple[str, ...] = Field(
        (),
        description="one label per point, lowest first; defaults to agree/disagree words for "
        "5 and 7 points, else the numbers (labels alone set the number of points)",
    )

    @classmethod
    def _fill(cls, data: dict[str, Any]) -> dict[str, Any]:
        labels = data.get("labels")
        if labels and isinstance(labels, list | tuple):
            data.setdefault("points", len(labels))  # labels alone say how many points
        points = data.get("points", 5)
        if not labels and isinstance(points, int) and 2 <= points <= 11:
            data["labels"] = LIKERT_LABELS.get(points, tuple(str(i + 1) for i in range(points)))
        return super()._fill(data)

    @field_validator("labels")
    @classmethod
    def _one_per_point(cls, labels: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        points = info.data.get("points")
        if points is not None and len(labels) != points:
            raise ValueError(f"needs one label per point: {points} labels, got {len(labels)}")
        if any(not label.strip() for label in labels) or len(set(labels)) != len(labels):
            raise ValueError("labels must be distinct and non-empty")
        return labels

    def choices(self) -> tuple[str, ...]:
        """What the agent picks from: the labels themselves ("agree"), not "4 - agree".

        With numbers in front SmolLM2 answered "1" whatever it wrote in its rationale (25 of 25
        agents at the floor, forward or reversed); with words alone its answers spread over
        the scale and the order bias that remains is the one counterbalancing cancels.
        """
        return tuple(self.labels)

    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """An enum of the labelled points."""
        points = self.choices()
        return choice(points[::-1] if reverse else points), Field()

    def how_to_answer(self, reverse: bool = False) -> str:
        """Name the ends of the scale: small models otherwise read it backwards."""
        low, high = self.labels[0], self.labels[-1]
        if low == "1":
            low, high = "lowest", "highest"
        if reverse:
            return f"Pick one point from {self.points} ({high}) down to 1 ({low})."
        return f"Pick one point from 1 ({low}) to {self.points} ({high})."

    def neutral(self) -> str:
        """The middle point (the lower middle on an even scale)."""
        return self.choices()[(self.points - 1) // 2]

    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """The chosen point and its label."""
        index = self.choices().index(raw)
        return float(index + 1), self.labels[index]


class Categorical(Question):
    """One of several named options; the value is the option's index, 0-based."""

    kind: Literal["categorical"] = "categorical"
    options: tuple[str, ...] = Field(
        min_length=2, description="a list of two or more distinct answers"
    )

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        if any(not o.strip() for o in options) or len(set(options)) != len(options):
            raise ValueError("options must be distinct and non-empty")
        return options

    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """An enum of the options."""
        return choice(self.options[::-1] if reverse else self.options), Field()

    def how_to_answer(self, reverse: bool = False) -> str:
        """List the options (in the order this agent sees them)."""
        options = self.options[::-1] if reverse else self.options
        return f"Pick one of: {', '.join(options)}."

    def neutral(self) -> str:
        """The first option (never scored: see `Question.neutral`)."""
        return self.options[0]

    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """The option's index and the option."""
        return float(self.options.index(raw)), raw


class Numeric(Question):
    """A number within bounds, such as hours or a price; the value is the number."""

    kind: Literal["numeric"] = "numeric"
    minimum: float = Field(allow_inf_nan=False, description="the smallest allowed answer")
    maximum: float = Field(allow_inf_nan=False, description="the largest allowed answer")
    unit: str = Field("", description="the unit shown after numbers, e.g. 'hours'")

    @field_validator("maximum")
    @classmethod
    def _above_minimum(cls, maximum: float, info: ValidationInfo) -> float:
        minimum = info.data.get("minimum")
        if minimum is not None and not minimum < maximum:
            raise ValueError(f"maximum must be greater than minimum ({minimum:g})")
        return maximum

    def _show(self, number: float) -> str:
        return f"{number:g} {self.unit}".strip()

    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """A float bounded both ways, so a constrained model cannot leave the range."""
        return float, Field(ge=self.minimum, le=self.maximum)

    def how_to_answer(self, reverse: bool = False) -> str:
        """State the range with its unit."""
        low, high = self._show(self.minimum), self._show(self.maximum)
        return f"Answer with a number from {low} to {high}."

    def neutral(self) -> float:
        """The middle of the range."""
        return (self.minimum + self.maximum) / 2

    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """The number, and the number with its unit."""
        value = float(raw)
        return value, self._show(value)

    def answer_chars(self) -> int:
        """A number is short."""
        return 16


class FreeText(Question):
    """An open answer in the agent's words; it has no value, only a label (the text)."""

    kind: Literal["free_text"] = "free_text"
    max_chars: int = Field(300, ge=10, le=2000, description="the longest answer, 10..2000 chars")

    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """A capped string: small models ramble until stopped."""
        return str, Field(max_length=self.max_chars)

    def how_to_answer(self, reverse: bool = False) -> str:
        """Ask for brevity."""
        return "Answer in one or two short sentences."

    def neutral(self) -> str:
        """An empty answer."""
        return ""

    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """No value; the text is the label."""
        return None, str(raw)

    def answer_chars(self) -> int:
        """As long as allowed."""
        return self.max_chars


class Knows(Question):
    """Whether the agent has heard a fact: the measure of information diffusion.

    A small model says "yes" to almost anything, so "yes" counts as knowing only when the agent
    also cites at least one of the memories it was shown; the label keeps what it said.
    """

    kind: Literal["knows"] = "knows"
    fact: str = Field(min_length=1, description="the fact, as a clause: 'Maya is opening a shop'")
    question: str = Field("", description="the question; defaults to 'Have you heard that <fact>?'")

    @classmethod
    def _fill(cls, data: dict[str, Any]) -> dict[str, Any]:
        fact = data.get("fact")
        if isinstance(fact, str) and fact.strip():
            if not data.get("question"):
                data["question"] = f"Have you heard that {fact.strip().rstrip('.?!')}?"
            if not data.get("id"):
                # The fact, not the question: every default question starts alike.
                data["id"] = f"knows_{slug(fact)}"
        return super()._fill(data)

    def answer_field(self, reverse: bool = False) -> tuple[Any, FieldInfo]:
        """Yes or no (no first for half of the agents)."""
        return choice(("no", "yes") if reverse else ("yes", "no")), Field()

    def how_to_answer(self, reverse: bool = False) -> str:
        """Ask for honesty about memory, not belief."""
        return "Answer yes only if you remember hearing it; otherwise answer no."

    def neutral(self) -> str:
        """Not knowing."""
        return "no"

    def to_value(self, raw: Any, evidence: tuple[int, ...] = ()) -> tuple[float | None, str]:
        """1.0 for a "yes" backed by cited memories, else 0.0."""
        return float(raw == "yes" and bool(evidence)), raw


Instrument = Annotated[
    Likert | Categorical | Numeric | FreeText | Knows, Field(discriminator="kind")
]
INSTRUMENTS: dict[str, type[Question]] = {
    "likert": Likert,
    "categorical": Categorical,
    "numeric": Numeric,
    "free_text": FreeText,
    "knows": Knows,
}


class Survey(BaseModel):
    """A named list of instruments asked together, as one wave of an experiment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="the survey's name, e.g. 'party-followup'")
    questions: tuple[Instrument, ...] = Field(min_length=1, description="a list of questions")

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, questions: tuple[Question, ...]) -> tuple[Question, ...]:
        seen: set[str] = set()
        for q in questions:
            if q.id in seen:
                raise ValueError(f"duplicate question id {q.id!r}: give one question an `id`")
            seen.add(q.id)
        return questions

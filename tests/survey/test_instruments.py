"""Survey instruments: defaults, validation of bad parameters, and survey files read from YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sim.errors import SimInputError
from sim.survey.files import load_survey, survey_from
from sim.survey.instruments import (
    Categorical,
    FreeText,
    Knows,
    Likert,
    Numeric,
    Survey,
    slug,
)


def test_likert_defaults_to_agreement_words_and_scores_the_point() -> None:
    q = Likert(question="I feel safe in Willow Lane.")
    assert q.id == "i_feel_safe_in_willow_lane"
    assert q.labels[0] == "strongly disagree" and q.labels[-1] == "strongly agree"
    assert q.choices()[3] == "agree"  # words alone: numbers made SmolLM2 answer "1" always
    assert q.to_value("agree") == (4.0, "agree")
    assert q.neutral() == "neither agree nor disagree"
    assert len(Likert(question="x", points=7).labels) == 7


def test_likert_without_word_labels_is_numbered() -> None:
    q = Likert(question="Rate the cafe.", points=4)
    assert q.choices() == ("1", "2", "3", "4")
    assert q.to_value("3") == (3.0, "3")
    assert "lowest" in q.how_to_answer()
    custom = Likert(question="Mood?", points=3, labels=["sad", "fine", "happy"], id="mood")
    assert custom.choices() == ("sad", "fine", "happy")
    assert custom.to_value("happy") == (3.0, "happy")
    assert custom.id == "mood"
    assert Likert(question="Mood?", labels=["low", "high"]).points == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"points": 1},
        {"points": 12},
        {"points": 10**9},
        {"points": 3, "labels": ["a", "b"]},
        {"points": 2, "labels": ["a", "a"]},
        {"id": "has spaces"},
        {"question": ""},
        {"colour": "red"},
    ],
)
def test_likert_rejects_bad_parameters(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Likert(**{"question": "q", **kwargs})  # type: ignore[arg-type]


def test_categorical_value_is_the_option_index() -> None:
    q = Categorical(question="Where will you eat?", options=["cafe", "home", "park"])
    assert q.to_value("park") == (2.0, "park")
    for options in (["only"], ["a", "a"], ["a", " "]):
        with pytest.raises(ValidationError):
            Categorical(question="q", options=options)


def test_numeric_bounds_must_be_finite_and_ordered() -> None:
    q = Numeric(question="Hours of sleep?", minimum=0, maximum=12, unit="hours")
    assert q.to_value(7.5) == (7.5, "7.5 hours")
    assert q.neutral() == 6.0
    for low, high in ((3, 3), (5, 1), (float("-inf"), 1), (0, float("nan"))):
        with pytest.raises(ValidationError):
            Numeric(question="q", minimum=low, maximum=high)


def test_free_text_has_no_value() -> None:
    q = FreeText(question="What happened today?", max_chars=100)
    assert q.to_value("a quiet day") == (None, "a quiet day")
    for max_chars in (0, 5000):
        with pytest.raises(ValidationError):
            FreeText(question="q", max_chars=max_chars)


def test_knows_needs_a_yes_and_cited_evidence() -> None:
    q = Knows(fact="Maya is throwing a party on Saturday.")
    assert q.question == "Have you heard that Maya is throwing a party on Saturday?"
    assert q.id == "knows_maya_is_throwing_a_party_on_saturday"
    assert q.to_value("yes", (3,)) == (1.0, "yes")
    assert q.to_value("yes", ()) == (0.0, "yes")
    assert q.to_value("no", (3,)) == (0.0, "no")
    assert Knows(fact="x", question="Heard about x?").question == "Heard about x?"
    with pytest.raises(ValidationError):
        Knows(fact="")


def test_slug_cuts_at_a_word_and_never_is_empty() -> None:
    assert slug("Will you go to the party?") == "will_you_go_to_the_party"
    assert len(slug("word " * 40)) <= 48
    assert slug("???") == "question"


def test_survey_rejects_duplicate_ids_and_takes_many_shapes() -> None:
    a, b = Likert(question="Same?"), Likert(question="Same?", points=7)
    with pytest.raises(ValidationError, match="duplicate question id"):
        Survey(name="s", questions=[a, b])
    assert survey_from(a).questions == (a,)
    both = survey_from([a, FreeText(question="Why?")])
    assert [q.kind for q in both.questions] == ["likert", "free_text"]
    assert survey_from(both) is both


GOOD = """
name: party-followup
questions:
  - {kind: likert, question: "I enjoyed the party.", points: 7}
  - {kind: categorical, question: "Who invited you?", options: [Maya, Theo, nobody]}
  - {kind: numeric, question: "How long did you stay?", minimum: 0, maximum: 6, unit: hours}
  - {kind: free_text, question: "What did you talk about?"}
  - {kind: knows, fact: "Maya is opening a bakery"}
"""


def test_load_survey_reads_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "party.yaml"
    path.write_text(GOOD)
    survey = load_survey(path)
    assert survey.name == "party-followup"
    assert [q.kind for q in survey.questions] == [
        "likert",
        "categorical",
        "numeric",
        "free_text",
        "knows",
    ]
    assert survey_from(str(path)) == survey


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("- a\n- b\n", "", "expected a mapping"),
        ("name: [unclosed\n", "line", "YAML syntax error"),
        ("name: x\nquestion: []\n", "question", "unknown field"),
        ("name: x\nquestions: []\n", "questions", "non-empty list"),
        ("name: 3\nquestions: [{kind: free_text, question: q}]\n", "name", "non-empty text"),
        ("questions: [hello]\n", "questions[0]", "expected a mapping"),
        ("questions: [{question: q}]\n", "questions[0].kind", "missing"),
        ("questions: [{kind: poll, question: q}]\n", "questions[0].kind", "unknown kind"),
        (
            "questions:\n  - {kind: free_text, question: a}\n  - {kind: likert, question: b,"
            " points: 20}\n",
            "questions[1].points",
            "less than or equal to 11",
        ),
        (
            "questions: [{kind: likert, question: b, points: five}]\n",
            "questions[0].points",
            "valid integer",
        ),
        (
            "questions: [{kind: numeric, question: n, minimum: 5, maximum: 1}]\n",
            "questions[0].maximum",
            "greater than minimum",
        ),
        (
            "questions: [{kind: categorical, question: c, options: [a]}]\n",
            "questions[0].options",
            "at least 2",
        ),
        ("questions: [{kind: knows}]\n", "questions[0].fact", "missing"),
        (
            "questions: [{kind: free_text, question: a}, {kind: likert, question: a}]\n",
            "questions[1].id",
            "duplicate question id",
        ),
        (
            "questions:\n  - kind: likert\n    question: a\n    points: 5\n    points: 7\n",
            "questions[0].points",
            "appears twice",
        ),
    ],
)
def test_bad_survey_files_give_one_line_naming_file_and_field(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SimInputError) as caught:
        load_survey(path)
    error = caught.value
    assert error.field.startswith(field)
    assert problem in error.problem
    line = error.line()
    assert "bad.yaml" in line and "\n" not in line


def test_missing_survey_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SimInputError, match="file not found"):
        load_survey(tmp_path / "nope.yaml")

"""The pure text checks flag planted examples of each problem and pass clean text."""

from __future__ import annotations

import pytest

from sim.embed.hashing import HashEmbedder
from sim.persona import Persona
from sim.quality import checks
from sim.quality.recall import battery, expected_words, matches

PEOPLE = ["Theo Okafor", "Maya Torres"]
CLEAN = [
    "I am going to the cafe at 09:00 to see Maya.",
    "She's been working so hard lately; I worry about her.",
    "Sounds good: see you at Juniper Cafe:Counter then!",
    "Could you bring buns and coffee to the picnic on Saturday?",
]


@pytest.mark.parametrize(
    "text",
    [
        "{{name}} went",
        "{{name}}}|{{name}}|",
        "<|im_start|>assistant",
        "[/INST] sure",
        '{"steps": ["pick"]}',
        'utterance": "hi',
        "]{",
        ",",
        "write_a_story.txt",
        "toil_shed",
        "{{id}}}, {{name}} and {{name}}",
        "{2} Theo Okafor: A great idea to bring a potluck dinner to the summer picnic.",
    ],
)
def test_leakage_flags_templates_markup_json_and_file_names(text: str) -> None:
    assert checks.leakage(text).flagged, text


@pytest.mark.parametrize("text", CLEAN)
def test_leakage_passes_plain_sentences_with_times_and_places(text: str) -> None:
    assert not checks.leakage(text).flagged


def test_echo_flags_speaker_prefixes_anywhere_in_the_line() -> None:
    assert checks.echo("Theo Okafor: Theo Okafor: hi", PEOPLE).flagged
    finding = checks.echo("Theo Okafor: I was going to the library with Theo", PEOPLE)
    assert finding.flagged and "speaker prefix" in finding.reasons[0]
    assert checks.echo("Sure. Maya: see you later", PEOPLE).flagged


def test_echo_flags_copies_of_the_previous_line() -> None:
    previous = "I was going to the library today, you know"
    assert checks.echo("I was going to the library today, you know.", PEOPLE, previous).flagged
    assert checks.echo("Well, I was going to the library today", PEOPLE, previous).flagged


def test_echo_passes_a_reply_that_answers() -> None:
    assert not checks.echo("Morning, Theo! Lovely day for it.", PEOPLE, "Morning Maya.").flagged
    assert not checks.echo(
        "Yes, I'll bring the buns at noon.", PEOPLE, "Will you bring buns?"
    ).flagged


def test_repeated_trigrams_flag_loops_and_pass_ordinary_sentences() -> None:
    assert checks.repeated_ngrams("I am going to leave, I am going to leave").flagged
    loop = "He's not that bad, he's just a great poet. He's not that bad. He's not that bad."
    assert "not that bad" in checks.repeated_ngrams(loop).reasons
    for text in CLEAN:
        assert not checks.repeated_ngrams(text).flagged


def test_english_share_counts_made_up_words_and_accepts_inflections_and_names() -> None:
    share = checks.english_share("pickled-mint-cakes xyzzy qwrtp")
    assert (share.words, share.english, share.unknown) == (5, 3, ("xyzzy", "qwrtp"))
    names = checks.name_words(["Theo Okafor", "Juniper Cafe"])
    text = "I'm baking pastries; Theo Okafor said he'd bring posters. Can't wait!"
    assert checks.english_share(text, names).share == 1.0
    assert checks.english_share("Okafor").share == 0.0
    assert checks.english_share("12:30").share is None


def test_steps_unrelated_to_their_activity_are_flagged() -> None:
    activity = "weed and water the raised beds"
    relations = checks.step_relations(
        [("write_a_story.txt", activity), ("water the raised beds", activity), ("6", activity)],
        HashEmbedder(),
    )
    assert [r.related for r in relations] == [False, True, False]
    assert relations[0].similarity < checks.STEP_THRESHOLD <= relations[1].similarity


@pytest.mark.embedded
def test_minilm_separates_the_issues_step_from_a_sensible_one() -> None:
    from sim.embed.factory import make_embedder

    activity = "weed and water the raised beds"
    steps = ["write_a_story.txt", "toil_shed", "pull weeds from the raised beds", "fill the can"]
    relations = checks.step_relations([(s, activity) for s in steps], make_embedder("minilm"))
    assert [r.related for r in relations] == [False, False, True, True]


def test_recall_expects_the_relationship_and_accepts_synonyms(
    willow_people: list[Persona],
) -> None:
    expected = expected_words("friend", "my former pupil, now the busiest woman on the lane")
    assert {"friend", "pupil", "student"} <= set(expected)
    assert "woman" not in expected and "now" not in expected
    assert matches("She was one of my students, years ago.", expected) == ("student",)
    assert matches("I'd rather not say right now.", expected) == ()
    questions = battery(willow_people, limit=5)
    assert len(questions) == 5
    assert len({q.agent for q in questions}) == 3
    assert questions[0].question == f"Who is {questions[0].about}?"
    assert len(battery(willow_people, limit=2)) == 2


def test_recall_does_not_count_the_asker_describing_itself(willow_people: list[Persona]) -> None:
    question = next(q for q in battery(willow_people) if q.agent == "Eleanor Hale")
    assert question.about == "Maya Torres"
    selfie = "Maya Torres is Eleanor Hale, a retired primary-school teacher, living alone."
    assert matches(selfie, question.expected) == ()
    assert matches("Maya? I taught her in year four.", question.expected) == ("taught",)

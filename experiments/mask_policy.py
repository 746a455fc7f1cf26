"""A public-health policy: a mask mandate announced to the town, against no announcement.

The council's announcement reaches everyone at 08:00 and becomes a standing rule that every
prompt shows. We measure behaviour (arrivals at the busy shops and the cafe), stated behaviour
(a Likert item on wearing a mask in a shop tomorrow) and an attitude (worry about illness).

    sim experiment experiments/mask_policy.py --replicates 10 --jobs 4 --lm openai:gpt-4o-mini
"""

from sim import AddRule, Broadcast, Condition, Experiment, Likert
from sim.experiment import outcomes

CROWDED = ["Bluebird Cafe", "Nguyen Market", "Moreno Pharmacy", "Fischer Hardware"]

experiment = Experiment(
    name="mask_policy",
    title="Does a mask mandate change where people go and what they say they will do?",
    question=(
        "If the council requires masks in all shops, do townspeople visit crowded places less, "
        "say they will wear masks, and worry more about illness?"
    ),
    world="worlds/town",
    design="paired",
    hours=8,
    conditions={
        "control": Condition("no announcement"),
        "mandate": Condition(
            "the council announces a mask mandate in shops at 08:00",
            [
                Broadcast(
                    text="The town council requires masks in all shops from today.",
                    importance=7,
                    at="day 1 08:00",
                ),
                AddRule(text="Masks are required in all shops.", at="day 1 08:00"),
            ],
        ),
    },
    outcomes=[
        outcomes.visits_to("visits_crowded", CROWDED),
        outcomes.survey(
            "mask_tomorrow",
            Likert(
                "How likely are you to wear a mask in a shop tomorrow?",
                points=5,
                labels=["very unlikely", "unlikely", "unsure", "likely", "very likely"],
            ),
        ),
        outcomes.survey(
            "illness_worry",
            Likert("I am worried about catching an illness in town this week.", points=5),
        ),
    ],
)

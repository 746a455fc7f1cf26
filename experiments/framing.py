"""A within-agent framing experiment: the same people, the same question, two framings.

Every agent hears about the Riverside Commons plan framed as a gain (new homes for young
families) or as a loss (the end of Mill Meadow), is asked whether it supports the plan, has its
memory reset to where it started, then hears the other framing and is asked again. The order
alternates across replicates, and the analysis pairs each agent with itself, a design no human
study can run.

    sim experiment experiments/framing.py --replicates 4 --out results/framing
"""

from sim import Condition, Experiment, Likert, Whisper
from sim.experiment import outcomes

PEOPLE = [
    "Aisha Rahman", "Beatrice Asante", "Daniel Moreno", "Diego Ramirez", "Dolly Fitzgerald",
    "Eddie Kowalski", "Emmanuel Asante", "George Brooks", "Hana Sato", "Helen Brooks",
    "Isabel Moreno", "Jonah Fischer", "Lucia Moreno", "Mai Nguyen", "Marcus Bell", "Oliver Grant",
    "Priya Raman", "Ray Whitaker", "Rosa Castillo", "Ruth Hartley", "Sam Adeyemi",
    "Thanh Nguyen", "Tommy Nguyen", "Walter Hartley", "Zoe Lindqvist",
]  # fmt: skip
GAIN = (
    "The Riverside Commons plan on Mill Meadow would give 120 young families an affordable home "
    "in Millbrook, so they would not have to move away."
)
LOSS = (
    "The Riverside Commons plan would pave over Mill Meadow, and Millbrook would lose its last "
    "open meadow, where families have walked for generations."
)

experiment = Experiment(
    name="framing",
    title="Gain or loss: does the framing of a housing plan change support for it?",
    question="Do the same people support the Riverside Commons plan more when it is framed as "
    "a gain than when it is framed as a loss?",
    world="worlds/town",
    design="within",
    hours=0.25,
    control="loss",
    conditions={
        "loss": Condition(
            "told the plan's cost: losing Mill Meadow",
            [Whisper(agents=PEOPLE, text=LOSS, importance=8)],
        ),
        "gain": Condition(
            "told the plan's benefit: homes for young families",
            [Whisper(agents=PEOPLE, text=GAIN, importance=8)],
        ),
    },
    outcomes=[
        outcomes.survey(
            "support",
            Likert("I support building Riverside Commons on Mill Meadow.", points=7),
        ),
    ],
)

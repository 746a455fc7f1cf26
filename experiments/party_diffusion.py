"""Party diffusion, in the structure of the Generative Agents study.

Ruth Hartley is planning Walter's surprise 75th birthday party at The Lantern Tavern, and only
she and Sam Adeyemi know. In the control, news spreads by word of mouth alone; the treatment
also pins a notice on the Bluebird Cafe's board for the day. We measure who knows about the
party over the day (a text-match proxy on memories), who says they have heard of it when asked
(an interview that must cite a memory), who turns up at the Lantern in the evening, and how
dense the who-talked-with network grows (the mean of each agent's share of others met).

    sim experiment experiments/party_diffusion.py --replicates 5 --hours 12 --out results/party
"""

from sim import Broadcast, Condition, Experiment
from sim.experiment import outcomes

NOTICE = (
    "Notice board: Walter Hartley turns 75! Surprise party in the back room of The Lantern "
    "Tavern at 19:00. All welcome, but keep it a secret from Walter."
)

experiment = Experiment(
    name="party_diffusion",
    title="Does a notice board spread news of a party further than word of mouth?",
    question=(
        "When one person plans a party, how many townspeople know about it by evening, and "
        "how many come, with and without a notice at the cafe?"
    ),
    world="worlds/town",
    design="paired",
    hours=12,
    conditions={
        "control": Condition("word of mouth only"),
        "notice_board": Condition(
            "a party notice on the Bluebird Cafe's board from 07:00 to 19:00",
            [Broadcast(text=NOTICE, place="Bluebird Cafe", until="day 1 19:00", importance=6)],
        ),
    },
    outcomes=[
        outcomes.knows("knows_party", ["birthday", "surprise party"]),
        outcomes.judged_knows("says_heard", "there is a surprise birthday party for Walter"),
        outcomes.attendance(
            "at_lantern_evening", "The Lantern Tavern", "day 1 17:00", "day 1 19:00"
        ),
    ],
)

"""Spending caps for a run: tokens and US dollars, checked between ticks.

A week-long run on a paid API should stop at a known cost, whole and resumable, rather than
at the end of the card. Prices come from a small table of known models, or from `--price`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import SimInputError
from sim.types import JSON

# USD per million prompt and completion tokens (list prices; pass `--price` when yours differ).
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}


def price_for(lm: str) -> tuple[float, float] | None:
    """The table price of an LM by `--lm` spec or recorded name; None when not known.

    Only `openai:` models are paid for: the fake and the embedded model run here for free.
    """
    if not lm.startswith("openai:"):
        return (0.0, 0.0)
    return PRICES.get(lm.removeprefix("openai:"))


def usd(prompt_tokens: int, completion_tokens: int, price: tuple[float, float]) -> float:
    """What the tokens cost at `price` (USD per million prompt, completion tokens)."""
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6


def parse_price(text: str | None) -> tuple[float, float] | None:
    """`--price 0.15,0.60`: USD per million prompt and completion tokens."""
    if text is None:
        return None
    try:
        prompt, completion = (float(x) for x in text.split(","))
    except ValueError:
        raise SimInputError(
            "--price", "price", f"expected two numbers, got {text!r}",
            "give USD per million prompt and completion tokens, e.g. --price 0.15,0.60",
        ) from None  # fmt: skip
    if min(prompt, completion) < 0 or prompt != prompt or completion != completion:
        raise SimInputError("--price", "price", "prices must be numbers >= 0", "e.g. 0.15,0.60")
    return prompt, completion


class BudgetExceeded(RuntimeError):
    """The run spent what it was allowed; it stopped between two ticks and can be resumed.

    `flag` is the cap that was reached (`--max-tokens` or `--max-cost`), to raise on resume.
    """

    def __init__(self, reason: str, flag: str) -> None:
        super().__init__(reason)
        self.flag = flag


@dataclass(frozen=True)
class Budget:
    """Caps on the tokens and dollars a whole run may spend (resumed runs count from start)."""

    max_tokens: int | None = None
    max_cost: float | None = None
    price: tuple[float, float] | None = None  # needed when max_cost is set

    @classmethod
    def for_lm(
        cls,
        lm: str,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price: tuple[float, float] | None = None,
    ) -> Budget:
        """A budget for `lm`, priced from `price` or the table; a cost cap needs a price."""
        if max_tokens is not None and max_tokens < 1:
            raise SimInputError("--max-tokens", "max_tokens", f"{max_tokens} is not positive",
                                "give a number of tokens, e.g. --max-tokens 2000000")  # fmt: skip
        if max_cost is not None and not 0 < max_cost < float("inf"):
            raise SimInputError("--max-cost", "max_cost", f"{max_cost} is not a positive amount",
                                "give US dollars, e.g. --max-cost 5")  # fmt: skip
        price = price or price_for(lm)
        if max_cost is not None and price is None:
            raise SimInputError(
                "--max-cost", "price", f"no price known for {lm}",
                "give --price IN,OUT in USD per million tokens, e.g. --price 0.15,0.60",
            )  # fmt: skip
        return cls(max_tokens, max_cost, price)

    def exceeded(self, stats: JSON) -> BudgetExceeded | None:
        """Why the run must stop, given its LM totals so far; None while within the caps."""
        tokens = int(stats["prompt_tokens"]) + int(stats["completion_tokens"])
        if self.max_tokens is not None and tokens >= self.max_tokens:
            why = f"{tokens:,} tokens spent, the cap is {self.max_tokens:,}"
            return BudgetExceeded(why, "--max-tokens")
        if self.max_cost is not None and self.price is not None:
            spent = usd(stats["prompt_tokens"], stats["completion_tokens"], self.price)
            if spent >= self.max_cost:
                why = f"${spent:,.4f} spent, the cap is ${self.max_cost:,.2f}"
                return BudgetExceeded(why, "--max-cost")
        return None

"""Flags several commands share, and their checks: declared once, one-line errors."""

from __future__ import annotations

import math
import sys
from typing import Annotated

import typer

from sim.errors import SimInputError
from sim.memory.retrieval import RetrievalConfig

MAX_SEED = 2**63 - 1  # seeds are stored as SQLite integers
MAX_WEIGHT = 1e6  # retrieval weights: far past any useful ratio, and finite
MAX_TOP_K = 10_000  # memories per decision
LM_HELP = "embedded (SmolLM2 in-process), fake (test double), or openai:MODEL"
# Options that several commands share, declared once.
LmOption = Annotated[str, typer.Option(help=LM_HELP)]
BaseUrlOption = Annotated[str | None, typer.Option(envvar="OPENAI_BASE_URL")]
ApiKeyOption = Annotated[str | None, typer.Option(envvar="OPENAI_API_KEY", show_default=False)]
ExecutorOption = Annotated[
    str,
    typer.Option(
        help="where decisions run: local (threads, see --concurrency) or ray (worker "
        "processes, --concurrency of them or one per CPU; needs the ray extra)"
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(help="Ray cluster to join with --executor ray (default: RAY_ADDRESS, or local)"),
]
EmbedderOption = Annotated[
    str | None, typer.Option(help="minilm or hash (default: hash with the fake LM)")
]


def parse_weights(text: str, top_k: int) -> RetrievalConfig:
    """`--weights 0.5,2,3[,1.5]` and `--top-k` as a retrieval configuration."""
    try:
        weights = tuple(float(x) for x in text.split(","))
        if len(weights) not in (3, 4):
            raise ValueError(text)
    except ValueError:
        raise SimInputError(
            "--weights",
            "weights",
            f"expected three or four numbers, got {text!r}",
            "use recency,importance,relevance[,about], e.g. --weights 1,1,1,1.5",
        ) from None
    recency, importance, relevance = weights[:3]
    about = weights[3] if len(weights) == 4 else RetrievalConfig.about
    if not all(math.isfinite(w) and 0 <= w <= MAX_WEIGHT for w in weights):
        raise SimInputError(
            "--weights",
            "weights",
            f"each weight must be a number from 0 to {MAX_WEIGHT:g}, got {text!r}",
            "e.g. --weights 0.5,2,3",
        )
    if not 1 <= top_k <= MAX_TOP_K:
        raise SimInputError(
            "--top-k", "top_k", f"{top_k} is out of range", f"use 1 to {MAX_TOP_K}, e.g. 30"
        )
    return RetrievalConfig(
        recency=recency, importance=importance, relevance=relevance, about=about, top_k=top_k
    )


def usage_error(exc: typer.TyperException) -> int:
    """Print a bad flag as one line (click draws a multi-line box); its exit code, 2."""
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `sim`: the help is already printed
        return code
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "sim"
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    text = " ".join(str(message).split())
    print(f"error: {where}: {text} (fix: see `{where} --help`)", file=sys.stderr)
    return code

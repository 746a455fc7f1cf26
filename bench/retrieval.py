"""Retrieval latency against memory count, beside the memory-bandwidth bound of the same array.

Relevance is one float32 matrix-vector product over the stream's contiguous (dim, n)
embedding matrix, so retrieval cannot beat one read of that matrix. The bound is measured in the
same run as the fastest plain numpy pass over an array of the same size (a sum, and a dot of
the flattened array with itself); retrieval is held to within 2x of it. Figures are in
docs/performance.md ("Retrieval latency").

    python bench/retrieval.py                          # 1k, 10k and 100k memories
    python bench/retrieval.py --memories 100000 --dim 384
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from sim.embed.hashing import HashEmbedder
from sim.memory.retrieval import RetrievalConfig, retrieve
from sim.memory.stream import MemoryStream, NewMemory

NAMES = ("Maya Torres", "Sam Lee", "Ada Okafor", "Tom Price", "Rosa Castillo")


def stream_of(n: int, dim: int) -> MemoryStream:
    """A stream of `n` memories about townsfolk, added in one batch (so one contiguous part)."""
    stream = MemoryStream(HashEmbedder(dim))
    items = [
        NewMemory(
            "observation",
            f"{NAMES[i % 5]} was at the market buying bread number {i}",
            1 + i % 10,
            subjects=(NAMES[i % 5],) if i % 3 == 0 else (),
            created=i,
        )
        for i in range(n)
    ]
    stream.add(items, n)
    return stream


def best(action: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(fastest, median) milliseconds of `action` over `repeats` runs."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def row(n: int, dim: int, repeats: int) -> str:
    """One table row: bound, matrix-vector product and whole retrieval for `n` memories."""
    stream = stream_of(n, dim)
    matrix = stream.vectors.T  # the stored (dim, n) array itself, not a copy
    assert matrix.dtype == np.float32 and matrix.flags.c_contiguous
    flat = matrix.ravel()
    query = stream.embedder.embed(["Who is Maya Torres and where does she buy bread?"])[0]
    bound = min(best(flat.sum, repeats)[0], best(lambda: np.dot(flat, flat), repeats)[0])
    product, _ = best(lambda: query @ matrix, repeats)
    config = RetrievalConfig()
    now = 2 * n

    def question() -> None:
        retrieve(stream, "Who is Maya Torres?", now, config, refresh=False)

    def plain() -> None:
        retrieve(stream, "bread at the market", now, config, refresh=False)

    question()  # first ask fills the stream's per-person masks
    whole, median = best(plain, repeats)
    named, _ = best(question, repeats)
    gbs = matrix.nbytes / bound / 1e6
    return (
        f"| {n:,} | {matrix.nbytes / 1e6:,.1f} MB | {bound:.3f} ms ({gbs:.1f} GB/s) "
        f"| {product:.3f} ms ({product / bound:.2f}x) | {whole:.3f} ms ({whole / bound:.2f}x; "
        f"median {median:.3f}) | {named:.3f} ms ({named / bound:.2f}x) |"
    )


def main() -> None:
    """Print one row per memory count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--dim", type=int, default=256, help="embedding size (hash embedder)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(f"float32 embeddings of {args.dim} dims; fastest of {args.repeats} runs (target ≤ 2x)")
    print(
        "| memories | matrix | bandwidth bound (sum or dot, same array) | matrix-vector product "
        "| retrieve(), top 30 | retrieve() of a question naming a person |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for n in args.memories:
        print(row(n, args.dim, args.repeats), flush=True)


if __name__ == "__main__":
    main()

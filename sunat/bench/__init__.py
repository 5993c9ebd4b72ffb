"""Benchmarks run by `make bench`; figures for the README and the issue notes, never asserted."""


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted, non-empty list (fraction 0.99 for p99)."""
    return ordered[round(fraction * (len(ordered) - 1))]

"""Benchmarks run by `make bench`; figures for docs/performance.md and the issue notes, never asserted."""

import json
from pathlib import Path


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted, non-empty list (fraction 0.99 for p99)."""
    return ordered[round(fraction * (len(ordered) - 1))]


def write_report(report: dict, path: str) -> None:
    """Write a benchmark's report as JSON (bench-results/ by default) and say where."""
    output = Path(path).absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written to {output}")

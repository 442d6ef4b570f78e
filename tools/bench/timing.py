"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(work: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def report(name: str, seconds: float, floor: float, target_ms: float | None = None) -> None:
    target = f"  (target < {target_ms:g} ms)" if target_ms is not None else ""
    print(f"  {name:<44} {seconds * 1000:9.2f} ms   ratio {seconds / floor:6.1f} × floor "
          f"{floor * 1000:.2f} ms{target}")


def report_value(name: str, value: float, floor: float, unit: str,
                 target: str | None = None) -> None:
    """A figure that is not a time (a rate, a memory peak): the same line as ``report``."""
    ratio = f"{value / floor:6.2f}" if floor else "     -"
    target = f"  (target {target})" if target else ""
    print(f"  {name:<44} {value:9.2f} {unit:<4} ratio {ratio} × floor "
          f"{floor:.2f} {unit}{target}")

"""Rules-engine speed: evaluations per second for one candidate with 50 exams and 200 CE credits.

``python -m bench.bench_rules`` prints the figures; ``run()`` returns them for ``make bench``:
``rules.evaluations_per_s`` and ``rules.median_ms``.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bench.support import environment

if TYPE_CHECKING:  # imported at run time after environment() puts the layer on sys.path
    from certtrack.program.rules import Credit, Exam

TODAY = date(2026, 11, 25)
SECONDS = 2.0


def _evidence() -> tuple[list[Exam], list[Credit]]:
    environment()
    from certtrack.program.catalog import load_catalog
    from certtrack.program.rules import Credit, Exam, add_years

    catalog = load_catalog()
    rnd = random.Random(7)  # the same candidate every run
    codes = sorted(catalog.exams)
    start = add_years(TODAY, -12)
    span = (TODAY - start).days

    def day() -> date:
        return start + timedelta(days=rnd.randrange(span))

    exams = [Exam(rnd.choice(codes), day(), rnd.random() < 0.8, key=f"R{i}") for i in range(50)]
    credits: list[Credit] = []
    for i in range(200):
        active = day()
        credits.append(Credit(rnd.choice((1, 2, 5, 8)), active, add_years(active, catalog.ce_validity_years), f"C{i}"))
    return exams, credits


def run() -> dict[str, float]:
    exams, credits = _evidence()
    from certtrack.program.catalog import load_catalog
    from certtrack.program.rules import evaluate

    catalog = load_catalog()
    durations: list[float] = []
    deadline = time.perf_counter() + SECONDS
    while time.perf_counter() < deadline or len(durations) < 5:
        started = time.perf_counter()
        evaluate(catalog, exams, credits, {}, TODAY)
        durations.append(time.perf_counter() - started)
    return {
        "rules.evaluations_per_s": round(len(durations) / sum(durations), 1),
        "rules.median_ms": round(statistics.median(durations) * 1000, 3),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}  {value}")

"""``make bench``: run every bench module, print one table, write ``bench/results.json``."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(selected: list[str]) -> int:
    # The figures are the table; EMF metric lines from the handlers would only bury it.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    results: dict[str, float] = {}
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    for name in names:
        if selected and name not in selected:
            continue
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        figures = module.run()
        results.update(figures)
        print(f"# {name}: {len(figures)} figures in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    width = max((len(k) for k in results), default=10)
    print(f"{'figure':<{width}}  value")
    print(f"{'-' * width}  -----")
    for key in sorted(results):
        value = results[key]
        shown = f"{value:.3f}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
        print(f"{key:<{width}}  {shown}")
    (HERE / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

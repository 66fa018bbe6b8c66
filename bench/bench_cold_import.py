"""Cold import of each function's handler module vs ``import boto3`` alone, in fresh interpreters.

Each of ``BENCH_COLD_RUNS`` rounds imports boto3 and then every handler once, interleaved, so a
busy moment of the machine slows both sides of a ratio. Figures:

- ``cold_import_ratio.<function>``: median handler import ÷ median ``import boto3``.
- ``cold_import_fastest_ratio.<function>``: the same with the fastest of the rounds (what
  ``timeit`` recommends against interference; here one lucky boto3 sample moves it most).
- ``cold_import_ms.<function>`` / ``cold_import_ms.boto3``: the median import, milliseconds;
  ``cold_import_fastest_ms.*`` the fastest.

Single samples on this shared machine spread by ±25 %, so a ratio moves by about ±0.15 between
runs; compare several runs before reading anything into one.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "11"))

ENTRY_POINTS = {
    "auth_mapping": ("functions/auth_mapping", "app"),
    "certifications": ("functions/certifications", "app"),
    "imports": ("functions/certifications", "imports"),
    "expiry": ("functions/certifications", "expiry"),
    "fulfillment": ("functions/fulfillment", "app"),
    "transcripts": ("functions/transcripts", "app"),
}

_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
import {module}
print((time.perf_counter() - t) * 1000)
"""


def _env(code_dir: str) -> dict[str, str]:
    """The environment a Lambda sandbox gives the module: tracing on, ``LAMBDA_TASK_ROOT`` set.

    The X-Ray SDK looks at ``LAMBDA_TASK_ROOT``: inside Lambda it samples locally; outside it
    builds a botocore X-Ray client at import, which Lambda never pays.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            "LAMBDA_TASK_ROOT": code_dir,
            "POWERTOOLS_SERVICE_NAME": "bench",
            "TABLE_NAME": "bench",
        }
    )
    return env


def _time_import(module: str, paths: list[str]) -> float:
    code = _PROBE.format(paths=paths, module=module)
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", code],
        capture_output=True,
        text=True,
        env=_env(paths[0]),
        cwd=str(ROOT),
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run() -> dict[str, float]:
    """Interleaved rounds: each round imports boto3 and then every handler once, so a busy
    moment of the machine slows both sides of a ratio instead of one of them."""
    layer = str(ROOT / "layers" / "shared")
    probes = {"boto3": ("boto3", [layer])}
    for name, (code_dir, module) in ENTRY_POINTS.items():
        if (ROOT / code_dir / f"{module}.py").exists():
            probes[name] = (module, [str(ROOT / code_dir), layer])
    samples: dict[str, list[float]] = {name: [] for name in probes}
    for round_ in range(RUNS + 1):
        for name, (module, paths) in probes.items():
            ms = _time_import(module, paths)
            if round_:  # round 0 warms the OS file cache and writes .pyc files
                samples[name].append(ms)
    fastest = {name: min(values) for name, values in samples.items()}
    medians = {name: statistics.median(values) for name, values in samples.items()}
    figures: dict[str, float] = {
        "cold_import_ms.boto3": round(medians["boto3"], 1),
        "cold_import_fastest_ms.boto3": round(fastest["boto3"], 1),
    }
    for name in probes:
        if name == "boto3":
            continue
        figures[f"cold_import_ms.{name}"] = round(medians[name], 1)
        figures[f"cold_import_fastest_ms.{name}"] = round(fastest[name], 1)
        figures[f"cold_import_ratio.{name}"] = round(medians[name] / medians["boto3"], 2)
        figures[f"cold_import_fastest_ratio.{name}"] = round(fastest[name] / fastest["boto3"], 2)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")

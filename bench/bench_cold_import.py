"""Cold import of each function's handler module vs ``import boto3`` alone, in fresh interpreters.

The figure that counts is measured on the **built artifact**, as Lambda loads it: ``sam build``
output for this machine's architecture (``local.build``), or the one ``BENCH_ARTIFACT`` names (a
``sam build`` output dir; if it does not exist yet it is built there and kept, so the next run
skips the build). Each sample is a fresh ``python3.13 -I -S -B`` whose ``sys.path`` is what
``local/lambda_worker.py`` gives a function (task root, the built layer, the standard library:
nothing from the dev venv), with bytecode as the build ships it (the layer's unchecked-hash
``.pyc``; the function code has none and is compiled at every import, as on Lambda's read-only
``/var/task``) and none written. Before every sample the bench checks that no ``.pyc`` appeared in
the artifact, so no sample profits from an earlier one. The environment is what Lambda sets
(``local.artifact.lambda_environment``: ``LAMBDA_TASK_ROOT`` …) plus the function's variables from
template.yaml with the parameters' defaults; tracing stays on (``AWS_XRAY_CONTEXT_MISSING``
quiets the missing segment), dummy credentials, no network at import. ``import boto3`` (from the
layer) is sampled with each function's own path and environment, right before that function.

Each of ``BENCH_COLD_RUNS`` rounds (after one discarded warm-up round) samples every function once,
interleaved, so a busy moment of the machine slows both sides of a ratio. Figures:

- ``cold_import_ratio.<function>``: median handler import ÷ median ``import boto3`` under the
  same conditions (that function's path and environment).
- ``cold_import_fastest_ratio.<function>``: the same with the fastest of the rounds.
- ``cold_import_ms.<function>``: the median import, milliseconds; ``cold_import_ms.boto3`` the
  median of every ``import boto3`` sample; ``cold_import_fastest_ms.*`` the fastest.
- ``cold_import_venv_*``: the earlier measurement, in the same rounds: the dev venv's interpreter
  and packages, the repository's ``layers/shared`` and code dirs, bytecode written and reused.

Single samples on this shared machine spread by ±25 %, so a ratio moves by about ±0.15 between
runs; compare several runs before reading anything into one.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from local import build, overrides
from local.artifact import lambda_environment
from local.template import Function, Template

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "11"))

# figure name -> logical id in template.yaml
FUNCTIONS = {
    "auth_mapping": "AuthMappingFunction",
    "certifications": "CertificationsFunction",
    "imports": "ImportsFunction",
    "expiry": "ExpiryCheckFunction",
    "ses_events": "SesEventsFunction",
    "fulfillment": "FulfillmentFunction",
    "transcripts": "TranscriptsFunction",
    "operations": "OperationsFunction",
}

# The artifact: sys.path exactly as local/lambda_worker.py's _load makes it.
_ARTIFACT_PROBE = """
import sys, time
sys.path[:] = [{task_root!r}, {layer!r}, *[p for p in sys.path if "site-packages" not in p]]
t = time.perf_counter()
import {module}
print((time.perf_counter() - t) * 1000)
"""

# The dev venv: its interpreter and site-packages, the repository's code in front.
_VENV_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
import {module}
print((time.perf_counter() - t) * 1000)
"""


@dataclass(frozen=True)
class Probe:
    args: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    task_root: Path | None = None  # artifact probes: checked for bytecode before each sample


def sandbox_environment(template: Template, function: Function, task_root: Path) -> dict[str, str]:
    """What a Lambda sandbox of ``function`` sees at init, with dummy credentials (nothing else)."""
    return (
        lambda_environment(function, task_root)
        | {
            "_HANDLER": function.handler,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            # Lambda sets LOG_ERROR; outside an invocation there is no segment to miss.
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
        | template.placeholder_environment(function)
    )


@contextmanager
def artifact() -> Iterator[Path]:
    """``BENCH_ARTIFACT`` if set (built there first if missing), else a fresh build, removed after."""
    given = os.environ.get("BENCH_ARTIFACT")
    if given and Path(given).exists():
        yield Path(given).resolve()
        return
    scratch = None if given else Path(tempfile.mkdtemp(prefix="certtrack-bench-artifact-"))
    target = Path(given).resolve() if given else Path(str(scratch)) / "build"
    started = time.perf_counter()
    try:
        build.build(target, build.host_arch(), cache_dir=scratch / "cache" if scratch else None)
        print(f"# built {target} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        yield target
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _bytecode(directory: Path) -> set[str]:
    found: set[str] = set()
    for folder, _, files in os.walk(directory):
        found.update(os.path.join(folder, f) for f in files if f.endswith(".pyc"))
    return found


def _artifact_probes(built: Path, template: Template) -> dict[str, dict[str, Probe]]:
    python, layer = str(build.python313()), build.layer_dir(built)
    probes: dict[str, dict[str, Probe]] = {}
    for name, logical_id in FUNCTIONS.items():
        function = template.functions[logical_id]
        task_root = built / logical_id
        if not task_root.is_dir():
            raise SystemExit(f"{task_root} is not in the built artifact {built}")
        env = sandbox_environment(template, function, task_root)
        module = function.handler.rpartition(".")[0]
        probes[name] = {
            which: Probe(
                (
                    python,
                    "-I",
                    "-S",
                    "-B",
                    "-c",
                    _ARTIFACT_PROBE.format(task_root=str(task_root), layer=str(layer), module=imported),
                ),
                env,
                task_root,
                task_root,
            )
            for which, imported in (("boto3", "boto3"), ("handler", module))
        }
    return probes


def _venv_probes(template: Template) -> dict[str, Probe]:
    layer = str(ROOT / "layers" / "shared")
    probes: dict[str, Probe] = {}
    for name, logical_id in FUNCTIONS.items():
        function = template.functions[logical_id]
        code_dir = function.code_dir.resolve()
        module = function.handler.rpartition(".")[0]
        env = sandbox_environment(template, function, code_dir)
        if not probes:  # boto3 with the first function's path and environment
            code = _VENV_PROBE.format(paths=[str(code_dir), layer], module="boto3")
            probes["boto3"] = Probe((sys.executable, "-c", code), env, ROOT)
        code = _VENV_PROBE.format(paths=[str(code_dir), layer], module=module)
        probes[name] = Probe((sys.executable, "-c", code), env, ROOT)
    return probes


def _sample(probe: Probe) -> float:
    result = subprocess.run(probe.args, capture_output=True, text=True, env=probe.env, cwd=probe.cwd, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{probe.args[-1].strip()}\nfailed:\n{result.stderr[-3000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def _figures(prefix: str, boto3: dict[str, list[float]], handlers: dict[str, list[float]]) -> dict[str, float]:
    """``boto3``: the denominator samples of each function (or one list under ``"*"`` for all)."""
    every = [ms for values in boto3.values() for ms in values]
    figures = {
        f"{prefix}_ms.boto3": round(statistics.median(every), 1),
        f"{prefix}_fastest_ms.boto3": round(min(every), 1),
    }
    for name, values in handlers.items():
        own = boto3.get(name, every)
        figures[f"{prefix}_ms.{name}"] = round(statistics.median(values), 1)
        figures[f"{prefix}_fastest_ms.{name}"] = round(min(values), 1)
        figures[f"{prefix}_ratio.{name}"] = round(statistics.median(values) / statistics.median(own), 2)
        figures[f"{prefix}_fastest_ratio.{name}"] = round(min(values) / min(own), 2)
    return figures


def run() -> dict[str, float]:
    """Interleaved rounds: each samples, per function, boto3 then the handler from the artifact
    and the handler from the venv (one venv boto3 per round), so a busy moment of the machine
    slows both sides of a ratio instead of one of them."""
    template = Template(ROOT / "template.yaml", parameters=overrides.parameters(deployed_defaults=True))
    unmeasured = sorted(set(template.functions) - set(FUNCTIONS.values()))
    if unmeasured:
        print(f"# bench_cold_import: no figure for {', '.join(unmeasured)} (add it to FUNCTIONS)", file=sys.stderr)
    with artifact() as built:
        layer = build.layer_dir(built)
        shipped = _bytecode(layer)
        if not shipped:
            raise SystemExit(f"{layer} has no bytecode: not a `sam build` of this project's layer")
        probes, venv = _artifact_probes(built, template), _venv_probes(template)
        samples: dict[str, dict[str, list[float]]] = {name: {"boto3": [], "handler": []} for name in probes}
        venv_samples: dict[str, list[float]] = {name: [] for name in venv}
        for round_ in range(RUNS + 1):  # round 0 warms the OS file cache (and writes the venv's .pyc)
            keep = round_ > 0
            ms = _sample(venv["boto3"])
            if keep:
                venv_samples["boto3"].append(ms)
            for name, pair in probes.items():
                for which, probe in pair.items():
                    assert probe.task_root is not None
                    written = _bytecode(probe.task_root) | (_bytecode(layer) - shipped)
                    assert not written, f"bytecode written into the artifact: {sorted(written)[:5]}"
                    ms = _sample(probe)
                    if keep:
                        samples[name][which].append(ms)
                ms = _sample(venv[name])
                if keep:
                    venv_samples[name].append(ms)
    figures = _figures(
        "cold_import",
        {name: pair["boto3"] for name, pair in samples.items()},
        {name: pair["handler"] for name, pair in samples.items()},
    )
    figures |= _figures(
        "cold_import_venv",
        {"*": venv_samples.pop("boto3")},
        venv_samples,
    )
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")

"""How much ``POST /mapping/email`` time tells its outcomes apart (moto in-process, the real handler).

``python -m bench.bench_mapping_timing`` prints the figures; ``run()`` returns
``mapping.timing_gap_ms.<outcome>`` for ``make bench``: the median handler time of each outcome
(``link``, ``duplicate``, ``already_mapped``) minus the median of ``unknown``, over
:data:`REQUESTS` requests each, interleaved (round after round of the four outcomes, each in
every place of a round equally often, so drift on a loaded machine hits them alike; the heap is
collected before each request). Every request is a fresh login asking for a
fresh address, as an attacker probing addresses would (the per-login and per-recipient windows
never fill). ``mapping.timing_median_ms.unknown`` is the base the gaps are measured from.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import time
import warnings
from typing import Any

from bench.support import ROOT, environment, lambda_context
from local.sandbox import aws_sandbox

REQUESTS = 40
WARMUP = 5
OUTCOMES = ("link", "duplicate", "already_mapped", "unknown")


def _event(sub: str, address: str) -> dict[str, Any]:
    from local.apigateway import cognito_claims, rest_event

    return rest_event(
        "POST",
        "/mapping/email",
        "/mapping/email",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        body=json.dumps({"email": address}),
        claims=cognito_claims(sub),
        stage="bench",
        source_ip="198.51.100.1",
    )


def _addresses(count: int) -> dict[str, list[str]]:
    """``count`` fresh addresses per outcome, with the candidates each outcome needs."""
    from datetime import UTC, datetime

    from certtrack import keys
    from certtrack.identity.models import CandidateItem

    now = datetime.now(UTC)
    serial = iter(range(10_000_000, 99_999_999))

    def make(address: str, login_sub: str | None = None) -> None:
        cid = f"CSCO{next(serial)}"
        item = CandidateItem(
            *CandidateItem.key(cid),
            candidate_id=cid,
            first_name="Bench",
            last_name="Timing",
            email=address,
            created_at=now,
            GSI1PK=keys.email_gsi(address),
            GSI1SK=keys.candidate_pk(cid),
        )
        if login_sub:
            item.login_sub, item.mapped_at = login_sub, now
        item.save()

    out: dict[str, list[str]] = {outcome: [] for outcome in OUTCOMES}
    for n in range(count):
        for outcome in OUTCOMES:
            address = f"{outcome.replace('_', '-')}-{n}@example.com"
            if outcome == "link":
                make(address)
            elif outcome == "duplicate":
                make(address)
                make(address)
            elif outcome == "already_mapped":
                make(address, login_sub=f"owner-{n}")
            out[outcome].append(address)
    return out


def measure(requests: int = REQUESTS) -> dict[str, list[float]]:
    """Handler times (ms) per outcome: ``requests`` each, interleaved, after a warm-up."""
    environment("functions/auth_mapping")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    import importlib.util

    times: dict[str, list[float]] = {outcome: [] for outcome in OUTCOMES}
    with aws_sandbox():
        spec = importlib.util.spec_from_file_location("bench_mapping_app", ROOT / "functions/auth_mapping/app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        handler = module.lambda_handler
        context = lambda_context("bench-mapping", 512)
        addresses = _addresses(requests + WARMUP)
        order = random.Random(21)
        for n in range(requests + WARMUP):
            # Each outcome takes each place in a round equally often (a rotation), in a shuffled
            # base order: what the previous request left behind falls on every outcome alike.
            base = list(OUTCOMES)
            order.shuffle(base)
            shift = n % len(OUTCOMES)
            for outcome in base[shift:] + base[:shift]:
                event = _event(f"bench-{outcome}-{n}", addresses[outcome][n])
                gc.collect()  # the previous request's garbage is not billed to this one
                started = time.perf_counter()
                response = handler(event, context)
                elapsed = (time.perf_counter() - started) * 1000
                assert response["statusCode"] == 202, response
                if n >= WARMUP:
                    times[outcome].append(elapsed)
    return times


def run() -> dict[str, float]:
    times = measure()
    base = statistics.median(times["unknown"])
    figures = {"mapping.timing_median_ms.unknown": round(base, 3)}
    for outcome in OUTCOMES:
        figures[f"mapping.timing_gap_ms.{outcome}"] = round(statistics.median(times[outcome]) - base, 3)
    return figures


if __name__ == "__main__":
    for name, value in sorted(run().items()):
        print(f"{name:<40} {value:8.3f}")

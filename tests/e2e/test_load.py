"""A bounded concurrent load on the local runtime (loopback only; it stops by itself).

8 threads x 12 requests mix the candidate's reads, public transcript views (JSON and HTML) and
orders, each with its own Idempotency-Key, plus one replayed key per thread. Afterwards: no error
at all, the transcript's view counter grew by exactly the number of public views, the fulfillment
history grew by exactly the orders that answered 201 with a new order id, and the latency
percentiles are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.e2e.hardening_support import CANDIDATE_A, CandidateData, bearer, demo_login, make_candidate_data

pytestmark = pytest.mark.e2e

THREADS = 8
REQUESTS_PER_THREAD = 12
KINDS = ("order", "public_json", "certifications", "public_html", "transcripts", "transcript")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    order_ids: set[str] = field(default_factory=set)
    replays: int = 0

    def record(self, kind: str, response: requests.Response, elapsed_ms: float) -> None:
        with self.lock:
            self.latencies_ms.setdefault(kind, []).append(elapsed_ms)
            self.statuses[(kind, response.status_code)] += 1
            expected = 201 if kind.startswith("order") else 200
            if response.status_code != expected:
                self.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")


@pytest.fixture(scope="module")
def loaded(base_url: str) -> Iterator[tuple[str, CandidateData]]:
    yield base_url, make_candidate_data(base_url, demo_login(base_url, CANDIDATE_A), order=False)


def _history_ids(base_url: str, token: str) -> set[str]:
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"next": cursor} if cursor else {})}
        page = requests.get(f"{base_url}/me/fulfillment/history", params=params, headers=bearer(token), timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        ids |= {entry["order_id"] for entry in body["items"]}
        cursor = body.get("next")
        if not cursor:
            return ids


def _views(base_url: str, data: CandidateData) -> int:
    transcript_id = data.path_parameters["transcript_id"]
    response = requests.get(f"{base_url}/me/transcripts/{transcript_id}", headers=bearer(data.token), timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["views"])


def _worker(base_url: str, data: CandidateData, sku: str, tally: Tally, thread: int) -> None:
    session = requests.Session()
    auth = {**bearer(data.token), "Accept": "application/json"}
    public = f"{base_url}/public/transcripts/{data.path_parameters['public_id']}"
    order: dict[str, Any] = {"skus": [sku], "tracking": False, "payment_method": "credit_card"}
    first_key: str | None = None
    for n in range(REQUESTS_PER_THREAD):
        kind = KINDS[(n + thread) % len(KINDS)]
        started = time.perf_counter()
        if kind == "order":
            key = f"load-{thread}-{n}-{uuid.uuid4().hex[:8]}"
            first_key = first_key or key
            response = session.post(
                f"{base_url}/me/fulfillment/orders", json=order, headers={**auth, "Idempotency-Key": key}, timeout=60
            )
        elif kind == "public_json":
            response = session.get(public, headers={"Accept": "application/json"}, timeout=60)
        elif kind == "public_html":
            response = session.get(public, headers={"Accept": "text/html"}, timeout=60)
        elif kind == "certifications":
            response = session.get(f"{base_url}/me/certifications", headers=auth, timeout=60)
        elif kind == "transcripts":
            response = session.get(f"{base_url}/me/transcripts", headers=auth, timeout=60)
        else:
            transcript = f"{base_url}/me/transcripts/{data.path_parameters['transcript_id']}"
            response = session.get(transcript, headers=auth, timeout=60)
        tally.record(kind, response, (time.perf_counter() - started) * 1000)
        if kind == "order" and response.status_code == 201:
            with tally.lock:
                tally.order_ids.add(response.json()["order_id"])
    if first_key:  # the client retrying a request it thinks was lost: the same order comes back
        started = time.perf_counter()
        response = session.post(
            f"{base_url}/me/fulfillment/orders", json=order, headers={**auth, "Idempotency-Key": first_key}, timeout=60
        )
        tally.record("order_replay", response, (time.perf_counter() - started) * 1000)
        with tally.lock:
            tally.replays += 1
            if response.status_code == 201 and response.json()["order_id"] not in tally.order_ids:
                tally.errors.append("a replayed Idempotency-Key made a new order")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_concurrent_mix_has_no_errors_and_exact_counts(loaded: tuple[str, CandidateData]) -> None:
    base_url, data = loaded
    catalog = requests.get(f"{base_url}/me/fulfillment/catalog", headers=bearer(data.token), timeout=30).json()
    sku = next(item["sku"] for item in catalog["items"] if item["kind"] == "certificate")
    views_before, orders_before = _views(base_url, data), _history_ids(base_url, data.token)
    tally = Tally()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_worker, base_url, data, sku, tally, t) for t in range(THREADS)]
        for future in futures:
            future.result(timeout=600)
    wall_s = time.perf_counter() - started

    assert not tally.errors, tally.errors[:10]
    total = sum(tally.statuses.values())
    assert total == THREADS * REQUESTS_PER_THREAD + tally.replays
    public_views = sum(n for (kind, _), n in tally.statuses.items() if kind.startswith("public"))
    assert _views(base_url, data) - views_before == public_views
    new_orders = _history_ids(base_url, data.token) - orders_before
    assert new_orders == tally.order_ids
    orders_sent = sum(n for (kind, _), n in tally.statuses.items() if kind == "order")
    assert len(tally.order_ids) == orders_sent

    every = [ms for values in tally.latencies_ms.values() for ms in values]
    print(f"\nload: {total} requests in {wall_s:.1f} s ({total / wall_s:.1f} req/s), {THREADS} threads")
    print(f"{'kind':<15}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind, values in [*sorted(tally.latencies_ms.items()), ("all", every)]:
        print(
            f"{kind:<15}{len(values):>5}{statistics.median(values):>9.1f}"
            f"{_percentile(values, 0.95):>9.1f}{_percentile(values, 0.99):>9.1f}"
        )

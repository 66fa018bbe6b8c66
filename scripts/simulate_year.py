"""Simulate a year of the daily expiry check in a minute against a running dev server.

    python scripts/simulate_year.py [--url http://127.0.0.1:3000] [--start 2026-11-25] [--days 365]

Posts ``{"time": "<day>T03:00:00Z"}`` to ``/_local/events/expiry-check`` for each successive day
(the same handler EventBridge runs at 03:00 UTC), prints one line per day that did something and a
total. Reminders land in the dev server's outbox (``GET /_local/outbox``). Exit status 0, or 2 when
the dev server could not be reached or a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from local_client import post_local  # scripts/, beside this file

COUNTED = (
    "expired_certifications",
    "inactive_credits",
    "expired_transcripts",
    "reminders_sent",
    "reminders_failed",
    "reminders_skipped",
)


def run_day(url: str, day: date, timeout: float = 120) -> dict[str, object]:
    body = json.dumps({"time": f"{day.isoformat()}T03:00:00Z"}).encode()
    return post_local(url, "/_local/events/expiry-check", body, "application/json", timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    parser.add_argument("--start", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    totals: Counter[str] = Counter()
    for offset in range(args.days):
        day = args.start + timedelta(days=offset)
        try:
            summary = run_day(args.url, day)
        except (urllib.error.URLError, OSError, ValueError) as error:
            print(f"{day}: the expiry check could not run: {error}", file=sys.stderr)
            return 2
        done = {name: int(summary.get(name, 0) or 0) for name in COUNTED}  # type: ignore[call-overload]
        totals.update(done)
        if any(done.values()):
            print(day.isoformat(), " ".join(f"{name}={n}" for name, n in done.items() if n))
    print("total", " ".join(f"{name}={totals[name]}" for name in COUNTED))
    return 0


if __name__ == "__main__":
    sys.exit(main())

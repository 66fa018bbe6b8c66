"""Demo data for the local runtime: the demo logins, and ``seed`` that writes every domain's records.

The dev server first creates ``DEMO_LOGINS`` in the identity provider (a login's ``sub`` exists
only then), then calls ``seed(now, subs)``. Each domain keeps its demo records in
``local/demo_<domain>.py`` and writes them through its own domain code, so a second run changes
nothing. A domain whose demo data cannot be written is reported and skipped: the server starts.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from certtrack.auth import OPERATORS_GROUP


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str  # meets the template's password policy (12+ characters, upper, lower, digit)
    groups: tuple[str, ...] = ()
    note: str = ""


DEMO_LOGINS = (
    DemoLogin("demo", "Demo-password-1", note="mapped to John Doe, who holds certifications"),
    DemoLogin("newcomer", "Newcomer-password-1", note="not mapped yet: map it by email or by score report"),
    DemoLogin("operator", "Operator-password-1", (OPERATORS_GROUP,), note="in the operators group"),
)


def seed(now: datetime, logins: dict[str, str]) -> dict[str, Any]:
    """Write the demo records; ``logins`` maps demo username → ``sub``. Returns what each domain seeded."""
    seeded: dict[str, Any] = {}
    # Identity first: it creates the candidates with their full profiles; the certification
    # imports then find them (an import only creates candidates that do not exist yet).
    with _reported("identity"):
        from local import demo_identity

        seeded["identity"] = demo_identity.seed(now, logins)
    with _reported("certifications"):
        from local import demo_certifications

        seeded["certifications"] = demo_certifications.seed(now)
    return seeded


@contextmanager
def _reported(domain: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        print(f"seed: no {domain} demo data (the server starts without it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)

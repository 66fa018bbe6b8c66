"""Bounced and complained addresses (SES events via SNS) stop further reminder mail to them.

SES publishes events of the configuration set to an SNS topic; each message is one event JSON
(``eventType`` for configuration-set events, ``notificationType`` for identity notifications).
A *permanent* bounce or a complaint marks every candidate with that address
``email_suppressed`` (found with one Query of GSI1 ``EMAIL#<address>`` per address). Transient
bounces (mailbox full, throttling) change nothing: SES retries those itself.

Every ``Send``, permanent ``Bounce`` and ``Complaint`` is also counted per UTC day of the event
(:mod:`certtrack.mailhealth`), which pauses non-essential mail when the rates get bad.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from certtrack import keys, mailhealth
from certtrack.db import condition_failed
from certtrack.identity.models import CandidateItem

logger = Logger(child=True)


@dataclass
class SuppressionReport:
    events: int = 0
    sends: int = 0
    ignored: int = 0  # transient bounces, deliveries, anything not a reason to stop mailing
    addresses: int = 0
    candidates_suppressed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "sends": self.sends,
            "ignored": self.ignored,
            "addresses": self.addresses,
            "candidates_suppressed": self.candidates_suppressed,
            "reasons": self.reasons,
        }


def addresses_to_suppress(message: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(reason, addresses) of one SES event: ``bounce`` (permanent only) or ``complaint``."""
    kind = str(message.get("eventType") or message.get("notificationType") or "").lower()
    if kind == "bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return None, []
        recipients = bounce.get("bouncedRecipients") or []
    elif kind == "complaint":
        recipients = (message.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return None, []
    found = [parseaddr(str(r.get("emailAddress", "")))[1].strip().lower() for r in recipients if isinstance(r, dict)]
    return kind, sorted({a for a in found if "@" in a})


def suppress_address(address: str) -> int:
    """Mark every candidate with ``address`` suppressed; returns how many were changed."""
    changed = 0
    matches = CandidateItem.lookup_index.query(
        keys.email_gsi(address), CandidateItem.GSI1SK.startswith(keys.candidate_pk(""))
    )
    for candidate in matches:
        if not isinstance(candidate, CandidateItem) or candidate.email_suppressed:
            continue
        item = CandidateItem(*CandidateItem.key(candidate.candidate_id))
        try:
            # Only while the address is still theirs: a changed email is not suppressed.
            item.update(
                actions=[CandidateItem.email_suppressed.set(True)],
                condition=CandidateItem.GSI1PK == keys.email_gsi(address),  # noqa: SIM300 - a PynamoDB condition
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise
            continue
        changed += 1
    return changed


def health_event(message: dict[str, Any], now: datetime) -> tuple[str, str] | None:
    """``(day, kind)`` for the sending-health counters: a send, a permanent bounce or a complaint."""
    kind = str(message.get("eventType") or message.get("notificationType") or "").lower()
    raw = message.get(kind)
    detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind == "send":
        counted, stamp = mailhealth.SENT, (message.get("mail") or {}).get("timestamp")
    elif kind == "bounce" and detail.get("bounceType") == "Permanent":
        counted, stamp = mailhealth.BOUNCED, detail.get("timestamp")
    elif kind == "complaint":
        counted, stamp = mailhealth.COMPLAINED, detail.get("timestamp")
    else:
        return None
    try:
        day = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        day = now.date().isoformat()  # no usable timestamp: the day it arrived
    return day, counted


def handle_messages(messages: Iterable[dict[str, Any]], now: datetime) -> SuppressionReport:
    """Suppress bounced and complained addresses and count the events; ``now`` dates undated ones."""
    report = SuppressionReport()
    counted: list[tuple[str, str]] = []
    for message in messages:
        report.events += 1
        event = health_event(message, now)
        if event is not None:
            counted.append(event)
            report.sends += event[1] == mailhealth.SENT
        reason, addresses = addresses_to_suppress(message)
        if reason is None:
            report.ignored += 1
            continue
        report.reasons[reason] = report.reasons.get(reason, 0) + 1
        for address in addresses:
            report.addresses += 1
            report.candidates_suppressed += suppress_address(address)
    if counted:
        mailhealth.record(counted, now)
    logger.info("ses events handled", extra=report.as_dict())
    return report


def sns_messages(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The SES event JSON of each SNS record (records that are not JSON objects are skipped)."""
    out = []
    for record in event.get("Records", []):
        try:
            message = json.loads((record.get("Sns") or {}).get("Message") or "")
        except ValueError:
            logger.warning("SNS message is not JSON; skipped")
            continue
        if isinstance(message, dict):
            out.append(message)
    return out

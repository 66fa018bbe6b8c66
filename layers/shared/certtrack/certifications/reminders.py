"""Expiry reminders: what is still needed, the signed unsubscribe link, and sending with retries.

A reminder is service mail: it goes out whatever the marketing ``email_notifications`` setting
says, unless the candidate used the unsubscribe link in a reminder (``reminders_unsubscribed``)
or SES reported the address as bouncing or complaining (``email_suppressed``).

Exactly once per certification period and reminder, with ``REMINDER#<cert>#<expiry>#<days>``:

1. *claim* — during the scan, a conditional put of the reminder item in state ``sending``
   (it must not exist, have ``failed``, or be a ``sending`` claim older than ``LEASE``); an
   overlapping run's claim fails, so two runs never both send;
2. *send* — after the scan, with bounded retries and exponential backoff;
3. *confirm* — only after SES accepted the message: the reminder item becomes ``sent``, then the
   certification moves on to its next event (both conditional). A failed send marks the claim
   ``failed`` and leaves the certification where it was, so the next run retries it.

"Mark sent" therefore comes after "send": a crash between the two leaves a ``sending`` claim
that a run an hour or more later takes over and sends again (at least once, never silently
lost). Marking first would lose the reminder for good when the send then failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from certtrack import keys, pages
from certtrack.certifications import due
from certtrack.certifications.models import CertificationItem
from certtrack.db import TableItem, condition_failed
from certtrack.email import send_template, throttled
from certtrack.errors import NotFound, ServiceUnavailable
from certtrack.identity.models import CandidateItem
from certtrack.identity.personal import settings_of
from certtrack.program import rules
from certtrack.program.catalog import Certification
from certtrack.settings import get_settings

logger = Logger(child=True)

TEMPLATE = "expiry_reminder"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
# A ``sending`` claim older than this (by event time) is taken over: its run died mid-send.
LEASE = timedelta(hours=1)
ATTEMPTS = 3
BASE_DELAY_S = 0.5
_UNSUBSCRIBE_PURPOSE = b"reminders-unsubscribe:"


class ReminderItem(TableItem):
    """``CAND#<id> / REMINDER#<cert_id>#<expiry>#<days>``: one reminder of one period, claimed then sent."""

    sort_key = keys.REMINDER_PREFIX

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    expiration_date = UnicodeAttribute()
    days = NumberAttribute()
    status = UnicodeAttribute()  # "sending" | "sent" | "failed"
    run_id = UnicodeAttribute()  # the run holding the claim
    claimed_at = UTCDateTimeAttribute()  # event time of that run
    sent_at = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)


# ---------------------------------------------------------------- what is still needed

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _count(n: int, noun: str) -> str:
    return f"{_NUMBERS.get(n, str(n))} {noun}{'' if n == 1 else 's'}"


def _points(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def still_needed(node: rules.Progress) -> str:
    """The unmet part of a progress tree in words: "earn 20 more CE credits or pass one exam"."""
    if node.met:
        return ""
    if node.kind == "ce":
        remaining = max(node.required - node.earned, 0)
        more = " more" if node.earned else ""
        return f"earn {_points(remaining)}{more} CE credits"
    if node.kind == "exams":
        if node.earned:
            return f"pass {_count(int(node.required - node.earned), 'more exam')}"
        # the catalog's own words: "pass one qualifying exam", "pass the lab exam"
        return _sentence_case(node.label).replace(" 1 ", " one ")
    if node.kind == "hold":
        return _sentence_case(node.label)
    parts = list(dict.fromkeys(p for p in (still_needed(c) for c in node.children if not c.met) if p))
    if node.kind == "all":
        return _join(parts, "and")
    missing = int(node.required - node.earned)
    if missing >= len(parts):
        return _join(parts, "and")
    if missing == 1:
        return _join(parts, "or")
    return f"complete {_NUMBERS.get(missing, str(missing))} more of: " + "; ".join(parts)


def _sentence_case(label: str) -> str:
    return label[:1].lower() + label[1:]


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 2:
        return f" {word} ".join(parts)
    return ", ".join(parts[:-1]) + f", {word} " + parts[-1]


def unmet_requirements(node: rules.Progress) -> list[dict[str, Any]]:
    """The unmet leaves: the catalog's label and what each still lacks (the template words it:
    "Earn 30 CE credits: 20 to go")."""
    if node.met:
        return []
    out: list[dict[str, Any]] = []
    for leaf in node.leaves():
        if not leaf.met:
            remaining = max(leaf.required - leaf.earned, 0)
            out.append({"label": leaf.label, "remaining": remaining})
    return out


# ---------------------------------------------------------------- unsubscribe


def unsubscribe_signature(candidate_id: str) -> str:
    secret = get_settings().signing_secret
    digest = hmac.new(secret, _UNSUBSCRIBE_PURPOSE + candidate_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_url(candidate_id: str) -> str:
    base = get_settings().public_base_url
    return f"{base}/reminders/unsubscribe?c={candidate_id}&s={unsubscribe_signature(candidate_id)}"


def unsubscribe_headers(candidate_id: str) -> dict[str, str]:
    """RFC 8058 one-click: mail clients POST ``List-Unsubscribe=One-Click`` to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(candidate_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribed_page(language: str = "en") -> str:
    """The HTML the unsubscribe ``POST`` answers with: reminders are stopped."""
    return pages.render(
        "reminders_unsubscribed.html", language=language, portal_url=f"{get_settings().public_base_url}/app/"
    )


def confirm_page(language: str = "en") -> str:
    """The HTML the link answers on ``GET``: a button that posts back to the same URL.

    A ``GET`` never unsubscribes: mail scanners and link previews fetch every link in a message.
    The form has no ``action``, so it posts to the page's own URL (query string included: the
    signed link), with the same ``List-Unsubscribe=One-Click`` body a mail client sends (RFC 8058).
    """
    return pages.render(
        "reminders_unsubscribe_confirm.html", language=language, portal_url=f"{get_settings().public_base_url}/app/"
    )


def verify_signature(candidate_id: str, signature: str) -> bool:
    return hmac.compare_digest(unsubscribe_signature(candidate_id).encode(), signature.encode())


def check_link(candidate_id: str, signature: str) -> None:
    """404 ``unsubscribe_link_invalid`` unless the link is one we signed (no read, no write)."""
    if not verify_signature(candidate_id, signature):
        raise NotFound("This unsubscribe link is not valid.", code="unsubscribe_link_invalid")


def unsubscribe(candidate_id: str, signature: str) -> None:
    """Stop reminders for the candidate the signed link names (idempotent; one UpdateItem)."""
    check_link(candidate_id, signature)
    item = CandidateItem(*CandidateItem.key(candidate_id))
    try:
        item.update(actions=[CandidateItem.reminders_unsubscribed.set(True)], condition=CandidateItem.PK.exists())
    except UpdateError as error:
        if condition_failed(error):
            raise NotFound("This unsubscribe link is not valid.", code="unsubscribe_link_invalid") from None
        raise


# ---------------------------------------------------------------- claim, send, confirm


@dataclass
class Pending:
    """A claimed reminder waiting to be sent (collected during the scan)."""

    candidate_id: str
    cert_id: str
    expiration_date: date
    days: int
    read_gsi2sk: str  # what the scan read: the certification must still be there to move on
    next_due: tuple[str, date] | None  # (kind, date) to move the certification to once sent
    to: str
    context: dict[str, Any]
    reminder: ReminderItem = field(repr=False)


def should_email(profile: CandidateItem | None) -> bool:
    """Service mail ignores ``email_notifications``; only the unsubscribe link and SES suppression stop it."""
    return bool(profile and profile.email and not profile.reminders_unsubscribed and not profile.email_suppressed)


def email_context(
    profile: CandidateItem, cert: Certification, expiry: date, today: date, progress: rules.Progress
) -> dict[str, Any]:
    """The template's context; ``days`` is the days actually left (a late run's reminder says so)."""
    base = get_settings().public_base_url
    return {
        "language": settings_of(profile)["language"],
        "first_name": profile.first_name,
        "certification_name": cert.name,
        "abbreviation": cert.abbreviation,
        "expiration_date": expiry.isoformat(),
        "days": (expiry - today).days,
        "still_needed": still_needed(progress),
        "requirements": unmet_requirements(progress),
        "certification_url": f"{base}/app/#/certifications/{cert.id}",
        "unsubscribe_url": unsubscribe_url(profile.candidate_id),
    }


def claim(
    candidate_id: str,
    cert_id: str,
    expiration_date: date,
    days: int,
    run_id: str,
    now: datetime,
    *,
    takes_over: str | None = None,
) -> ReminderItem:
    """Conditionally put the ``sending`` claim; raises ``PutError`` when another run holds it or it was sent.

    ``takes_over`` is a ``run_id`` prefix whose ``sending`` claims are dead whatever their age: an
    earlier delivery of the same queue message (``<message id>:``), which SQS gives again only
    after the visibility timeout, i.e. after that invocation ended.
    """
    item = ReminderItem(
        keys.candidate_pk(candidate_id),
        keys.reminder_sk(cert_id, expiration_date.isoformat(), days),
        candidate_id=candidate_id,
        cert_id=cert_id,
        expiration_date=expiration_date.isoformat(),
        days=days,
        status=SENDING,
        run_id=run_id,
        claimed_at=now,
        attempts=0,
    )
    free = (
        ReminderItem.PK.does_not_exist()
        | (ReminderItem.status == FAILED)
        | ((ReminderItem.status == SENDING) & (ReminderItem.claimed_at < now - LEASE))
    )
    if takes_over is not None:
        free = free | ((ReminderItem.status == SENDING) & ReminderItem.run_id.startswith(takes_over))
    item.save(condition=free)
    return item


def existing(candidate_id: str, cert_id: str, expiration_date: date, days: int) -> ReminderItem | None:
    try:
        return ReminderItem.get(
            keys.candidate_pk(candidate_id),
            keys.reminder_sk(cert_id, expiration_date.isoformat(), days),
            consistent_read=True,
        )
    except ReminderItem.DoesNotExist:
        return None


def _advance_actions(next_due: tuple[str, date] | None, pk: str, sk: str) -> list[Any]:
    if next_due is None:
        return [CertificationItem.GSI2PK.remove(), CertificationItem.GSI2SK.remove()]
    kind, day = next_due
    gsi2pk, gsi2sk = due.due_keys(pk, sk, f"{due.CERT_KIND}{kind}", day)
    return [CertificationItem.GSI2PK.set(gsi2pk), CertificationItem.GSI2SK.set(gsi2sk)]


def advance(pk: str, sk: str, read_gsi2sk: str, next_due: tuple[str, date] | None) -> bool:
    """Move a certification to its next event if it is still where the scan read it (one UpdateItem)."""
    item = CertificationItem(pk, sk)
    try:
        item.update(
            actions=_advance_actions(next_due, pk, sk),
            condition=due.still_at(CertificationItem, read_gsi2sk),
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def confirm(pending: Pending, now: datetime, attempts: int) -> bool:
    """After SES accepted the mail: the reminder ``sent``, then the certification moved on.

    Two conditional single-item writes, in this order: if the second is lost (a crash, or the
    certification changed since the scan), the next run finds the reminder ``sent``, sends
    nothing and only moves the certification on. Returns whether the certification moved.
    """
    try:
        pending.reminder.update(
            actions=[ReminderItem.status.set(SENT), ReminderItem.sent_at.set(now), ReminderItem.attempts.set(attempts)],
            condition=ReminderItem.run_id == pending.reminder.run_id,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
    pk, sk = keys.candidate_pk(pending.candidate_id), keys.cert_sk(pending.cert_id)
    return advance(pk, sk, pending.read_gsi2sk, pending.next_due)


def release(pending: Pending, attempts: int) -> None:
    """Give the claim back as ``failed`` (the certification stays due; the next run retries)."""
    try:
        pending.reminder.update(
            actions=[ReminderItem.status.set(FAILED), ReminderItem.attempts.set(attempts)],
            condition=ReminderItem.run_id == pending.reminder.run_id,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    not_attempted: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    unavailable: bool = False  # SES refused for now (rate, outage): the rest was released unsent


class Pacer:
    """Spaces sends ``1 / rate`` seconds apart (this invocation's share of SES's sending rate)."""

    def __init__(
        self,
        rate_per_s: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 1.0 / rate_per_s
        self._sleep, self._clock = sleep, clock
        self._next = clock()

    def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def _send_with_retries(pending: Pending, attempts: int, base_delay: float, sleep: Callable[[float], None]) -> int:
    """The attempts it took; raises the last ``ServiceUnavailable`` when every attempt failed."""
    headers = unsubscribe_headers(pending.candidate_id)
    for attempt in range(1, attempts + 1):
        try:
            send_template(pending.to, TEMPLATE, pending.context, headers)
            return attempt
        except ServiceUnavailable:
            if attempt == attempts:
                raise
            sleep(base_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def send_all(
    batch: list[Pending],
    now: datetime,
    *,
    has_time: Callable[[], bool] = lambda: True,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
    base_delay: float = BASE_DELAY_S,
    pace: Callable[[], None] | None = None,
    stop_when_unavailable: bool = False,
) -> SendReport:
    """Send every claimed reminder; one failing address does not stop the others.

    ``pace`` is called before each send (``Pacer.wait``). With ``stop_when_unavailable``, a send
    whose every attempt SES refused for now (throttled, unavailable: ``email.throttled``) stops
    the batch: it and the rest are released unsent (``unavailable``) for a later invocation.
    """
    report = SendReport()
    for index, pending in enumerate(batch):
        if not has_time():
            for rest in batch[index:]:
                release(rest, 0)
            report.not_attempted += len(batch) - index
            break
        if pace is not None:
            pace()
        try:
            used = _send_with_retries(pending, attempts, base_delay, sleep)
        except ServiceUnavailable as error:
            if stop_when_unavailable and throttled(error):
                for rest in batch[index:]:
                    release(rest, 0)
                report.not_attempted += len(batch) - index
                report.unavailable = True
                logger.warning("SES refuses sends for now; the rest is left to a later invocation")
                break
            release(pending, attempts)
            report.failed += 1
            report.failures.append(
                {
                    "candidate_id": pending.candidate_id,
                    "cert_id": pending.cert_id,
                    "days": pending.days,
                    "code": error.code,
                }
            )
            logger.warning("reminder not sent; retried on the next run", extra={"cert_id": pending.cert_id})
            continue
        confirm(pending, now, used)
        report.sent += 1
    return report

"""First-time login mapping: by email, by score report, and the confirmation that maps.

Nothing is stored before the email is accepted by SES: the token (or support case) is written
only after the send succeeded, so a failed send changes nothing (503, or a retried job), and a
failed write after a send leaves only a dead link (the token is unknown → ``token_invalid``).

``POST /mapping/email`` does the same work for every address and answers before anything about
the address is known: one read of the caller's mapping, one conditional update per rate-limit
window (per login, per recipient address), one message on the mapping-mail queue (202). The
queue's worker (:func:`deliver_email_request`) then looks the address up and sends one email:
a confirmation link, a duplicate notice with a support case, an already-mapped notice, or "no
record with this address"; only the owner of the address can tell them apart, and the answer's
time cannot (``bench/bench_mapping_timing.py``). The worker writes the link's token (or the
case) with the job's done marker in one transaction, after the send: a redelivered job that was
done is skipped, and a send whose write failed leaves only a dead link. No mail quotes anything
the caller chose (not the login name): it goes to an address the caller may not own.

``POST /mapping/score-report`` holds a slot of four windows before it looks (per login, per
registration number, per folded last name, per source IP) and gives them back on a match, so
failures are bounded per target and per client however many logins ask. Confirming a
score-report link mails the address the record had before ("connected to a new login and
email; if this was not you …") with a link that freezes the record and opens a support case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, email, i18n, jobs, keys
from certtrack.auth import Login
from certtrack.db import CONDITION_FAILED, TRANSACTION_CONFLICT, TableItem, cancellation_codes, condition_failed
from certtrack.errors import AppError, BadRequest, Conflict, Gone, NotFound, ServiceUnavailable
from certtrack.fields import Language
from certtrack.identity import case_index, mapped_candidate_id, ratelimit, tokens
from certtrack.identity.candidates import candidates_with_email
from certtrack.identity.models import (
    CandidateItem,
    DisputeItem,
    LoginMappingItem,
    MappingTokenItem,
    SupportCaseItem,
    case_keys,
)
from certtrack.identity.normalize import fold_name, normalize_email, same_name
from certtrack.identity.personal import settings_of
from certtrack.settings import get_settings

logger = Logger(child=True)

METHOD_EMAIL = "email"
METHOD_SCORE_REPORT = "score_report"
_TRANSACTION_ATTEMPTS = 3
# The "this was not me" link stays usable this long: people read old mailboxes late.
DISPUTE_LIFETIME = timedelta(days=30)
DISPUTE_RETENTION = timedelta(days=45)

# The candidates holding an exam with a registration number. Exams are certification records
# (``certtrack.certifications.registrations`` answers); identity sits below certifications, so
# the caller passes the lookup in.
RegistrationHolders = Callable[[str], Sequence[CandidateItem]]


@dataclass(frozen=True)
class MappingResult:
    candidate_id: str


def confirm_link(token: str) -> str:
    return f"{get_settings().public_base_url}/app/#/mapping/confirm?token={token}"


def dispute_link(token: str) -> str:
    return f"{get_settings().public_base_url}/public/mapping/dispute?token={token}"


def _already_mapped() -> Conflict:
    return Conflict("This login or candidate record is already mapped.", code="already_mapped")


def _frozen() -> Conflict:
    return Conflict(
        "This candidate record is locked while Customer Support reviews it; contact Customer Support.",
        code="record_frozen",
    )


def _ensure_login_unmapped(login: Login) -> None:
    if mapped_candidate_id(login) is not None:
        raise _already_mapped()


def case_id_for(login: Login, address: str) -> str:
    """Stable per (login, address): asking again reopens the same case instead of opening another."""
    digest = hashlib.sha256(f"{login.sub}|{normalize_email(address)}".encode()).hexdigest()
    return f"SC-{digest[:10].upper()}"


def _recipient_window(address: str) -> ratelimit.Window:
    return ratelimit.per_value("to", normalize_email(address), ratelimit.MAPPING_MAILS_PER_RECIPIENT)


# ---------------------------------------------------------------- requests


class EmailMappingJob(jobs.Job):
    """A ``/mapping/email`` request on the mapping-mail queue: who asked, for which address."""

    login_sub: str
    login_username: str
    address: str
    language: Language = "en"  # the request's Accept-Language (jobs queued before it: English)


def request_by_email(login: Login, address: str, now: datetime, language: Language = "en") -> None:
    """``POST /mapping/email``: the slots, then the job on the queue; the same work for every address.
    ``language``: the request's, for the mail (the address has no stored language yet)."""
    _ensure_login_unmapped(login)
    ratelimit.take([ratelimit.per_login(login.sub, ratelimit.MAPPING_EMAILS), _recipient_window(address)], now)
    job = EmailMappingJob(
        requested_at=now, login_sub=login.sub, login_username=login.username, address=address, language=language
    )
    jobs.enqueue(get_settings().mapping_mail_queue, job)
    logger.info("mapping email requested")


def deliver_email_request(job: EmailMappingJob, now: datetime) -> str | None:
    """The mapping-mail worker: one email to the job's address; returns the outcome (None: skipped).

    Skipped when the job was done already (SQS delivers at least once) or the login was mapped
    since (a link would be refused). A failed send raises: the queue retries the job.
    """
    login = Login(sub=job.login_sub, username=job.login_username, groups=frozenset())
    if jobs.is_done(job) or mapped_candidate_id(login) is not None:
        return None
    asked = job.requested_at  # the link lives two hours from the request, as the page says
    address = job.address
    matches = candidates_with_email(address)
    context: dict[str, Any] = {"expires_hours": _lifetime_hours(), "email_change": False, "language": job.language}
    effects: list[TableItem] = []
    if len(matches) == 1 and not matches[0].login_sub and not matches[0].frozen_at:
        candidate, token = matches[0], tokens.new_token()
        language = i18n.choose(settings_of(candidate)["language"], job.language)
        email.send_template(
            address,
            "mapping_link",
            {**context, "first_name": candidate.first_name, "link": confirm_link(token), "language": language},
        )
        effects = [_token_item(token, login, candidate.candidate_id, METHOD_EMAIL, None, asked)]
        outcome = "link"
    elif len(matches) > 1:
        case_id = case_id_for(login, address)
        email.send_template(address, "mapping_duplicate", {**context, "case_id": case_id, "count": len(matches)})
        case = _support_case(case_id, login, [c.candidate_id for c in matches], asked)
        effects = [case, *case_index.pointers(case)]  # the candidates' views list the case
        outcome = "duplicate"
    else:
        # Mapped to a login already, frozen for review, or no record: a notice, nothing to keep.
        outcome = "already_mapped" if matches else "unknown"
        email.send_template(address, f"mapping_{outcome}", context)
    if not jobs.complete(job, "mapping_email", now, effects):
        logger.info("mapping email job done concurrently")  # a redelivery ran alongside
    # The outcome is not personal data; the address and any token never reach the logs.
    logger.info("mapping email sent", extra={"mapping_outcome": outcome})
    return outcome


def score_report_windows(
    login: Login, last_name: str, registration_number: str, source_ip: str
) -> list[ratelimit.Window]:
    """The four windows a score-report guess must hold a slot of: login, both targets, client."""
    return [
        ratelimit.per_login(login.sub, ratelimit.SCORE_REPORT_FAILURES),
        ratelimit.per_value("reg", registration_number.strip().casefold(), ratelimit.SCORE_REPORT_PER_REGISTRATION),
        ratelimit.per_value("name", fold_name(last_name), ratelimit.SCORE_REPORT_PER_NAME),
        ratelimit.per_value("ip", source_ip, ratelimit.SCORE_REPORT_PER_IP),
    ]


def request_by_score_report(
    login: Login,
    last_name: str,
    registration_number: str,
    new_email: str,
    now: datetime,
    source_ip: str = "unknown",
    *,
    holders: RegistrationHolders,
    language: Language = "en",
) -> None:
    """``POST /mapping/score-report``: a link to ``new_email`` when the exam and last name agree.

    The guess holds its slots before the lookup; a match gives them back (only failures count).
    """
    _ensure_login_unmapped(login)
    windows = score_report_windows(login, last_name, registration_number, source_ip)
    ratelimit.take(windows, now)
    candidate = next(
        (c for c in holders(registration_number) if same_name(last_name, c.last_name)),
        None,
    )
    if candidate is None:
        logger.info("score report did not match")
        raise NotFound("No candidate matches that last name and registration number.", code="no_match")
    ratelimit.give_back(windows, now)
    if candidate.login_sub:
        raise _already_mapped()
    if candidate.frozen_at:
        raise _frozen()
    ratelimit.take([_recipient_window(new_email)], now)
    token = tokens.new_token()
    email.send_template(
        new_email,
        "mapping_link",
        {
            "expires_hours": _lifetime_hours(),
            "first_name": candidate.first_name,
            "link": confirm_link(token),
            "email_change": True,
            "language": i18n.choose(settings_of(candidate)["language"], language),
        },
    )
    _token_item(token, login, candidate.candidate_id, METHOD_SCORE_REPORT, normalize_email(new_email), now).save(
        condition=MappingTokenItem.PK.does_not_exist()
    )
    logger.info("score report link sent")


def _lifetime_hours() -> int:
    return int(tokens.TOKEN_LIFETIME.total_seconds() // 3600)


def _token_item(
    token: str,
    login: Login,
    candidate_id: str,
    method: str,
    new_email: str | None,
    now: datetime,
) -> MappingTokenItem:
    return MappingTokenItem(
        keys.token_pk(tokens.hash_token(token)),
        keys.TOKEN,
        login_sub=login.sub,
        candidate_id=candidate_id,
        method=method,
        new_email=new_email,
        created_at=now,
        expires_at=tokens.ttl_epoch(now),
    )


def _support_case(case_id: str, login: Login, candidate_ids: list[str], now: datetime) -> SupportCaseItem:
    """The duplicate-email case; asking again rewrites the same case (``last_requested_at``)."""
    return SupportCaseItem(
        keys.case_pk(case_id),
        keys.CASE,
        case_id=case_id,
        reason="duplicate_email",
        status="open",
        candidate_ids=set(candidate_ids),
        login_sub=login.sub,
        login_username=login.username,
        created_at=now,
        last_requested_at=now,
        **case_keys("open", now, case_id),
    )


# ---------------------------------------------------------------- confirmation


def confirm(login: Login, token: str, now: datetime) -> MappingResult:
    """``POST /mapping/confirm``: map the login to the token's candidate in one transaction.

    A score-report link also changes the record's email: the address it had before is told
    first (sent before the transaction, so no mapping happens unnoticed; a failed send is 503
    with nothing changed), with a "this was not me" link written in the mapping's transaction.
    """
    invalid = BadRequest("This confirmation link is not valid for this login.", code="token_invalid")
    if not tokens.is_well_formed(token):
        raise invalid
    token_hash = tokens.hash_token(token)
    dispute: DisputeItem | None = None
    for _attempt in range(_TRANSACTION_ATTEMPTS):
        item, candidate = _confirmable(login, token_hash, now, invalid)
        if dispute is None and _needs_notice(item, candidate):
            dispute = _notify_previous_address(login, candidate, now)
        if _map_transaction(login, candidate.candidate_id, now, item.method, token_item=item, dispute=dispute):
            logger.info("login mapped", extra={"mapping_method": item.method})
            return MappingResult(candidate.candidate_id)
    raise ServiceUnavailable("The mapping is busy; retry shortly.", headers={"Retry-After": "1"})


def _used() -> Gone:
    return Gone("This confirmation link was already used.", code="token_used")


def _used_or_already_mapped(item: MappingTokenItem) -> AppError:
    """The login or the candidate got mapped since the token was read: by this very link (a double
    click, two tabs) it is used; by anything else the mapping exists already."""
    item.refresh(consistent_read=True)
    return _used() if item.used_at is not None else _already_mapped()


def _confirmable(
    login: Login, token_hash: str, now: datetime, invalid: BadRequest
) -> tuple[MappingTokenItem, CandidateItem]:
    """The link's token and candidate, when this login may confirm it now; else the reason, raised."""
    try:
        item = MappingTokenItem.get(keys.token_pk(token_hash), keys.TOKEN, consistent_read=True)
    except MappingTokenItem.DoesNotExist:
        raise invalid from None
    if item.login_sub != login.sub or not item.candidate_id:
        raise invalid
    if item.used_at is not None:
        raise _used()
    if tokens.is_expired(item.created_at, now):
        raise Gone("This confirmation link has expired; request a new one.", code="token_expired")
    if mapped_candidate_id(login) is not None:
        raise _used_or_already_mapped(item)
    candidate = CandidateItem.get_candidate(item.candidate_id)
    if candidate is None:
        raise invalid
    if candidate.login_sub:
        raise _used_or_already_mapped(item)
    if candidate.frozen_at:
        raise _frozen()
    return item, candidate


def _needs_notice(item: MappingTokenItem, candidate: CandidateItem) -> bool:
    """A score-report mapping replaces the address on file: its owner is told (unless it bounced)."""
    previous = candidate.email
    return bool(
        item.method == METHOD_SCORE_REPORT
        and previous
        and item.new_email
        and normalize_email(previous) != item.new_email
        and not candidate.email_suppressed
    )


def _notify_previous_address(login: Login, candidate: CandidateItem, now: datetime) -> DisputeItem:
    """Mail the previous address; returns the dispute item to write with the mapping."""
    assert candidate.email
    token = tokens.new_token()
    email.send_template(
        candidate.email,
        "mapping_connected_notice",
        {
            "first_name": candidate.first_name,
            "link": dispute_link(token),
            "lifetime_days": DISPUTE_LIFETIME.days,
            "language": settings_of(candidate)["language"],
        },
    )
    return DisputeItem(
        keys.dispute_pk(tokens.hash_token(token)),
        keys.DISPUTE,
        candidate_id=candidate.candidate_id,
        login_sub=login.sub,
        previous_email=normalize_email(candidate.email),
        created_at=now,
        expires_at=int((now + DISPUTE_RETENTION).timestamp()),
    )


def map_login(sub: str, username: str, candidate_id: str, now: datetime, method: str = "seed") -> MappingResult:
    """Map a login directly (demo data, operator tools): the same transaction without a token.

    Idempotent for the same login and candidate; 409 ``already_mapped`` for anything else.
    """
    login = Login(sub=sub, username=username, groups=frozenset())
    if mapped_candidate_id(login) == candidate_id:
        return MappingResult(candidate_id)
    for _attempt in range(_TRANSACTION_ATTEMPTS):
        if _map_transaction(login, candidate_id, now, method, token_item=None):
            return MappingResult(candidate_id)
    raise ServiceUnavailable("The mapping is busy; retry shortly.", headers={"Retry-After": "1"})


def _map_transaction(
    login: Login,
    candidate_id: str,
    now: datetime,
    method: str,
    token_item: MappingTokenItem | None,
    dispute: DisputeItem | None = None,
) -> bool:
    """One transaction: mapping item (if absent), candidate (if unmapped and not frozen), token (if
    unused), and the dispute link of the notice (if one was mailed).

    Returns False when DynamoDB cancelled it for a concurrent transaction (worth retrying);
    raises the client's error when a condition failed.
    """
    mapping = LoginMappingItem(
        keys.login_pk(login.sub),
        keys.MAPPING,
        candidate_id=candidate_id,
        username=login.username,
        mapped_at=now,
        method=method,
    )
    candidate_actions: list[Any] = [
        CandidateItem.login_sub.set(login.sub),
        CandidateItem.login_username.set(login.username),
        CandidateItem.mapped_at.set(now),
    ]
    if token_item is not None and token_item.new_email:
        candidate_actions += [
            CandidateItem.email.set(token_item.new_email),
            CandidateItem.GSI1PK.set(keys.email_gsi(token_item.new_email)),
            CandidateItem.GSI1SK.set(keys.candidate_pk(candidate_id)),
            # A bounce or complaint was about the old address; the new one starts clean.
            CandidateItem.email_suppressed.set(False),
        ]
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.save(mapping, condition=LoginMappingItem.PK.does_not_exist())
            transaction.update(
                CandidateItem(*CandidateItem.key(candidate_id)),
                actions=candidate_actions,
                condition=(
                    CandidateItem.PK.exists()
                    & CandidateItem.login_sub.does_not_exist()
                    & CandidateItem.frozen_at.does_not_exist()
                ),
            )
            if token_item is not None:
                transaction.update(
                    token_item,
                    actions=[MappingTokenItem.used_at.set(now)],
                    condition=MappingTokenItem.PK.exists() & MappingTokenItem.used_at.does_not_exist(),
                )
            if dispute is not None:
                transaction.save(dispute, condition=DisputeItem.PK.does_not_exist())
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if not codes:
            raise
        if token_item is not None and len(codes) > 2 and codes[2] == CONDITION_FAILED:
            raise _used() from None
        if CONDITION_FAILED in codes[:2]:
            raise _already_mapped() from None
        if TRANSACTION_CONFLICT in codes:
            return False
        raise
    return True


# ---------------------------------------------------------------- "this was not me"


@dataclass(frozen=True)
class DisputeView:
    """What the dispute page shows: ``confirm`` (a button), ``frozen`` (done), or ``invalid``."""

    state: str
    case_id: str | None = None


def _dispute_item(token: str, now: datetime) -> DisputeItem | None:
    """The dispute a link names, if it is well formed, known and within its lifetime."""
    if not tokens.is_well_formed(token):
        return None
    try:
        item = DisputeItem.get(keys.dispute_pk(tokens.hash_token(token)), keys.DISPUTE, consistent_read=True)
    except DisputeItem.DoesNotExist:
        return None
    if now >= item.created_at + DISPUTE_LIFETIME:
        return None
    return item


def dispute_case_id(item: DisputeItem) -> str:
    return f"SC-{hashlib.sha256(f'dispute|{item.PK}'.encode()).hexdigest()[:10].upper()}"


def view_dispute(token: str, now: datetime) -> DisputeView:
    """``GET /public/mapping/dispute``: changes nothing (mail scanners fetch links); shows a button."""
    item = _dispute_item(token, now)
    if item is None:
        return DisputeView("invalid")
    if item.used_at is not None:
        return DisputeView("frozen", item.case_id)
    return DisputeView("confirm")


def dispute(token: str, now: datetime) -> DisputeView:
    """``POST /public/mapping/dispute``: freeze the record, detach the login, open a support case.

    One transaction: the candidate loses the login and gets its previous address back and
    ``frozen_at`` (only while it is still mapped to the login the link is about), the login's
    mapping is deleted (so that login sees nothing of the record any more), a support case
    ``mapping_disputed`` is opened, and the link is marked used. Using the link again shows the
    same case. A record changed since (an operator acted, another mapping) is ``invalid``.
    """
    item = _dispute_item(token, now)
    if item is None:
        return DisputeView("invalid")
    if item.used_at is not None:
        return DisputeView("frozen", item.case_id)
    case_id = dispute_case_id(item)
    candidate = CandidateItem(*CandidateItem.key(item.candidate_id))
    case = SupportCaseItem(
        keys.case_pk(case_id),
        keys.CASE,
        case_id=case_id,
        reason="mapping_disputed",
        status="open",
        candidate_ids={item.candidate_id},
        login_sub=item.login_sub,
        created_at=now,
        last_requested_at=now,
        requests=1,
        **case_keys("open", now, case_id),
    )
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.update(
                candidate,
                actions=[
                    CandidateItem.login_sub.remove(),
                    CandidateItem.login_username.remove(),
                    CandidateItem.mapped_at.remove(),
                    CandidateItem.email.set(item.previous_email),
                    CandidateItem.GSI1PK.set(keys.email_gsi(item.previous_email)),
                    CandidateItem.GSI1SK.set(keys.candidate_pk(item.candidate_id)),
                    CandidateItem.frozen_at.set(now),
                    CandidateItem.frozen_case_id.set(case_id),
                ],
                condition=CandidateItem.login_sub == item.login_sub,
            )
            transaction.delete(
                LoginMappingItem(keys.login_pk(item.login_sub), keys.MAPPING),
                condition=LoginMappingItem.candidate_id == item.candidate_id,
            )
            transaction.save(case, condition=SupportCaseItem.PK.does_not_exist())
            transaction.update(
                item,
                actions=[DisputeItem.used_at.set(now), DisputeItem.case_id.set(case_id)],
                condition=DisputeItem.used_at.does_not_exist(),
            )
            for pointer in case_index.pointers(case):  # the candidate's view lists the case
                transaction.save(pointer)
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        # PynamoDB sends deletes, then puts, then updates: the link's update is the last item.
        if codes and codes[-1] == CONDITION_FAILED:
            return DisputeView("frozen", case_id)  # used concurrently: the same case
        if condition_failed(error):
            logger.info("dispute link no longer applies")
            return DisputeView("invalid")
        raise
    logger.info("mapping disputed; record frozen")
    return DisputeView("frozen", case_id)


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    headers: dict[str, str]


def dispute_page(view: DisputeView, token: str, language: str = "en") -> Page:
    """The HTML answer of the dispute link: 200 with a button or the case number, 404 when not valid."""
    from certtrack import pages

    action = f"?token={token}" if view.state == "confirm" else ""
    html = pages.render(
        "mapping_dispute.html", language=language, state=view.state, case_id=view.case_id, action=action
    )
    headers = pages.page_headers(html)
    # The page's one form posts to itself; nothing else may be a form target.
    headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
        "form-action 'none'", "form-action 'self'"
    )
    headers.update({"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"})
    return Page(404 if view.state == "invalid" else 200, html, headers)


def unfreeze(candidate_id: str) -> None:
    """Operator action after reviewing a disputed mapping: the record can be mapped again."""
    CandidateItem(*CandidateItem.key(candidate_id)).update(
        actions=[CandidateItem.frozen_at.remove(), CandidateItem.frozen_case_id.remove()],
        condition=CandidateItem.PK.exists(),
    )

"""First-time login mapping: by email, by score report, and the confirmation that maps.

Requests never store anything before the email is accepted by SES: the token (or support case)
is written only after the send succeeded, so a failed send changes nothing (503), and a failed
write after a send leaves only a dead link (the token is unknown → ``token_invalid``).

``POST /mapping/email`` does the same work for every address: one read of the caller's mapping,
one rate-limit counter update, one index query, one rendered template, one email sent. Which
email goes out depends on what the query found (link, duplicate notice, already-mapped notice, or
"no record with this address"), and only the owner of the address can tell them apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import email, keys
from certtrack.auth import Login
from certtrack.errors import BadRequest, Conflict, Gone, NotFound, ServiceUnavailable
from certtrack.identity import mapped_candidate_id, ratelimit, tokens
from certtrack.identity.candidates import candidates_with_email, candidates_with_registration
from certtrack.identity.models import CandidateItem, LoginMappingItem, MappingTokenItem, SupportCaseItem
from certtrack.identity.normalize import normalize_email, same_name
from certtrack.settings import get_settings

logger = Logger(child=True)

METHOD_EMAIL = "email"
METHOD_SCORE_REPORT = "score_report"
_TRANSACTION_ATTEMPTS = 3


@dataclass(frozen=True)
class MappingResult:
    candidate_id: str


def confirm_link(token: str) -> str:
    return f"{get_settings().public_base_url}/app/#/mapping/confirm?token={token}"


def _already_mapped() -> Conflict:
    return Conflict("This login or candidate record is already mapped.", code="already_mapped")


def _ensure_login_unmapped(login: Login) -> None:
    if mapped_candidate_id(login) is not None:
        raise _already_mapped()


def case_id_for(login: Login, address: str) -> str:
    """Stable per (login, address): asking again reopens the same case instead of opening another."""
    digest = hashlib.sha256(f"{login.sub}|{normalize_email(address)}".encode()).hexdigest()
    return f"SC-{digest[:10].upper()}"


# ---------------------------------------------------------------- requests


def request_by_email(login: Login, address: str, now: datetime) -> None:
    """``POST /mapping/email``: always ends in one email to ``address``; see the module docstring."""
    _ensure_login_unmapped(login)
    ratelimit.consume(login.sub, now, ratelimit.MAPPING_EMAILS)
    matches = candidates_with_email(address)
    context: dict[str, Any] = {"login_id": login.username, "expires_hours": _lifetime_hours(), "email_change": False}

    if len(matches) == 1 and not matches[0].login_sub:
        candidate = matches[0]
        token = tokens.new_token()
        email.send_template(
            address, "mapping_link", {**context, "first_name": candidate.first_name, "link": confirm_link(token)}
        )
        _store_token(token, login, candidate.candidate_id, METHOD_EMAIL, None, now)
        outcome = "link"
    elif len(matches) > 1:
        case_id = case_id_for(login, address)
        email.send_template(address, "mapping_duplicate", {**context, "case_id": case_id, "count": len(matches)})
        _open_support_case(case_id, login, [c.candidate_id for c in matches], now)
        outcome = "duplicate"
    elif matches:
        email.send_template(address, "mapping_already_mapped", context)
        outcome = "already_mapped"
    else:
        email.send_template(address, "mapping_unknown", context)
        outcome = "unknown"
    # The outcome is not personal data; the address and any token never reach the logs.
    logger.info("mapping email requested", extra={"mapping_outcome": outcome})


def request_by_score_report(
    login: Login, last_name: str, registration_number: str, new_email: str, now: datetime
) -> None:
    """``POST /mapping/score-report``: a link to ``new_email`` when the exam and last name agree."""
    _ensure_login_unmapped(login)
    ratelimit.ensure_allowed(login.sub, now, ratelimit.SCORE_REPORT_FAILURES)
    candidate = next(
        (c for c in candidates_with_registration(registration_number) if same_name(last_name, c.last_name)),
        None,
    )
    if candidate is None:
        ratelimit.consume(login.sub, now, ratelimit.SCORE_REPORT_FAILURES)
        logger.info("score report did not match")
        raise NotFound("No candidate matches that last name and registration number.", code="no_match")
    if candidate.login_sub:
        raise _already_mapped()
    token = tokens.new_token()
    email.send_template(
        new_email,
        "mapping_link",
        {
            "login_id": login.username,
            "expires_hours": _lifetime_hours(),
            "first_name": candidate.first_name,
            "link": confirm_link(token),
            "email_change": True,
        },
    )
    _store_token(token, login, candidate.candidate_id, METHOD_SCORE_REPORT, normalize_email(new_email), now)
    logger.info("score report link sent")


def _lifetime_hours() -> int:
    return int(tokens.TOKEN_LIFETIME.total_seconds() // 3600)


def _store_token(
    token: str, login: Login, candidate_id: str, method: str, new_email: str | None, now: datetime
) -> None:
    item = MappingTokenItem(
        keys.token_pk(tokens.hash_token(token)),
        keys.TOKEN,
        login_sub=login.sub,
        candidate_id=candidate_id,
        method=method,
        new_email=new_email,
        created_at=now,
        expires_at=tokens.ttl_epoch(now),
    )
    item.save(condition=MappingTokenItem.PK.does_not_exist())


def _open_support_case(case_id: str, login: Login, candidate_ids: list[str], now: datetime) -> None:
    item = SupportCaseItem(keys.case_pk(case_id), keys.CASE)
    item.update(
        actions=[
            SupportCaseItem.case_id.set(case_id),
            SupportCaseItem.reason.set("duplicate_email"),
            SupportCaseItem.status.set(SupportCaseItem.status | "open"),
            SupportCaseItem.candidate_ids.set(set(candidate_ids)),
            SupportCaseItem.login_sub.set(login.sub),
            SupportCaseItem.login_username.set(login.username),
            SupportCaseItem.created_at.set(SupportCaseItem.created_at | now),
            SupportCaseItem.last_requested_at.set(now),
            SupportCaseItem.requests.add(1),
        ]
    )


# ---------------------------------------------------------------- confirmation


def confirm(login: Login, token: str, now: datetime) -> MappingResult:
    """``POST /mapping/confirm``: map the login to the token's candidate in one transaction."""
    invalid = BadRequest("This confirmation link is not valid for this login.", code="token_invalid")
    if not tokens.is_well_formed(token):
        raise invalid
    token_hash = tokens.hash_token(token)
    for _attempt in range(_TRANSACTION_ATTEMPTS):
        try:
            item = MappingTokenItem.get(keys.token_pk(token_hash), keys.TOKEN, consistent_read=True)
        except MappingTokenItem.DoesNotExist:
            raise invalid from None
        if item.login_sub != login.sub:
            raise invalid
        if item.used_at is not None:
            raise Gone("This confirmation link was already used.", code="token_used")
        if tokens.is_expired(item.created_at, now):
            raise Gone("This confirmation link has expired; request a new one.", code="token_expired")
        _ensure_login_unmapped(login)
        candidate = CandidateItem.get_candidate(item.candidate_id)
        if candidate is None:
            raise invalid
        if candidate.login_sub:
            raise _already_mapped()
        if _map_transaction(login, item.candidate_id, now, item.method, token_item=item):
            logger.info("login mapped", extra={"mapping_method": item.method})
            return MappingResult(item.candidate_id)
    raise ServiceUnavailable("The mapping is busy; retry shortly.", headers={"Retry-After": "1"})


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
    login: Login, candidate_id: str, now: datetime, method: str, token_item: MappingTokenItem | None
) -> bool:
    """One transaction: mapping item (if absent), candidate (if unmapped), token (if unused).

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
        with TransactWrite(connection=Connection(region=get_settings().region)) as transaction:
            transaction.save(mapping, condition=LoginMappingItem.PK.does_not_exist())
            transaction.update(
                CandidateItem(*CandidateItem.key(candidate_id)),
                actions=candidate_actions,
                condition=CandidateItem.PK.exists() & CandidateItem.login_sub.does_not_exist(),
            )
            if token_item is not None:
                transaction.update(
                    token_item,
                    actions=[MappingTokenItem.used_at.set(now)],
                    condition=MappingTokenItem.PK.exists() & MappingTokenItem.used_at.does_not_exist(),
                )
    except TransactWriteError as error:
        codes = [reason.code if reason else None for reason in error.cancellation_reasons]
        if not codes:
            raise
        if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            raise Gone("This confirmation link was already used.", code="token_used") from None
        if "ConditionalCheckFailed" in codes[:2]:
            raise _already_mapped() from None
        if "TransactionConflict" in codes:
            return False
        raise
    return True

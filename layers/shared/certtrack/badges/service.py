"""The badge use cases: the caller's badges (issuing what is due), a public credential, the DID.

A credential is issued once per certification period, the first time the holder's badges are
listed in that period (a renewal opens a new period, so the next listing issues the next
credential); the stored text is served as signed, so a credential never changes once issued.
A revoked certification gets no new credential; the ones it had stay listed as revoked.

Status bits follow the standing (:func:`sync_status`): every credential of a revoked
certification has its revocation bit set; the latest credential of an expired (lapsed)
certification its suspension bit, cleared when a renewal makes it current again (older periods'
credentials say their end in ``validUntil``).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from certtrack import keys
from certtrack.badges import credential, did, keyring, proof, statuslist, store, verifier
from certtrack.badges.models import BadgeItem, CredentialItem
from certtrack.badges.periods import Period, period_of
from certtrack.badges.schemas import BadgeList, BadgeOut
from certtrack.certifications.logos import render_svg
from certtrack.certifications.models import CertificationItem
from certtrack.errors import NotFound
from certtrack.identity.models import CandidateItem
from certtrack.program.catalog import Catalog, Certification, load_catalog
from certtrack.program.standing import EXPIRED, NOT_EARNED, REVOKED, standing
from certtrack.settings import get_settings

CREDENTIAL_ID = re.compile(r"[0-9a-f]{32}")


def _base_url() -> str:
    return get_settings().public_base_url


def issuer_did() -> str:
    return did.did_web(_base_url())


def did_document() -> dict[str, Any]:
    return did.document(issuer_did(), keyring.current())


def public_credential(credential_id: str) -> str:
    """The signed credential's JSON text; 404 ``credential_not_found`` for any other id."""
    found = store.credential(credential_id) if CREDENTIAL_ID.fullmatch(credential_id) else None
    if found is None:
        raise NotFound("No credential has this id.", code="credential_not_found")
    return found.document


def status_list(list_id: str, now: datetime) -> str:
    """The signed ``BitstringStatusListCredential`` of ``list_id``; 404 for a list that cannot exist."""
    parsed = statuslist.parse_list_id(list_id)
    if parsed is None:
        raise NotFound("No status list has this id.", code="status_list_not_found")
    base_url, keyset = _base_url(), keyring.current()
    issuer = did.did_web(base_url)
    created = _timestamp(now)
    unsigned = statuslist.list_credential(
        list_url=credential.status_list_url(base_url, list_id),
        issuer_did=issuer,
        purpose=parsed[0],
        positions=store.status_positions(list_id),
        valid_from=created,
    )
    signed = proof.sign(unsigned, keyset.signing_key, did.method_id(issuer, keyset.active), created)
    return json.dumps(signed, separators=(",", ":"))


def verify_credential(document: dict[str, Any], now: datetime) -> verifier.Report:
    """The checks of a credential shown to us (:mod:`certtrack.badges.verifier`); the caller has
    bounded it (:func:`certtrack.badges.verifier.bound`)."""
    base_url, keyset = _base_url(), keyring.current()
    issuer = did.did_web(base_url)
    keys_by_method = {did.method_id(issuer, key_id): key.public_key() for key_id, key in keyset.keys.items()}
    return verifier.check(
        document,
        issuer_did=issuer,
        base_url=base_url,
        resolve=keys_by_method.get,
        status_bit=store.status_bit,
        now=now,
    )


def latest_credential(candidate_id: str, cert_id: str) -> tuple[str, dict[str, Any]] | None:
    """The URL and signed document of a certification's latest credential, if one was issued."""
    badges = store.badges_of(candidate_id, cert_id=cert_id)
    if not badges:
        return None
    latest = max(badges, key=lambda badge: badge.valid_from)
    found = store.credential(latest.credential_id)
    if found is None:
        return None
    return credential.credential_url(_base_url(), latest.credential_id), json.loads(found.document)


def sync_status(record: CertificationItem | None, badges: list[BadgeItem], today: date) -> None:
    """Bring the status bits of one certification's credentials in line with its standing today
    (the expiry check and operator revocations call this too, with the certification's badges)."""
    state = standing(record, today)
    latest = max((badge.valid_from for badge in badges), default=None)
    for badge in badges:
        suspended = state == EXPIRED and badge.valid_from == latest
        store.set_status(badge, revoked=state == REVOKED, suspended=suspended)


def sync_certification(candidate_id: str, cert_id: str, today: date) -> None:
    """:func:`sync_status` for one certification read from the table (the daily expiry check
    passes this: an expired certification's latest credential gets its suspension bit)."""
    badges = store.badges_of(candidate_id, cert_id=cert_id, consistent=True)
    if not badges:
        return
    try:
        record = CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id), consistent_read=True)
    except CertificationItem.DoesNotExist:
        record = None
    sync_status(record, badges, today)


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _image(cert: Certification, catalog: Catalog) -> str:
    logo = next((logo for logo in cert.logos if not logo.years_held), None)
    if logo is None:
        raise ValueError(f"{cert.id} has no logo in the catalog")
    return render_svg(cert, logo, catalog.program, with_title=False)


def issue(record: CertificationItem, period: Period, cert: Certification, catalog: Catalog, now: datetime) -> bool:
    """Sign and store the credential of ``record``'s period; False if it already had one."""
    base_url, keyset = _base_url(), keyring.current()
    issuer = did.did_web(base_url)
    candidate = CandidateItem.get_candidate(record.candidate_id)
    credential_id = secrets.token_hex(16)
    status_index = store.allocate_status_index()
    unsigned = credential.build(
        base_url=base_url,
        issuer_did=issuer,
        credential_id=credential_id,
        cert=cert,
        catalog=catalog,
        period=period,
        subject=credential.Subject(candidate.email if candidate else None, record.candidate_id, secrets.token_hex(16)),
        status_index=status_index,
        image_svg=_image(cert, catalog),
    )
    created = _timestamp(now)
    signed = proof.sign(unsigned, keyset.signing_key, did.method_id(issuer, keyset.active), created)
    badge = BadgeItem(
        record.PK,
        keys.badge_sk(cert.id, period.valid_from.isoformat()),
        candidate_id=record.candidate_id,
        cert_id=cert.id,
        valid_from=period.valid_from.isoformat(),
        valid_until=period.valid_until.isoformat(),
        credential_id=credential_id,
        status_index=status_index,
        issued_at=now,
    )
    issued = CredentialItem(
        *CredentialItem.key(credential_id),
        candidate_id=record.candidate_id,
        cert_id=cert.id,
        status_index=status_index,
        document=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
        issued_at=now,
    )
    return store.save_issued(badge, issued)


def _linkedin(cert: Certification, catalog: Catalog, badge: BadgeItem, url: str) -> str:
    start, end = date.fromisoformat(badge.valid_from), date.fromisoformat(badge.valid_until)
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": cert.name,
        "organizationName": catalog.program,
        "issueYear": start.year,
        "issueMonth": start.month,
        "expirationYear": end.year,
        "expirationMonth": end.month,
        "certUrl": url,
        "certId": badge.credential_id,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(query)


def list_badges(candidate_id: str, now: datetime) -> BadgeList:
    """Every certification the candidate has held, with its latest credential (issued if due)."""
    catalog, today = load_catalog(), now.date()
    records = {record.cert_id: record for record in store.certifications_of(candidate_id)}
    issued = {(badge.cert_id, badge.valid_from) for badge in store.badges_of(candidate_id)}
    wrote = False
    for record in records.values():
        cert, period = catalog.certification(record.cert_id), period_of(record)
        if cert is None or period is None or standing(record, today) in (NOT_EARNED, REVOKED):
            continue
        if (cert.id, period.valid_from.isoformat()) not in issued:
            issue(record, period, cert, catalog, now)
            wrote = True
    by_cert: dict[str, list[BadgeItem]] = {}
    for item in store.badges_of(candidate_id, consistent=wrote):
        by_cert.setdefault(item.cert_id, []).append(item)
    latest: dict[str, BadgeItem] = {}
    for cert_id, items in by_cert.items():
        sync_status(records.get(cert_id), items, today)
        latest[cert_id] = max(items, key=lambda item: item.valid_from)
    base_url, out = _base_url(), []
    for cert in catalog.certifications:
        badge = latest.get(cert.id)
        if badge is None:
            continue
        url = credential.credential_url(base_url, badge.credential_id)
        image = credential.image_data_uri(_image(cert, catalog))
        out.append(
            BadgeOut(
                certification_id=cert.id,
                name=cert.name,
                status=standing(records.get(cert.id), today),
                credential_url=url,
                image_url=image,
                linkedin_url=_linkedin(cert, catalog, badge, url),
            )
        )
    return BadgeList(badges=out)

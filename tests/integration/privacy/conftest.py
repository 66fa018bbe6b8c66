"""A candidate with one record of every kind, made through the real routes where there is one, and
the user pool their login lives in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from certtrack import keys, verification
from certtrack.auth import Login
from certtrack.certifications.models import AgreementItem, CECreditItem, CertificationItem, HistoryItem
from certtrack.certifications.reminders import ReminderItem
from certtrack.identity.mapping import case_id_for
from certtrack.identity.models import SupportCaseItem
from certtrack.identity.operator_audit import audit_entry
from certtrack.settings import get_settings

from tests.conftest import call
from tests.factories import candidate, certification, days
from tests.integration.fulfillment.factories import shipping_address
from tests.integration.identity.conftest import exam
from tests.integration.transcripts.conftest import transcript_body
from tests.unit.fulfillment.factories import order_body

SETTINGS = {
    "program_employee": False,
    "partner_or_reseller": True,
    "email_notifications": False,
    "academy_student": False,
    "verification_consent": True,
    "language": "ja",
}


@dataclass
class Person:
    username: str
    sub: str
    candidate_id: str
    email: str
    first_name: str
    last_name: str
    verification_code: str = ""
    public_url: str = ""
    strings: set[str] = field(default_factory=set)  # values only this person's data holds

    def call(self, function: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
        return call(function, method, path, sub=self.sub, username=self.username, **kwargs)

    def login(self) -> Login:
        return Login(sub=self.sub, username=self.username, groups=frozenset())


@pytest.fixture
def user_pool(aws: None) -> str:
    """The template's user pool, as the sandbox made it and named it to the functions."""
    return os.environ["USER_POOL_ID"]


def cognito_user(pool_id: str, username: str) -> str:
    """A user of the pool; its ``sub``."""
    created = boto3.client("cognito-idp").admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS"
    )
    return str(next(a["Value"] for a in created["User"]["Attributes"] if a["Name"] == "sub"))


def user_exists(pool_id: str, username: str) -> bool:
    client = boto3.client("cognito-idp")
    try:
        client.admin_get_user(UserPoolId=pool_id, Username=username)
    except client.exceptions.UserNotFoundException:
        return False
    return True


def make_person(pool_id: str, username: str, first_name: str, last_name: str, *, every_kind: bool = True) -> Person:
    """A mapped candidate holding an active CCNA with a certificate code, with (``every_kind``) one
    record of each other kind too."""
    sub = cognito_user(pool_id, username)
    email = f"{username}@example.com"
    cand = candidate(first_name=first_name, last_name=last_name, email=email, login_sub=sub)
    person = Person(username, sub, cand.candidate_id, email, first_name, last_name)
    person.strings = {cand.candidate_id, email, first_name, last_name, sub}
    item = certification(cand.candidate_id, "ccna")
    code = verification.reserve("certificate", cand.candidate_id, keys.cert_sk("ccna"), "ccna", period=days(-400))
    item.update(actions=[CertificationItem.verification_code.set(code)])
    person.verification_code = code
    person.strings.add(code)

    status, _, _ = person.call("auth_mapping", "PUT", "/me/settings", body=SETTINGS)
    assert status == 200
    title = f"{first_name}'s job"
    status, _, _ = person.call(
        "auth_mapping", "PUT", "/me/attributes", body={"attributes": [{"key": "job_title", "value": title}]}
    )
    assert status == 200
    shipping_address(cand.candidate_id, first_name=first_name, last_name=last_name, email=email)
    status, created, _ = person.call("transcripts", "POST", "/me/transcripts", body=transcript_body())
    assert status == 201, created
    person.public_url = created["public_url"]
    person.strings.add(created["public_url"].rsplit("/", 1)[-1])
    status, _, _ = public_get(person.public_url)  # one view
    assert status == 200
    if not every_kind:
        return person

    exam(cand.candidate_id, f"REG-{username}")
    CECreditItem(
        keys.candidate_pk(cand.candidate_id),
        keys.ce_sk(f"CE-{username}"),
        candidate_id=cand.candidate_id,
        external_id=f"CE-{username}",
        activity_name="Cisco Live session",
        provider_name="Cisco",
        points=8,
        active_date=date(2025, 6, 1),
        inactive_date=date(2028, 6, 1),
    ).save()
    HistoryItem(
        keys.candidate_pk(cand.candidate_id),
        keys.history_sk(days(-400), "earned-ccna"),
        candidate_id=cand.candidate_id,
        cert_id="ccna",
        date=date.fromisoformat(days(-400)),
        event="Certification earned",
    ).save()
    AgreementItem(
        keys.candidate_pk(cand.candidate_id),
        keys.agreement_sk("cca-1"),
        candidate_id=cand.candidate_id,
        name="Certification and Confidentiality Agreement",
        active_date=days(-500),
    ).save()
    status, _, _ = person.call(
        "certifications",
        "POST",
        "/me/logos/ccna/download",
        body={"accept_agreement": True, "format": "svg"},
        resource="/me/logos/{logo_id}/download",
        path_parameters={"logo_id": "ccna"},
    )
    assert status == 200
    status, ordered, _ = person.call(
        "fulfillment",
        "POST",
        "/me/fulfillment/orders",
        body=order_body("ccna-certificate"),
        headers={"Idempotency-Key": f"key-{username}"},
    )
    assert status == 201, ordered
    ReminderItem(
        keys.candidate_pk(cand.candidate_id),
        keys.reminder_sk("ccna", days(700), 30),
        candidate_id=cand.candidate_id,
        cert_id="ccna",
        expiration_date=days(700),
        days=30,
        status="sent",
        run_id="run-1",
        claimed_at=datetime.now(UTC),
        sent_at=datetime.now(UTC),
    ).save()
    status, _, _ = person.call("certifications", "GET", "/me/badges")
    assert status == 200
    operator = Login(sub="sub-operator", username="operator", groups=frozenset({"operators"}))
    audit_entry(cand.candidate_id, "grant", "ccna", "course completed", operator, datetime.now(UTC)).save()
    SupportCaseItem(
        keys.case_pk(case_id_for(person.login(), email)),
        keys.CASE,
        case_id=case_id_for(person.login(), email),
        reason="duplicate_email",
        status="open",
        candidate_ids={cand.candidate_id},
        login_sub=sub,
        created_at=datetime.now(UTC),
        last_requested_at=datetime.now(UTC),
        requests=1,
    ).save()
    # An item of a kind no model knows yet: the export must still carry it.
    boto3.client("dynamodb").put_item(
        TableName=get_settings().table_name,
        Item={
            "PK": {"S": keys.candidate_pk(cand.candidate_id)},
            "SK": {"S": "FUTURE#1"},
            "note": {"S": f"future data of {first_name}"},
        },
    )
    return person


def public_get(public_url: str) -> tuple[int, Any, dict[str, Any]]:
    path = public_url.split("https://certs.example.com", 1)[1]
    return call("transcripts", "GET", path, headers={"Accept": "application/json"})


def verify(code: str) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "certifications",
        "GET",
        f"/public/verify/{code}",
        headers={"Accept": "application/json"},
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
    )


@pytest.fixture
def ada(user_pool: str) -> Person:
    return make_person(user_pool, "ada", "Ada", "Lovelace")


@pytest.fixture
def bob(user_pool: str) -> Person:
    """Another candidate with similar data."""
    return make_person(user_pool, "bob", "Bob", "Babbage")

"""Create, list, read, replace and revoke transcripts; ownership; bad input."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import certification, days
from tests.integration.transcripts.conftest import Person, public_get, transcript_body

pytestmark = pytest.mark.usefixtures("aws")


def test_create_returns_public_url_and_share_links(john: Person) -> None:
    status, body, _ = john.call("POST", "/me/transcripts", body=transcript_body())
    assert status == 201
    public_id = body["public_url"].rsplit("/", 1)[1]
    assert body["public_url"] == f"https://certs.example.com/public/transcripts/{public_id}"
    assert len(public_id) >= 22 and public_id != body["transcript_id"]
    assert body["transcript_id"] not in body["public_url"]
    share = body["share"]
    assert share["url"] == body["public_url"]
    assert share["email"].startswith("mailto:?subject=Transcript%20for%20John%20Doe")
    assert share["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert share["twitter"].startswith("https://twitter.com/intent/tweet?url=")
    linkedin = urlsplit(share["linkedin"])
    params = parse_qs(linkedin.query)
    assert linkedin.netloc == "www.linkedin.com" and linkedin.path == "/profile/add"
    assert params["startTask"] == ["CERTIFICATION_NAME"]
    assert params["name"] == ["CCNA"]
    assert params["organizationName"] == ["Certification Program"]
    assert params["certUrl"] == [body["public_url"]]
    assert "issueYear" in params and "expirationMonth" in params
    assert body["views"] == 0 and body["last_viewed"] is None and body["status"] == "active"
    assert [c["id"] for c in body["certifications"]] == ["ccna"]


def test_public_ids_are_distinct_and_long(john: Person) -> None:
    ids = {john.create()["public_url"].rsplit("/", 1)[1] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) >= 32 for i in ids)  # 24 random bytes


def test_list_shows_views_last_viewed_status_and_pages(john: Person) -> None:
    first = john.create(description="first")
    john.create(description="second")
    john.create(description="third")
    assert public_get(first["public_url"])[0] == 200

    status, page1, _ = john.call("GET", "/me/transcripts", query={"limit": "2"})
    assert status == 200
    assert [t["description"] for t in page1["items"]] == ["third", "second"]
    assert page1["next"]
    status, page2, _ = john.call("GET", "/me/transcripts", query={"limit": "2", "next": page1["next"]})
    assert status == 200 and page2["next"] is None
    (listed,) = page2["items"]
    assert listed["transcript_id"] == first["transcript_id"]
    assert listed["views"] == 1 and listed["last_viewed"].endswith("Z")
    assert listed["status"] == "active" and listed["share"]["url"] == first["public_url"]


def test_list_rejects_a_forged_cursor_and_bad_limit(john: Person) -> None:
    assert john.call("GET", "/me/transcripts", query={"next": "not-a-cursor"})[0] == 400
    assert john.call("GET", "/me/transcripts", query={"limit": "0"})[0] == 422
    assert john.call("GET", "/me/transcripts", query={"limit": "101"})[0] == 422


def test_get_and_replace(john: Person) -> None:
    created = john.create()
    path = f"/me/transcripts/{created['transcript_id']}"
    status, body, _ = john.call("GET", path)
    assert status == 200 and body["display_name"] == "Transcript for Acme hiring"

    status, body, _ = john.call(
        "PUT",
        path,
        body=transcript_body(display_name="Renamed", expires_on=days(60), display_options={"show_email": True}),
    )
    assert status == 200
    assert body["display_name"] == "Renamed" and body["expires_on"] == days(60)
    assert body["display_options"] == {"show_address": False, "show_email": True}
    assert body["public_url"] == created["public_url"]  # same link after an edit
    assert john.call("GET", path)[1]["display_name"] == "Renamed"


def test_replace_keeps_the_view_count(john: Person) -> None:
    created = john.create()
    public_get(created["public_url"])
    public_get(created["public_url"])
    status, body, _ = john.call("PUT", f"/me/transcripts/{created['transcript_id']}", body=transcript_body())
    assert status == 200 and body["views"] == 2


def test_delete_revokes_at_once(john: Person) -> None:
    created = john.create()
    path = f"/me/transcripts/{created['transcript_id']}"
    assert public_get(created["public_url"])[0] == 200
    status, _, _ = john.call("DELETE", path)
    assert status == 204
    assert public_get(created["public_url"])[0] == 404
    assert public_get(created["public_url"], accept="application/json")[1]["code"] == "transcript_unavailable"
    assert john.call("GET", path)[0] == 404
    assert john.call("DELETE", path)[0] == 404
    assert john.call("GET", "/me/transcripts")[1]["items"] == []


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PUT", "", "transcript"),
        ("DELETE", "", None),
        ("POST", "/email", {"to": "hr@example.com"}),
        ("POST", "/email/preview", None),
    ],
)
def test_another_candidates_transcript_is_404_on_every_route(
    person: Callable[..., Person], method: str, suffix: str, body: object
) -> None:
    owner = person("sub-owner")
    intruder = person("sub-intruder")
    created = owner.create()
    payload = transcript_body() if body == "transcript" else body
    status, problem, _ = intruder.call(method, f"/me/transcripts/{created['transcript_id']}{suffix}", body=payload)
    assert status == 404
    assert problem["code"] == "transcript_not_found"
    # ... and the owner's transcript is untouched.
    status, mine, _ = owner.call("GET", f"/me/transcripts/{created['transcript_id']}")
    assert status == 200 and mine["display_name"] == created["display_name"]
    assert public_get(created["public_url"])[0] == 200


def test_unmapped_login_is_403(aws: None) -> None:
    from tests.conftest import call

    status, body, _ = call("transcripts", "GET", "/me/transcripts", sub="sub-nobody")
    assert status == 403 and body["code"] == "account_not_mapped"


def _fields(body: dict[str, object]) -> set[str]:
    errors = body.get("errors")
    assert isinstance(errors, list)
    return {str(e["field"]) for e in errors}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"expires_on": days(-1)}, "expires_on"),
        ({"expires_on": days(0)}, "expires_on"),
        ({"expires_on": days(366)}, "expires_on"),
        ({"expires_on": "9999-12-31"}, "expires_on"),
        ({"expires_on": "99999-01-01"}, "expires_on"),
        ({"expires_on": 1893456000}, "expires_on"),
        ({"include": "selected", "certification_ids": []}, "certification_ids"),
        ({"include": "selected", "certification_ids": ["no-such-cert"]}, "certification_ids"),
        ({"include": "selected", "certification_ids": ["ccde"]}, "certification_ids"),  # not held
        ({"certification_ids": ["no-such-cert"]}, "certification_ids"),
        ({"remarks": "x" * 1001}, "remarks"),
        ({"description": "x" * 201}, "description"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"include": "everything"}, "include"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_input_is_422_naming_the_field(john: Person, overrides: dict[str, object], field: str) -> None:
    status, body, headers = john.call("POST", "/me/transcripts", body=transcript_body(**overrides))
    assert status == 422, body
    assert headers["content-type"] == "application/problem+json"
    assert field in _fields(body)


def test_max_days_boundary_is_allowed(john: Person) -> None:
    status, _, _ = john.call("POST", "/me/transcripts", body=transcript_body(expires_on=days(365)))
    assert status == 201


def test_selected_expired_certification_is_allowed(john: Person) -> None:
    certification(john.candidate_id, "ccnp-enterprise", status="expired")
    created = john.create(include="selected", certification_ids=["ccnp-enterprise"])
    assert [(c["id"], c["status"]) for c in created["certifications"]] == [("ccnp-enterprise", "expired")]

"""Transcript text shown to third parties is public text: refused when it hides anything, NFC when kept."""

from __future__ import annotations

import unicodedata

import pytest
from certtrack import field_messages, keys
from certtrack.transcripts.models import TranscriptItem

from tests.integration.partition import partition_items
from tests.integration.transcripts.conftest import Person, transcript_body

pytestmark = pytest.mark.usefixtures("aws")

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Acme \u202egnirih" shows as "Acme hiring"


def _assert_refused(status: int, body: dict[str, object], field: str) -> None:
    assert status == 422, body
    assert body["code"] == "validation_error"
    assert field_messages.label(field) in str(body["detail"])  # named as a person reads it
    errors = body["errors"]
    assert isinstance(errors, list)
    [error] = [e for e in errors if e["field"] == field]
    assert error["type"] == "invalid_characters"
    assert "U+" in error["message"] and "gnirih" not in str(body)  # names the character, not the text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", f"Acme {RLO}gnirih"),
        ("display_name", "Acme\u2066 hiring\u2069"),  # an isolate
        ("display_name", "Acme\u200bhiring"),  # zero-width space
        ("display_name", "Acme\x85hiring"),  # a C1 control
        ("display_name", "Acme\nhiring"),  # one line only
        ("description", "For\nAcme"),
        ("description", "\ufeffFor Acme"),
        ("remarks", f"Thank you{RLO}"),
        ("remarks", "Thank\x07 you"),
    ],
)
def test_hidden_characters_are_refused_and_nothing_is_written(john: Person, field: str, value: str) -> None:
    before = partition_items(john.candidate_id)
    status, body, headers = john.call("POST", "/me/transcripts", body=transcript_body(**{field: value}))
    _assert_refused(status, body, field)
    assert headers["content-type"] == "application/problem+json"
    assert partition_items(john.candidate_id) == before


def test_a_bidi_override_in_a_replacement_display_name_changes_nothing(john: Person) -> None:
    created = john.create(display_name="Acme hiring")
    path = f"/me/transcripts/{created['transcript_id']}"
    before = partition_items(john.candidate_id)
    status, body, _ = john.call("PUT", path, body=transcript_body(display_name=f"Acme {RLO}gnirih", remarks="New"))
    _assert_refused(status, body, "display_name")
    assert partition_items(john.candidate_id) == before
    status, body, _ = john.call("GET", path)
    assert status == 200 and (body["display_name"], body["remarks"]) == ("Acme hiring", "Thank you for your interest.")


def test_text_is_stored_nfc_and_remarks_keep_their_lines(john: Person) -> None:
    decomposed = unicodedata.normalize("NFD", "José Núñez — Zoë")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    created = john.create(
        display_name=f"  {decomposed}  ",
        description=decomposed,
        remarks=f"Dear reader,\r\n{decomposed}\r\n",
    )
    composed = "José Núñez — Zoë"
    assert (created["display_name"], created["description"]) == (composed, composed)
    assert created["remarks"] == f"Dear reader,\n{composed}"
    item = TranscriptItem.get(keys.candidate_pk(john.candidate_id), keys.transcript_sk(created["transcript_id"]))
    assert (item.display_name, item.description, item.remarks) == (composed, composed, f"Dear reader,\n{composed}")


def test_lengths_are_characters_after_normalising(john: Person) -> None:
    created = john.create(display_name="e\u0301" * 100)  # 200 code points, 100 characters
    assert created["display_name"] == "\u00e9" * 100
    status, body, _ = john.call("POST", "/me/transcripts", body=transcript_body(display_name="e\u0301" * 101))
    assert status == 422 and body["errors"][0]["type"] == "string_too_long"

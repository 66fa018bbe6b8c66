"""The MIME message every email is sent as: its subject arrives as rendered."""

from __future__ import annotations

import email

from certtrack.email import RenderedEmail, build_mime


def test_a_long_subject_is_not_folded_onto_a_line_of_its_own() -> None:
    subject = "Your certification kit order 20261201155600-0123abcd has been submitted"
    raw = build_mime("jose@example.com", RenderedEmail(subject=subject, text="Hello", html="<p>Hello</p>"))
    assert f"Subject: {subject}\n".encode() in raw
    parsed = email.message_from_bytes(raw)  # what the local outbox and the tests read
    assert parsed["Subject"] == subject
    parts = {part.get_content_type(): part.get_payload(decode=True) for part in parsed.walk()}
    assert parts["text/plain"] == b"Hello\n" and parts["text/html"] == b"<p>Hello</p>\n"
